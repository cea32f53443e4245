"""The cycle's operations on a clone: 提出, 差戻し, 確認 — chosen, applied, committed.

Used by the ``submit`` / ``sendback`` / ``approve`` commands and by the add-in's buttons.
The clone is brought up to date first (:func:`shinchoku.sharing.sync.update`), the transitions
are applied to the records at HEAD (:mod:`shinchoku.rules.cycle`), committed under the user's
name through :class:`shinchoku.store.Store`; sending is the caller's business (the
commands use :func:`shinchoku.commands.sync.send_commit`).  The server judges every
transition again (:func:`shinchoku.rules.cycle.transition_problems`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from shinchoku.model import records
from shinchoku.model.fields import Record
from shinchoku.model.plan import Plan
from shinchoku.rules import cycle
from shinchoku.store import Author, Store

SUBMIT, SENDBACK, APPROVE = "submit", "sendback", "approve"
VERBS = {SUBMIT: "提出", SENDBACK: "差戻し", APPROVE: "確認"}
AFTER = {SUBMIT: cycle.SUBMITTED, SENDBACK: cycle.SENT_BACK, APPROVE: cycle.APPROVED}   # the state each leads to


@dataclass(frozen=True)
class Target:
    year: str
    no: int
    department: str

    @property
    def label(self) -> str:
        return f"{self.year} No.{self.no}（{self.department}）"


@dataclass
class Outcome:
    action: str
    done: list[tuple[Target, str]] = field(default_factory=list)   # (report, state before)
    skipped: list[str] = field(default_factory=list)                # why a report was left as it was
    commit: str | None = None

    def message(self) -> str:
        verb = {SUBMIT: "提出し", SENDBACK: "差し戻し", APPROVE: "確認し"}[self.action]
        parts = [f"{len(self.done)}件の報告を{verb}ました" if self.done else f"{verb}た報告はありません"]
        if self.skipped:
            parts.append(f"{len(self.skipped)}件はそのままです")
        return "。".join(parts)


def open_years(plan: Plan) -> list[str]:
    return [y.label for y in plan.years if y.open]


def default_year(plan: Plan, year: str | None) -> str:
    """The year asked for (normalised), or the one open year."""
    from shinchoku.sharing.yearcycle import YearError, normalise_label

    if year:
        try:
            label = normalise_label(year)
        except YearError as exc:
            raise cycle.CycleError(str(exc)) from None
        if plan.year(label) is None:
            raise cycle.CycleError(f"年度「{label}」は計画（plan.yaml）にありません"
                                   f"（ある年度: {'・'.join(plan.year_labels)}）")
        return label
    years = open_years(plan)
    if len(years) == 1:
        return years[0]
    if not years:
        raise cycle.CycleError("受付中の年度がありません（shinchoku year open で受付を始めてください）")
    raise cycle.CycleError(f"受付中の年度が{len(years)}つあります（{'・'.join(years)}）。--year で選んでください")


def select(plan: Plan, year: str, *, departments: Iterable[str] = (), nos: Iterable[int] = ()) -> list[Target]:
    """The reports of ``year`` of these departments (all when empty) and initiatives."""
    depts, wanted = set(departments), set(nos)
    known = plan.by_no()
    for no in wanted:
        if no not in known:
            raise cycle.CycleError(f"No.{no} は計画（plan.yaml）にありません")
    for d in depts:
        if d not in plan.departments():
            raise cycle.CycleError(f"「{d}」は計画のどの施策の主管課でもありません")
    out = []
    for ini in plan.initiatives():
        if wanted and ini.no not in wanted:
            continue
        for d in ini.departments:
            if not depts or d in depts:
                out.append(Target(year, ini.no, d))
    if not out:
        raise cycle.CycleError("当てはまる報告がありません（No と課の組み合わせを確かめてください）")
    return out


def apply(store: Store, plan: Plan, action: str, targets: list[Target], author: Author, *,
          text: str = "", when: str | None = None, only_states: tuple[str, ...] = (),
          texts: dict[Target, str] | None = None) -> Outcome:
    """Apply ``action`` to ``targets`` in the records at HEAD and commit (one commit).

    ``only_states``: leave reports in other states alone, quietly (e.g. 確認 of every
    提出済 report of a year).  Reports that cannot take the action are listed in
    ``skipped`` with the reason; nothing is committed when none could."""
    when = when or cycle.now()
    outcome = Outcome(action)
    dirty = set(store.dirty_paths())
    loaded: dict[tuple[str, int], dict[str, Any]] = {}
    touched: dict[tuple[str, int], dict[str, Any]] = {}
    for t in targets:
        y = plan.year(t.year)
        year_open = bool(y and y.open)
        key = (t.year, t.no)
        rel = records.record_relpath(t.year, t.no)
        if rel in dirty:
            raise cycle.CycleError(f"{rel} にまだ送っていない変更があります。先に送信（shinchoku sync）するか、"
                                   "元に戻してから、もう一度実行してください")
        if key not in loaded:
            loaded[key] = store.record_at("HEAD", t.year, t.no) or {}
        rec = loaded[key]
        if not rec:
            outcome.skipped.append(f"{t.label}: 記録がありません（年度の受付を始めると用意されます）")
            continue
        report = Record(rec).report(t.department)
        if only_states and cycle.state_of(report, year_open) not in only_states:
            continue
        words = (texts or {}).get(t, text)
        try:
            if action == SUBMIT:
                before = cycle.submit(rec, t.department, author.name, when, year_open=year_open, comment=words)
            elif action == SENDBACK:
                before = cycle.send_back(rec, t.department, author.name, words, when, year_open=year_open)
            else:
                before = cycle.approve(rec, t.department, author.name, when, year_open=year_open, note=words)
        except cycle.CycleError as exc:
            outcome.skipped.append(str(exc))
            continue
        outcome.done.append((t, before))
        touched[key] = rec
    if touched:
        outcome.commit = store.commit_records(list(touched.values()), author, commit_message(outcome, text))
    return outcome


def commit_message(outcome: Outcome, text: str) -> str:
    """``R3 指導室: No.1, No.5 を提出`` per year and department; the reason or note below."""
    verb = VERBS[outcome.action]
    groups: dict[tuple[str, str], list[int]] = {}
    for t, _before in outcome.done:
        groups.setdefault((t.year, t.department), []).append(t.no)
    lines = [f"{y} {d}: {', '.join(f'No.{n}' for n in nos)} を{verb}" for (y, d), nos in groups.items()]
    subject = lines[0] if len(lines) == 1 else f"{lines[0]} ほか{len(lines) - 1}件"
    parts = [subject]
    if len(lines) > 1:
        parts.append("\n".join(lines))
    if text.strip():
        parts.append(("理由: " if outcome.action == SENDBACK else "") + text.strip())
    return "\n\n".join(parts) + "\n"


def send(store: Store, author: Author, progress=None):
    """Send the commit :func:`apply` made (like ``shinchoku sync``).  When the central
    repository refuses it, the commit is kept under ``refs/shinchoku/unsent/`` and the
    clone goes back to the central head (the commit held nothing typed by hand), then
    the error is raised again for the caller to show."""
    from shinchoku.sharing import sync
    from shinchoku.store import GitError

    try:
        return sync.sync(store, author, progress=progress)
    except (GitError, sync.Rejected):
        upstream = store.rev(store.upstream())
        if upstream and store.head() != upstream:
            store.save_unsent("cycle")
            store.reset_to(upstream)
        raise

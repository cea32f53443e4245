"""The yearly cycle: every report is 未提出 → 提出済 → (差戻し → 提出済 …) → 確認済.

Where it is kept
----------------
In the record, inside the department's own report entry, so that it travels, merges and
is guarded exactly like the report itself::

    報告:
      - 主管課: 指導室
        進捗状況: 計画通りに進んでいる
        実績: …
        提出状況:
          状態: 差戻し
          変更者: 協働推進課 鈴木
          日時: '2026-05-12T10:15:00+09:00'
        コメント:
          - 日時: '2026-05-12T10:15:00+09:00'
            記入者: 協働推進課 鈴木
            種類: 差戻し
            本文: 実績に参加人数を書いてください。

* ``提出状況`` is one mapping; the record merge (:mod:`shinchoku.rules.merge`) merges it field
  by field like any other, so two different transitions of one report meet as a conflict
  on ``状態`` which the validator refuses until someone chooses.
* ``コメント`` is a list matched by ``日時`` (:data:`shinchoku.rules.fielddiff.IDENTITY`): a
  comment added on each side of a merge lands twice, in order.
* A report without ``提出状況`` is 未提出 in an open (受付中) year and 確認済 in a closed
  (締切) one: the records imported from the published sheet and years closed before
  states existed need no change to export as they always did.
* The deadline of an open year is ``締切日`` of its entry in ``records/plan.yaml``.

Who may do what (judged on the server by :func:`transition_problems`)
---------------------------------------------------------------------
* staff submit (提出) their own department's reports: 未提出 or 差戻し → 提出済; they may
  edit a 提出済 or 差戻し report, which keeps its state (a 送信 after 差戻し stays 差戻し);
  they may add comments of kind 回答 or 連絡, never change or remove one;
* a 確認済 report is locked for staff — content, state and comments — until a coordinator
  reopens it (差戻し, or back to 提出済);
* only a coordinator sends back (差戻し, with a reason: a new comment of kind 差戻し in
  the same change) or approves (確認済).

This module is pure: dictionaries in, dictionaries or problems out; no git, no files.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from shinchoku.errors import ShinchokuError
from shinchoku.rules.validate import Problem

FIELD = "提出状況"
COMMENTS = "コメント"
NOT_SUBMITTED, SUBMITTED, SENT_BACK, APPROVED = "未提出", "提出済", "差戻し", "確認済"
STATES = (NOT_SUBMITTED, SUBMITTED, SENT_BACK, APPROVED)
WAITING = (NOT_SUBMITTED, SENT_BACK)          # the department still owes the report
KIND_SENDBACK, KIND_REPLY, KIND_APPROVE, KIND_NOTE = "差戻し", "回答", "確認", "連絡"
STAFF_KINDS = (KIND_REPLY, KIND_NOTE)
DEADLINE = "締切日"
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class CycleError(ShinchokuError):
    """A cycle operation that cannot be done (message in Japanese, says what to do)."""


# ----------------------------------------------------------------------------- reading


def now() -> str:
    """The time a state or comment is stamped with: local, to the second, with offset."""
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def short_time(stamp: str) -> str:
    """``2026-05-12 10:15`` for ``2026-05-12T10:15:00+09:00`` (what people read)."""
    return stamp[:16].replace("T", " ") if stamp else ""


def state_of(report: dict[str, Any] | None, year_open: bool) -> str:
    """The report's state; without 提出状況: 未提出 in an open year, 確認済 in a closed one."""
    info = (report or {}).get(FIELD)
    if isinstance(info, dict) and info.get("状態") in STATES:
        return info["状態"]
    return NOT_SUBMITTED if year_open else APPROVED


def comments(report: dict[str, Any] | None) -> list[dict[str, Any]]:
    items = (report or {}).get(COMMENTS)
    return [c for c in items if isinstance(c, dict)] if isinstance(items, list) else []


def last_reason(report: dict[str, Any] | None) -> dict[str, Any] | None:
    """The newest 差戻し comment (the reason the report was sent back)."""
    found = [c for c in comments(report) if c.get("種類") == KIND_SENDBACK]
    return found[-1] if found else None


def comment_line(c: dict[str, Any]) -> str:
    """``2026-05-12 10:15 協働推進課 鈴木（差戻し）: 実績に…`` — one comment, for sheets and lists."""
    return f"{short_time(str(c.get('日時', '')))} {c.get('記入者', '')}（{c.get('種類', '')}）: {c.get('本文', '')}"


def deadline(plan_data: dict[str, Any], year: str) -> _dt.date | None:
    for y in plan_data.get("年度", []) or []:
        if isinstance(y, dict) and y.get("年度") == year and isinstance(y.get(DEADLINE), str):
            try:
                return _dt.date.fromisoformat(y[DEADLINE])
            except ValueError:
                return None
    return None


def parse_date(text: str) -> _dt.date:
    """「2026-05-31」「2026/5/31」 → date; CycleError for anything else."""
    t = text.strip().replace("/", "-")
    parts = t.split("-")
    try:
        if len(parts) != 3:
            raise ValueError
        return _dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise CycleError(f"「{text}」は日付として読めません（2026-05-31 のように書いてください）") from None


def with_deadline(plan_data: dict[str, Any], year: str, day: _dt.date | None) -> dict[str, Any]:
    """A copy of the plan data with year's 締切日 set (None: removed)."""
    import copy

    data = copy.deepcopy(plan_data)
    for y in data.get("年度", []) or []:
        if isinstance(y, dict) and y.get("年度") == year:
            if day is None:
                y.pop(DEADLINE, None)
            else:
                y[DEADLINE] = day.isoformat()
            return data
    raise CycleError(f"年度「{year}」は計画（plan.yaml）にありません")


# ----------------------------------------------------------------------------- changing


def _report(record: dict[str, Any], department: str) -> dict[str, Any]:
    for r in record.get("報告", []) or []:
        if isinstance(r, dict) and r.get("主管課") == department:
            return r
    raise CycleError(f"{record.get('年度')} No.{record.get('No')} に「{department}」の報告はありません")


def _current(record: dict[str, Any], department: str, year_open: bool) -> tuple[dict[str, Any], str, str]:
    """What every action starts from: the department's report, its state now, and how
    messages name it (「R3 No.5（指導室）」)."""
    report = _report(record, department)
    return report, state_of(report, year_open), f"{record.get('年度')} No.{record.get('No')}（{department}）"


def _stamp(report: dict[str, Any], state: str, who: str, when: str) -> None:
    report[FIELD] = {"状態": state, "変更者": who, "日時": when}


def _enter(report: dict[str, Any], state: str, who: str, when: str, kind: str, text: str) -> None:
    """How every action ends: the report stamped with its new state, and the action's
    words (a reply, a reason, a note) among its comments when there are any."""
    _stamp(report, state, who, when)
    add_comment(report, kind, who, text, when)


def add_comment(report: dict[str, Any], kind: str, who: str, text: str, when: str) -> None:
    text = (text or "").strip()
    if not text:
        return
    items = report.setdefault(COMMENTS, [])
    while any(c.get("日時") == when for c in items if isinstance(c, dict)):
        # comments are told apart by 日時: two in the same second get the next second
        when = (_dt.datetime.fromisoformat(when) + _dt.timedelta(seconds=1)).isoformat(timespec="seconds")
    items.append({"日時": when, "記入者": who, "種類": kind, "本文": text})


def submit(record: dict[str, Any], department: str, who: str, when: str, *, year_open: bool = True,
           comment: str = "") -> str:
    """提出: the department's report of ``record`` becomes 提出済. Returns the state it had."""
    report, before, label = _current(record, department, year_open)
    if before == APPROVED:
        raise CycleError(f"{label}は確認済のため提出できません（直すときは調整担当に差戻しを依頼してください）")
    if before == SUBMITTED:
        raise CycleError(f"{label}はすでに提出済です")
    if not report.get("進捗状況"):
        raise CycleError(f"{label}は進捗状況がまだ入力されていないため、提出していません（入力して送信してから提出してください）")
    _enter(report, SUBMITTED, who, when, KIND_REPLY, comment)
    return before


def send_back(record: dict[str, Any], department: str, who: str, reason: str, when: str, *,
              year_open: bool = True) -> str:
    """差戻し (coordinator): the report goes back to the department with ``reason``."""
    if not (reason or "").strip():
        raise CycleError("差戻しには理由が必要です（--reason で、何を直してほしいかを書いてください）")
    report, before, label = _current(record, department, year_open)
    if before == SENT_BACK:
        raise CycleError(f"{label}はすでに差戻し中です")
    _enter(report, SENT_BACK, who, when, KIND_SENDBACK, reason)
    return before


def approve(record: dict[str, Any], department: str, who: str, when: str, *, year_open: bool = True,
            note: str = "") -> str:
    """確認 (coordinator): the report becomes 確認済 (locked for staff)."""
    report, before, label = _current(record, department, year_open)
    if before == APPROVED:
        raise CycleError(f"{label}はすでに確認済です")
    _enter(report, APPROVED, who, when, KIND_APPROVE, note)
    return before


# ----------------------------------------------------------------------------- the server's rules


def _reports(record: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {r["主管課"]: r for r in (record or {}).get("報告", []) or []
            if isinstance(r, dict) and isinstance(r.get("主管課"), str)}


def _by_time(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(c.get("日時")): c for c in items}


def transition_problems(old: dict[str, Any] | None, new: dict[str, Any] | None, user: str | None,
                        access: Any, *, year_open: bool = True, path: str = "",
                        content: bytes | None = None) -> list[Problem]:
    """What the change ``old`` → ``new`` of one record does to the cycle that ``user`` may
    not do.  ``access`` is a :class:`shinchoku.rules.access.Access` (None: no access rules; only
    the reason for a 差戻し is required).  ``content`` (the new file) gives line numbers.

    Reports of departments ``user`` may not edit at all, and staff changes in closed
    years, are the access rules' business (:mod:`shinchoku.hooks.receive`) and not repeated here.
    """
    out: list[tuple[str, str, str]] = []        # (department, field, message)
    before, after = _reports(old), _reports(new)
    coordinator = access is None or access.is_coordinator(user)
    for dept, n in after.items():
        o = before.get(dept)
        if o == n:
            continue
        was, now_ = state_of(o, year_open), state_of(n, year_open)
        old_c, new_c = _by_time(comments(o)), _by_time(comments(n))
        added = [c for k, c in new_c.items() if k not in old_c]
        if now_ == SENT_BACK and (was != SENT_BACK or (o or {}).get(FIELD) != n.get(FIELD)):
            if not any(c.get("種類") == KIND_SENDBACK and str(c.get("本文") or "").strip() for c in added):
                out.append((dept, FIELD, "差戻しには理由が必要です（同じ変更で、種類「差戻し」のコメントに理由を書いてください）"))
        if coordinator:
            continue
        if not year_open or not access.may_edit(user, dept):
            continue
        if was == APPROVED:
            out.append((dept, "", "確認済の報告は変更できません（直す必要があるときは、協働推進課（調整担当）に"
                                  "差戻しを依頼してください）"))
            continue
        if now_ != was:
            if now_ == SUBMITTED and was in WAITING:
                pass
            elif now_ == SENT_BACK:
                out.append((dept, FIELD, "差戻しができるのは協働推進課（調整担当）だけです"))
            elif now_ == APPROVED:
                out.append((dept, FIELD, "確認ができるのは協働推進課（調整担当）だけです"))
            else:
                out.append((dept, FIELD, f"提出状況を「{was}」から「{now_}」に戻せるのは協働推進課（調整担当）だけです"))
        elif (o or {}).get(FIELD) != n.get(FIELD) and (o or {}).get(FIELD) is not None:
            out.append((dept, FIELD, "提出状況の変更者・日時は、状態を変えるときにだけ書き換わります"))
        for k, c in old_c.items():
            if new_c.get(k) != c:
                out.append((dept, COMMENTS, f"書き込まれたコメント（{short_time(k)}）は変更・削除できません"))
        for c in added:
            if c.get("種類") not in STAFF_KINDS:
                out.append((dept, COMMENTS, f"種類「{c.get('種類')}」のコメントを書けるのは協働推進課（調整担当）だけです"
                                            f"（各課が書けるのは {'・'.join(STAFF_KINDS)}）"))
    return _located(out, new, path, content)


def _located(found: list[tuple[str, str, str]], new: dict[str, Any] | None, path: str,
             content: bytes | None) -> list[Problem]:
    if not found:
        return []
    from shinchoku.model import yamlio

    root = yamlio.compose(content.decode("utf-8", "replace")) if content else None
    index = {r.get("主管課"): i for i, r in enumerate((new or {}).get("報告", []) or []) if isinstance(r, dict)}
    out = []
    for dept, fld, message in found:
        line = 0
        if root is not None and dept in index:
            line = yamlio.line_of(root, ("報告", index[dept], fld) if fld else ("報告", index[dept]))
        where = f"報告[{dept}].{fld}" if fld else f"報告[{dept}]"
        out.append(Problem(path, line, where, message))
    return out


# ----------------------------------------------------------------------------- 提出状況


@dataclass
class Item:
    year: str
    no: int
    name: str
    department: str
    state: str
    changed_by: str = ""
    changed_at: str = ""
    reason: str = ""          # the newest 差戻し comment's text, when sent back
    overdue: bool = False


@dataclass
class DepartmentProgress:
    department: str
    counts: dict[str, int] = field(default_factory=lambda: {s: 0 for s in STATES})
    items: list[Item] = field(default_factory=list)

    @property
    def overdue(self) -> list[Item]:
        return [i for i in self.items if i.overdue]

    @property
    def waiting(self) -> list[Item]:
        return [i for i in self.items if i.state in WAITING]


@dataclass
class YearProgress:
    year: str
    open: bool
    deadline: _dt.date | None
    departments: list[DepartmentProgress]

    @property
    def counts(self) -> dict[str, int]:
        total = {s: 0 for s in STATES}
        for d in self.departments:
            for s, n in d.counts.items():
                total[s] += n
        return total

    def days_left(self, today: _dt.date) -> int | None:
        return (self.deadline - today).days if self.deadline else None


def progress(plan: Any, recs: dict[tuple[str, int], dict[str, Any]], years: Iterable[str],
             department: str | None = None, today: _dt.date | None = None) -> list[YearProgress]:
    """Per year and lead department (plan order): the count of reports in each state and
    every report with its state; overdue = still 未提出/差戻し after the year's 締切日."""
    today = today or _dt.date.today()
    out = []
    for year in years:
        y = plan.year(year)
        year_open = bool(y and y.open)
        due = deadline(plan.data, year)
        per: dict[str, DepartmentProgress] = {}
        for ini in plan.initiatives():
            reports = _reports(recs.get((year, ini.no)))
            for dept in ini.departments:
                if department and dept != department:
                    continue
                rep = reports.get(dept)
                if rep is None and not year_open and (year, ini.no) not in recs:
                    continue             # a closed year without this record: nothing was asked
                st = state_of(rep, year_open)
                info = (rep or {}).get(FIELD) or {}
                reason = last_reason(rep) if st == SENT_BACK else None
                item = Item(year, ini.no, ini.name, dept, st, str(info.get("変更者", "")), str(info.get("日時", "")),
                            str((reason or {}).get("本文", "")),
                            overdue=bool(year_open and due and today > due and st in WAITING))
                dp = per.setdefault(dept, DepartmentProgress(dept))
                dp.counts[st] += 1
                dp.items.append(item)
        order = {d: i for i, d in enumerate(plan.departments())}
        out.append(YearProgress(year, year_open, due, sorted(per.values(), key=lambda d: order.get(d.department, 0))))
    return out


# ----------------------------------------------------------------------------- publishing


def approved_only(plan: Any, recs: dict[tuple[str, int], dict[str, Any]], years: Iterable[str]
                  ) -> tuple[dict[tuple[str, int], dict[str, Any]], set[tuple[str, int, str]]]:
    """The records with every report that is not 確認済 reduced to its 主管課 (so the
    published sheet keeps the plan's row and leaves the cells empty); and the
    (年度, No, 主管課) left out.  Records of other years pass as they are."""
    wanted = set(years)
    out: dict[tuple[str, int], dict[str, Any]] = {}
    held: set[tuple[str, int, str]] = set()
    for key, rec in recs.items():
        year = key[0]
        if year not in wanted:
            out[key] = rec
            continue
        y = plan.year(year)
        year_open = bool(y and y.open)
        reports = []
        changed = False
        for r in rec.get("報告", []) or []:
            if isinstance(r, dict) and state_of(r, year_open) != APPROVED:
                reports.append({"主管課": r.get("主管課")})
                held.add((year, key[1], r.get("主管課")))
                changed = True
            else:
                reports.append(r)
        out[key] = {**rec, "報告": reports} if changed else rec
    return out, held


def export_note(held: int) -> str:
    if held:
        return f"確認済の報告だけを載せています（確認前の報告{held}件は載せていません）"
    return "確認済の報告だけを載せています"


def keep_states_on_close(record: dict[str, Any], who: str, when: str) -> bool:
    """Before a year is closed: write 未提出 into every report of ``record`` that has no
    state (in an open year that is what it is; in a closed year no state would read as
    確認済).  Whether anything changed."""
    changed = False
    for r in record.get("報告", []) or []:
        if isinstance(r, dict) and not isinstance(r.get(FIELD), dict):
            _stamp(r, NOT_SUBMITTED, who, when)
            changed = True
    return changed

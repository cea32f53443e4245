"""`shinchoku history No 年度 項目`: every change of one field, newest first."""

from __future__ import annotations

import json
import sys

from shinchoku.commands import _shared as options
from shinchoku.errors import ShinchokuError, UsageError

DESCRIPTION = """\
1つの施策・年度の1つの項目（課題・実績など）が、いつ、誰に、どう変更されたかを
新しい順に表示します。日時・変更した人・コミット・変更前・変更後・コミットの説明を示します。

例:
  shinchoku history 5 R2 課題                      # No 5 の R2 年度の課題の変更すべて
  shinchoku history 5 R2 課題 --department 指導室   # 指導室の報告だけ
  shinchoku history 5 R2 進捗状況 --json            # ほかのツール向けに JSON で

終了コード: 0 表示した、1 リポジトリの問題、2 使い方の誤り
"""


@options.repo
@options.as_json
@options.option("--department", metavar="課", help="この主管課の報告だけを表示します")
def configure(p) -> None:
    p.add_argument("no", metavar="No", help="施策の番号（5 など）")
    p.add_argument("year", metavar="年度", help="R2、H30 のような年度")
    p.add_argument("field", metavar="項目", help="進捗状況・実績・課題・次年度へ向けた取組・備考")


def parse_target(no: str, year: str) -> tuple[int, str] | None:
    """(No, 年度) from the two arguments, in either order (``5 R2`` or ``R2 5``)."""
    from shinchoku.sharing.yearcycle import YearError, normalise_label

    for n, y in ((no, year), (year, no)):
        if n.strip().isdigit():
            try:
                return int(n), normalise_label(y)
            except YearError:
                return None
    return None


def open_store(args):
    """The records' git repository, for the commands that read its history (a refusal
    saying where to run them when there is none)."""
    from shinchoku.store import GitError, Store

    try:
        return Store(options.root_of(args))
    except GitError as exc:
        raise ShinchokuError(f"{exc.message}（git で管理された記録リポジトリの中で実行してください）") from None


def _not_in_plan(store, no: int, department: str | None) -> str | None:
    """Why nothing was found, when the question names what the plan does not have."""
    plan = store.plan_at("HEAD")
    if plan is None:
        return None
    initiative = next((i for i in plan.initiatives() if i.no == no), None)
    if initiative is None:
        return f"No.{no} の施策は計画（plan.yaml）にありません"
    if department and department not in initiative.departments:
        return (f"「{department}」は No.{no} の主管課ではありません"
                f"（主管課: {'・'.join(initiative.departments)}）")
    return None


def _start_log(args):
    """Start `git log` before anything heavy is imported, so git works while Python loads
    the rest (the command's time is then close to git's own)."""
    from shinchoku.store import start_history

    no, year = args.no.strip(), args.year.strip().upper()
    if year.isdigit() and not no.isdigit():
        no, year = year, no
    if not no.isdigit() or not year[:1] in ("H", "R") or not year[1:].isdigit():
        return None
    try:
        return start_history(f"records/{year[0]}{int(year[1:])}/{int(no):02d}.yaml", args.repo)
    except OSError:
        return None


def run(args) -> int:
    started = _start_log(args)
    try:
        return _run(args, started)
    finally:
        if started is not None:
            from shinchoku.store import discard

            discard(started)


def _why_nothing(store, year: str, no: int, department: str | None) -> str:
    """Why a history came back empty, when the cause is probably a typo ("" otherwise)."""
    from shinchoku.model import records

    path = records.record_relpath(year, no)
    current = records.mapping_or_none(store.read_blob("HEAD", path))
    if current is None:
        return f"{path} は今のリポジトリにありません（No と年度を確かめてください）"
    reports = current.get("報告") if isinstance(current.get("報告"), list) else []
    names = [r.get("主管課") for r in reports if isinstance(r, dict)]
    if department and department not in names:
        return f"{year} No.{no} に「{department}」の報告はありません（主管課: {'・'.join(map(str, names))}）"
    return ""


def _revert_reasons(changes) -> dict[str, str]:
    """{commit: reason} for the coordinator's reverts among ``changes`` (the reason given
    with ``review --revert --note`` is in the commit's body)."""
    reverts = [c.commit for c in changes if c.commit.subject.startswith("取り消し:")]
    if not reverts:
        return {}
    from shinchoku.publish.reviewpage import revert_reason

    out = {}
    for commit in reverts:
        reason = revert_reason(commit.body)
        if reason:
            out[commit.sha] = reason
    return out


def _run(args, started) -> int:
    from shinchoku.model import schema
    from shinchoku.sharing import history

    target = parse_target(args.no, args.year)
    if target is None:
        raise UsageError(f"「{args.no} {args.year}」を No と年度として読めません（例: shinchoku history 5 R2 課題）")
    no, year = target
    fields = [f for f in schema.report_fields() if f != "主管課"]
    if args.field not in fields:
        raise UsageError(f"「{args.field}」という項目はありません（選べる項目: {'・'.join(fields)}）")
    with open_store(args) as store:
        changes = history.field_history(store, year, no, args.field, args.department, started=started)
        reasons = _revert_reasons(changes)
        unknown = None if changes else _not_in_plan(store, no, args.department)
        hint = "" if changes or unknown else _why_nothing(store, year, no, args.department)
        talk = _cycle_lines(store, year, no, args.department)
    if unknown:                     # the plan has no such No or 課: a mistyped question
        raise ShinchokuError(unknown)
    if hint:
        # 0件 for a record missing this year would read as "nobody ever changed it".
        options.note(hint)
    if args.json:
        sys.stdout.write(render_json(changes, reasons))
    else:
        sys.stdout.write(render_text(changes, reasons, talk, f"{year} No.{no} {args.field}", args.department))
    return 0


def render_json(changes, reasons: dict[str, str]) -> str:
    return json.dumps([{**c.as_json(), **({"reason": reasons[c.commit.sha]} if c.commit.sha in reasons else {})}
                       for c in changes], ensure_ascii=False, indent=1) + "\n"


def render_text(changes, reasons: dict[str, str], talk: list[str], what: str, department: str | None) -> str:
    """The changes, newest first (before, after, the commit's subject and a revert's
    reason), then the report's state and comments."""
    from shinchoku.model.textwidth import clip

    who = f"（{department}）" if department else ""
    lines = [f"{what}{who}の変更: {len(changes)}件（新しい順）"]
    for c in changes:
        lines += ["", f"{c.commit.when_text}  {c.author}  {c.commit.short}  {c.department}"]
        for label, value in (("変更前", c.before), ("変更後", c.after)):
            first, *more = (value or "（空欄）").split("\n")
            lines.append(f"  {label}: {first}")
            lines += [f"          {line}" for line in more]
        lines.append(f"  説明:   {clip(c.commit.subject, 100)}")
        if c.commit.sha in reasons:
            lines.append(f"  理由:   {clip(reasons[c.commit.sha], 200)}")
    if talk:
        lines += ["", "提出状況とコメント（やりとり）:", *talk]
    return "\n".join(lines) + "\n"


def _cycle_lines(store, year: str, no: int, department: str | None) -> list[str]:
    """The report's state and comments now (shinchoku.rules.cycle), shown under its history."""
    from shinchoku.model import records, schema
    from shinchoku.model.fields import Record

    current = records.mapping_or_none(store.read_blob("HEAD", records.record_relpath(year, no)))
    cycle_fields = schema.shape().cycle_fields
    if not any(f in report for name, report in Record(current).reports().items()
               if not department or name == department for f in cycle_fields):
        return []                   # nothing of the cycle to show: the plan (open or closed year) is not needed
    from shinchoku.sheet.progressview import history_lines

    plan = store.plan_at("HEAD")
    y = plan.year(year) if plan is not None else None
    return history_lines(current, department, bool(y and y.open))

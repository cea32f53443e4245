"""`shinchoku progress`: 提出状況 — per department, how many reports wait for whom."""

from __future__ import annotations

import argparse
import sys

from shinchoku.commands import _shared as options

DESCRIPTION = """\
年度ごと・主管課ごとに、報告の提出状況（未提出・提出済・差戻し・確認済の件数）を表示し、
まだ出ていない報告（未提出・差戻し）と、締切日を過ぎた報告（期限超過）を一覧にします。
件数は報告ごと（施策 × 主管課）です。

年度を指定しないと、受付中の年度を表示します。

例:
  shinchoku progress
  shinchoku progress --year R3
  shinchoku progress --department 指導室
  shinchoku progress --json                 ほかのツール向け（1行に1件の報告）

終了コード: 0 表示した、1 記録を読めなかった、2 使い方の誤り
"""


@options.scoped
@options.option("--today", metavar="日付", help=argparse.SUPPRESS)
@options.as_json
def configure(p) -> None:
    pass


def run(args) -> int:
    import datetime as dt

    from shinchoku.errors import UsageError
    from shinchoku.model import records
    from shinchoku.rules import cycle

    root, plan, years, department = options.scope(args)
    years = years or [y.label for y in plan.years if y.open]
    if not years:
        print("受付中の年度がありません（締め切った年度は --year で指定してください）")
        return 0
    try:
        today = cycle.parse_date(args.today) if args.today else dt.date.today()
    except cycle.CycleError as exc:
        raise UsageError(str(exc)) from None
    recs, unreadable = records.load_keyed(root)
    found = cycle.progress(plan, recs, years, department, today)
    sys.stdout.write(render_json(found) if args.json else render_text(found, today))
    return options.left_out(unreadable)


def render_json(found) -> str:
    """One JSON object a line, one per report."""
    import json

    return "".join(json.dumps({"年度": i.year, "No": i.no, "施策名": i.name, "主管課": i.department,
                               "状態": i.state, "変更者": i.changed_by, "日時": i.changed_at,
                               "差戻しの理由": i.reason, "期限超過": i.overdue}, ensure_ascii=False) + "\n"
                   for yp in found for dp in yp.departments for i in dp.items)


def deadline_text(yp, today) -> str:
    if yp.deadline is None:
        return "締切日なし" if yp.open else "締切済みの年度"
    left = yp.days_left(today)
    when = f"締切日 {yp.deadline.isoformat()}"
    if not yp.open:
        return when
    if left > 0:
        return f"{when}（あと{left}日）"
    if left == 0:
        return f"{when}（今日が締切日）"
    return f"{when}（{-left}日過ぎています）"


def render_text(found, today) -> str:
    from shinchoku.model.textwidth import clip, ljust, rjust, width
    from shinchoku.rules import cycle

    out = []
    for yp in found:
        out.append(f"■ {yp.year}年度の提出状況（{deadline_text(yp, today)}）\n")
        if not yp.departments:
            out.append("（報告がありません）\n\n")
            continue
        name_w = max(max(width(d.department) for d in yp.departments), width("合計")) + 2
        cols = [*cycle.STATES, "期限超過"]
        col_w = [width(c) + 2 for c in cols]
        out.append(ljust("主管課", name_w) + "".join(rjust(c, w) for c, w in zip(cols, col_w)) + rjust("計", 6) + "\n")
        for dp in yp.departments:
            cells = [dp.counts[s] for s in cycle.STATES] + [len(dp.overdue)]
            out.append(ljust(dp.department, name_w) + "".join(rjust(str(n), w) for n, w in zip(cells, col_w))
                       + rjust(str(sum(cells[:4])), 6) + "\n")
        tot = yp.counts
        cells = [tot[s] for s in cycle.STATES] + [sum(len(d.overdue) for d in yp.departments)]
        out.append(ljust("合計", name_w) + "".join(rjust(str(n), w) for n, w in zip(cells, col_w))
                   + rjust(str(sum(cells[:4])), 6) + "\n")
        waiting = [i for d in yp.departments for i in d.items if i.state != cycle.APPROVED]
        if waiting:
            out.append("\n確認済でない報告:\n")
            for i in waiting:
                flag = "【期限超過】" if i.overdue else ""
                line = f"  {flag}{i.department}　No.{i.no} {clip(i.name, 30)}　{i.state}"
                if i.changed_at:
                    line += f"（{cycle.short_time(i.changed_at)} {i.changed_by}）"
                out.append(line + "\n")
                if i.reason:
                    out.append(f"      差戻しの理由: {i.reason.replace(chr(10), ' ')}\n")
        out.append("\n")
    return "".join(out)

"""`shinchoku status`: counts of 進捗状況 per 推進方策 and year, and what is behind plan."""

from __future__ import annotations

import sys

from shinchoku.commands import _shared as options

DESCRIPTION = """\
records/ の記録から、年度ごと・推進方策ごとに進捗状況の件数を集計し、
「計画通りに進んでいない」施策をその課題とともに一覧にします。
件数は報告ごと（施策 × 主管課）です。進捗状況が空の報告は「未記入」として数えます。

例:
  shinchoku status                       # すべての年度
  shinchoku status --year R2             # R2年度だけ
  shinchoku status --year R1 --year R2   # 複数の年度
  shinchoku status --department 協働推進課

終了コード: 0 表示した、1 記録を読めなかった、2 使い方の誤り
"""


@options.scoped
def configure(p) -> None:
    pass


def run(args) -> int:
    from shinchoku.model import records, schema
    from shinchoku.publish import status

    root, plan, years, department = options.scope(args)
    recs, unreadable = records.load_keyed(root)
    shape = schema.shape(root)
    summaries = status.summarise(plan, recs, shape, years or None, department)
    sys.stdout.write(render_text(plan, shape, summaries, department))
    return options.left_out(unreadable)


def render_text(plan, shape, summaries, department: str | None) -> str:
    """The counts per 推進方策 and year, then every initiative behind plan with its 課題."""
    from shinchoku.model.textwidth import clip, ljust, rjust, width
    from shinchoku.publish import status

    out = []
    title = f"{plan.name}（{plan.period}）進捗状況の集計"
    if department:
        title += f"　主管課：{department}"
    out.append(title + "\n")
    out.append("件数は報告ごと（施策 × 主管課）です。\n\n")
    columns = [*shape.statuses, status.NOT_REPORTED]
    strategies = [(s["番号"], s["名称"]) for s in plan.strategies()]
    name_w = max(width(f"{n}. {clip(t, 24)}") for n, t in strategies) + 2
    col_w = [max(width(c), 4) + 2 for c in columns]
    for summary in summaries:
        out.append(f"■ {summary.year}年度\n")
        out.append(ljust("推進方策", name_w) + "".join(rjust(c, w) for c, w in zip(columns, col_w)) + rjust("計", 6) + "\n")
        for number, name in strategies:
            cells = [summary.counts.get((number, c), 0) for c in columns]
            if not any(cells):
                continue
            out.append(ljust(f"{number}. {clip(name, 24)}", name_w)
                       + "".join(rjust(str(n), w) for n, w in zip(cells, col_w)) + rjust(str(sum(cells)), 6) + "\n")
        totals = [summary.total(c) for c in columns]
        out.append(ljust("合計", name_w) + "".join(rjust(str(n), w) for n, w in zip(totals, col_w))
                   + rjust(str(sum(totals)), 6) + "\n\n")
    out.append(f"■ {shape.behind}施策\n")
    behind = [(summary.year, *b) for summary in summaries for b in summary.behind]
    for year, no, name, dept, issue in behind:
        out.append(f"{year}　No.{no} {name}（{dept}）\n")
        out.append(f"　　課題：{issue.replace(chr(10), ' ') if issue else '（記入なし）'}\n")
    if not behind:
        out.append("（ありません）\n")
    return "".join(out)

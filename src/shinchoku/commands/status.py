"""`shinchoku status`: counts of 進捗状況 per 推進方策 and year, and what is behind plan."""

from __future__ import annotations

import sys
from pathlib import Path

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


def configure(p) -> None:
    p.add_argument("--year", action="append", metavar="年度", help="集計する年度（H29、R2 など。くり返し指定できます）")
    p.add_argument("--department", metavar="課", help="この主管課の報告だけを集計します")
    p.add_argument("--repo", metavar="DIR", help="記録リポジトリの場所（省略すると現在のフォルダから探します）")


def run(args) -> int:
    from shinchoku.model import plan as plan_mod
    from shinchoku.model import records, schema
    from shinchoku.model.textwidth import clip, ljust, rjust, width
    from shinchoku.publish import status

    root = records.find_root(Path(args.repo) if args.repo else None)
    plan = plan_mod.load_repository(root)          # PlanUnavailable: said by cli's boundary
    from shinchoku.sharing.yearcycle import YearError, normalise_label

    def label(text: str) -> str:
        try:
            return normalise_label(text)          # ｒ２, R2年度 → R2, as every command reads years
        except YearError:
            return text

    args.year = [label(y) for y in args.year] if args.year else args.year
    for y in args.year or []:
        if y not in plan.year_labels:
            print(f"shinchoku: 年度「{y}」は計画にありません（{'・'.join(plan.year_labels)}）", file=sys.stderr)
            return 2
    if args.department and args.department not in plan.departments():
        print(f"shinchoku: 「{args.department}」は計画の主管課にありません（{'・'.join(plan.departments())}）", file=sys.stderr)
        return 2
    recs, unreadable = records.load_keyed(root)
    shape = schema.shape(root)
    statuses = list(shape.statuses)
    summaries = status.summarise(plan, recs, shape, args.year, args.department)
    out = sys.stdout
    title = f"{plan.name}（{plan.period}）進捗状況の集計"
    if args.department:
        title += f"　主管課：{args.department}"
    out.write(title + "\n")
    out.write("件数は報告ごと（施策 × 主管課）です。\n\n")
    columns = [*statuses, status.NOT_REPORTED]
    strategies = [(s["番号"], s["名称"]) for s in plan.strategies()]
    name_w = max(width(f"{n}. {clip(t, 24)}") for n, t in strategies) + 2
    col_w = [max(width(c), 4) + 2 for c in columns]
    for summary in summaries:
        out.write(f"■ {summary.year}年度\n")
        out.write(ljust("推進方策", name_w) + "".join(rjust(c, w) for c, w in zip(columns, col_w)) + rjust("計", 6) + "\n")
        for number, name in strategies:
            cells = [summary.counts.get((number, c), 0) for c in columns]
            if not any(cells):
                continue
            out.write(ljust(f"{number}. {clip(name, 24)}", name_w)
                      + "".join(rjust(str(n), w) for n, w in zip(cells, col_w)) + rjust(str(sum(cells)), 6) + "\n")
        totals = [summary.total(c) for c in columns]
        out.write(ljust("合計", name_w) + "".join(rjust(str(n), w) for n, w in zip(totals, col_w)) + rjust(str(sum(totals)), 6) + "\n\n")
    behind_label = shape.behind
    out.write(f"■ {behind_label}施策\n")
    any_behind = False
    for summary in summaries:
        for no, name, dept, issue in summary.behind:
            any_behind = True
            out.write(f"{summary.year}　No.{no} {name}（{dept}）\n")
            out.write(f"　　課題：{issue.replace(chr(10), ' ') if issue else '（記入なし）'}\n")
    if not any_behind:
        out.write("（ありません）\n")
    for line in unreadable:
        print(f"読めない記録があり、集計に入れていません: {line}", file=sys.stderr)
    return 1 if unreadable else 0

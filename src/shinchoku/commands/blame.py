"""`shinchoku blame 年度 [No]`: who changed each report field last, and when."""

from __future__ import annotations

import json
import sys

DESCRIPTION = """\
年度（または1つの施策）の報告の項目ごとに、最後に変更した人・日時・コミットを表示します。

例:
  shinchoku blame R2          # R2 年度のすべての記録
  shinchoku blame R2 5        # R2 年度の No 5 だけ
  shinchoku blame R2 --json   # JSON で

終了コード: 0 表示した、1 リポジトリの問題、2 使い方の誤り
"""


def configure(p) -> None:
    p.add_argument("year", metavar="年度", help="R2、H30 のような年度")
    p.add_argument("no", metavar="No", nargs="?", help="施策の番号（省略するとその年度のすべて）")
    p.add_argument("--json", action="store_true", help="JSON で出力します（ほかのツール向け）")
    p.add_argument("--repo", metavar="DIR", help="記録リポジトリの場所（省略すると現在のフォルダから探します）")


def run(args) -> int:
    from shinchoku.commands.history import open_store
    from shinchoku.model.textwidth import clip, ljust, width
    from shinchoku.sharing import history
    from shinchoku.sharing.yearcycle import YearError, normalise_label

    try:
        year = normalise_label(args.year)
    except YearError as exc:
        print(f"shinchoku: {exc}", file=sys.stderr)
        return 2
    if args.no is not None and not args.no.strip().isdigit():
        print(f"shinchoku: 「{args.no}」は施策の番号として読めません", file=sys.stderr)
        return 2
    no = int(args.no) if args.no is not None else None
    store, code = open_store(args)
    if store is None:
        return code
    with store:
        found = history.blame(store, year, no)
    if args.json:
        json.dump([c.as_json() for c in found], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    if not found:
        print(f"{year}{f' No.{no}' if no else ''} の記録はありません")
        return 0
    dept_w = max(len(c.department) for c in found) * 2
    field_w = max(len(c.field) for c in found) * 2
    author_w = max(width(c.author) for c in found)
    for c in found:
        print(f"No {c.no:>2}  {ljust(c.department, dept_w)}  {ljust(c.field, field_w)}  "
              f"{c.commit.when_text}  {c.commit.short}  {ljust(c.author, author_w)}  {clip(c.commit.subject, 60)}")
    return 0

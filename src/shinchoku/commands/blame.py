"""`shinchoku blame 年度 [No]`: who changed each report field last, and when."""

from __future__ import annotations

import json
import sys

from shinchoku.commands import _shared as options
from shinchoku.errors import UsageError

DESCRIPTION = """\
年度（または1つの施策）の報告の項目ごとに、最後に変更した人・日時・コミットを表示します。

例:
  shinchoku blame R2          # R2 年度のすべての記録
  shinchoku blame R2 5        # R2 年度の No 5 だけ
  shinchoku blame R2 --json   # JSON で

終了コード: 0 表示した、1 リポジトリの問題、2 使い方の誤り
"""


@options.repo
@options.as_json
def configure(p) -> None:
    p.add_argument("year", metavar="年度", help="R2、H30 のような年度")
    p.add_argument("no", metavar="No", nargs="?", help="施策の番号（省略するとその年度のすべて）")


def run(args) -> int:
    from shinchoku.commands.history import open_store
    from shinchoku.sharing import history

    year = options.year_label(args.year)
    if args.no is not None and not args.no.strip().isdigit():
        raise UsageError(f"「{args.no}」は施策の番号として読めません")
    no = int(args.no) if args.no is not None else None
    with open_store(args) as store:
        found = history.blame(store, year, no)
    sys.stdout.write(render_json(found) if args.json else render_text(found, year, no))
    return 0


def render_json(found) -> str:
    return json.dumps([c.as_json() for c in found], ensure_ascii=False, indent=1) + "\n"


def render_text(found, year: str, no: int | None) -> str:
    """One line per field: No, department, field, when, commit, who, the commit's subject."""
    from shinchoku.model.textwidth import clip, ljust, width

    if not found:
        return f"{year}{f' No.{no}' if no else ''} の記録はありません\n"
    dept_w = max(len(c.department) for c in found) * 2
    field_w = max(len(c.field) for c in found) * 2
    author_w = max(width(c.author) for c in found)
    lines = []
    for c in found:
        lines.append(f"No {c.no:>2}  {ljust(c.department, dept_w)}  {ljust(c.field, field_w)}  "
                     f"{c.commit.when_text}  {c.commit.short}  {ljust(c.author, author_w)}  "
                     f"{clip(c.commit.subject, 60)}")
    return "\n".join(lines) + "\n"

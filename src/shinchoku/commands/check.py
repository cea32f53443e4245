"""`shinchoku check`: validate records and the plan."""

from __future__ import annotations

import sys

from shinchoku.commands import _shared as options

DESCRIPTION = """\
記録（records/<年度>/<No>.yaml）と計画（records/plan.yaml）を、スキーマ（schema/）と
計画の内容に照らして確認します。問題は1件につき1行、「ファイル:行: 項目: 内容」の形で
ファイルごとにまとめて表示します。

例:
  shinchoku check                          # リポジトリ全体を確認
  shinchoku check records/R2/05.yaml       # 指定したファイルだけ確認
  shinchoku check --canonical              # 書式（shinchoku fmt の形）も確認

終了コード: 0 問題なし、1 問題あり、2 使い方の誤り
"""


@options.option("--canonical", action="store_true", help="決められた書式になっているかも確認します")
@options.targeted
def configure(p) -> None:
    pass


def run(args) -> int:
    from shinchoku.model import records
    from shinchoku.rules import validate

    root, paths = options.files(args)
    outside = [p for p in paths or [] if not validate.relpath_of(root, p).startswith(f"{records.RECORDS}/")]
    if outside:
        # Only records/ holds what check knows; saying 問題はありません about them would mislead.
        options.note(f"records/ の外のファイルは確認していません: {'、'.join(str(p) for p in outside)}")
        paths = [p for p in paths if p not in outside]
    problems, checked = validate.check_repository(root, paths, canonical=args.canonical)
    files = report(problems)
    if problems:
        print(f"{files}件のファイルで{len(problems)}件の問題が見つかりました（{checked}件のファイルを確認）", file=sys.stderr)
        return 1
    print(f"問題はありません（{checked}件のファイルを確認）", file=sys.stderr)
    return 0


def report(problems) -> int:
    """Print problems grouped by file, one line each; return the number of files."""
    by_file: dict[str, list] = {}
    for p in problems:
        by_file.setdefault(p.path, []).append(p)
    out = sys.stdout
    for path in sorted(by_file):
        for p in sorted(by_file[path], key=lambda p: (p.line, p.field)):
            out.write(f"{p}\n")
    out.flush()
    return len(by_file)

"""`shinchoku check`: validate records and the plan."""

from __future__ import annotations

import sys
from pathlib import Path

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


def configure(p) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH", help="確認するファイル（省略するとリポジトリ全体）")
    p.add_argument("--repo", metavar="DIR", help="記録リポジトリの場所（省略すると現在のフォルダから探します）")
    p.add_argument("--canonical", action="store_true", help="決められた書式になっているかも確認します")


def run(args) -> int:
    from shinchoku.model import records
    from shinchoku.rules import validate

    root = records.find_root(Path(args.repo) if args.repo else None)
    if not (root / records.RECORDS / "plan.yaml").is_file() and not args.paths:
        print(f"shinchoku: 記録リポジトリが見つかりません（{root} に records/plan.yaml がありません）", file=sys.stderr)
        return 2
    paths = None
    if args.paths:
        paths = []
        for name in args.paths:
            p = Path(name)
            if p.is_dir():
                paths.extend(sorted(q for q in p.rglob("*.yaml")))
            elif not p.exists():
                print(f"shinchoku: ファイルがありません: {name}", file=sys.stderr)
                return 2
            else:
                paths.append(p)
        root = records.find_root(paths[0].resolve().parent) if paths else root
        outside = [p for p in paths if not validate.relpath_of(root, p).startswith(f"{records.RECORDS}/")]
        if outside:
            # Only records/ holds what check knows; saying 問題はありません about them would mislead.
            print(f"shinchoku: 注意: records/ の外のファイルは確認していません: {'、'.join(str(p) for p in outside)}",
                  file=sys.stderr)
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

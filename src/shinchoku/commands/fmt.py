"""`shinchoku fmt`: rewrite records in canonical form."""

from __future__ import annotations

import sys
from pathlib import Path

DESCRIPTION = """\
記録と計画を決められた書式（キーの順番、改行を含む文章は | の書き方、行の折り返しなし、
最後に改行1つ）に書き直します。内容は変わりません。読めないファイルは書き換えず、
その理由を表示します。

例:
  shinchoku fmt                  # リポジトリ全体を整える
  shinchoku fmt --check          # 整っていないファイルを表示するだけ（書き換えない）
  shinchoku fmt records/R2/05.yaml

終了コード: 0 すべて整っている／整えた、1 --check で整っていないファイルがある・読めないファイルがある、2 使い方の誤り
"""


def configure(p) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH", help="対象のファイル（省略するとリポジトリ全体）")
    p.add_argument("--repo", metavar="DIR", help="記録リポジトリの場所")
    p.add_argument("--check", action="store_true", help="書き換えずに、整っていないファイルを表示します")


def run(args) -> int:
    from shinchoku.model import records, schema, yamlio
    from shinchoku.rules import validate

    root = records.find_root(Path(args.repo) if args.repo else None)
    if args.paths:
        targets = [Path(p) for p in args.paths]
        missing = [str(p) for p in targets if not p.is_file()]
        if missing:
            print(f"shinchoku: ファイルがありません: {'、'.join(missing)}", file=sys.stderr)
            return 2
    else:
        if not (root / validate.PLAN_RELPATH).is_file():
            print(f"shinchoku: 記録リポジトリが見つかりません（{root} に records/plan.yaml がありません）", file=sys.stderr)
            return 2
        targets = [root / validate.PLAN_RELPATH, *records.iter_record_files(root)]
    unformatted = changed = broken = 0
    for path in targets:
        rel = validate.relpath_of(root, path)
        if rel != validate.PLAN_RELPATH and not records.is_record_path(rel):
            # access.yaml keeps its explanatory comments; other files have no canonical form.
            print(f"{rel}: 記録でも計画でもないため、書き換えていません", file=sys.stderr)
            continue
        raw = path.read_bytes()
        try:
            data = yamlio.load(raw)
        except yamlio.YamlError as exc:
            print(f"{rel}:{exc.line}: {exc.message}（書き換えていません）")
            broken += 1
            continue
        if not isinstance(data, dict):
            # An empty file, a list or a bare value: there is nothing to put in order.
            print(f"{rel}:1: 記録の形になっていません（項目と値の対応表が必要です）（書き換えていません）")
            broken += 1
            continue
        kind = schema.PLAN if rel == validate.PLAN_RELPATH else schema.RECORD
        if records.is_canonical(kind, raw, data, root):
            continue
        want = records.canonical_text(kind, data, root)
        unformatted += 1
        if args.check:
            print(f"{rel}: 決められた書式になっていません")
        else:
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(want, encoding="utf-8", newline="\n")
            tmp.replace(path)
            changed += 1
            print(f"{rel}: 書式を整えました")
    if args.check:
        msg = f"{unformatted}件のファイルが決められた書式になっていません" if unformatted else "すべて決められた書式です"
        print(msg, file=sys.stderr)
        return 1 if unformatted or broken else 0
    print(f"{changed}件のファイルを整えました", file=sys.stderr)
    return 1 if broken else 0

"""`shinchoku fmt`: rewrite records in canonical form."""

from __future__ import annotations

import enum
import sys
from pathlib import Path

from shinchoku.commands import _shared as options

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


@options.option("--check", action="store_true", help="書き換えずに、整っていないファイルを表示します")
@options.targeted
def configure(p) -> None:
    pass


def run(args) -> int:
    from shinchoku.model import records
    from shinchoku.words import PLAN_RELPATH

    root, targets = options.files(args)
    if targets is None:                        # the whole repository: the plan and every record
        targets = [root / PLAN_RELPATH, *records.iter_record_files(root)]
    unformatted = changed = broken = 0
    for path in targets:
        outcome, line = tidy(root, path, write=not args.check)
        if outcome is SKIPPED:
            print(line, file=sys.stderr)
            continue
        if line:
            print(line)
        broken += outcome is BROKEN
        unformatted += outcome in (UNTIDY, TIDIED)
        changed += outcome is TIDIED
    if args.check:
        msg = f"{unformatted}件のファイルが決められた書式になっていません" if unformatted else "すべて決められた書式です"
        print(msg, file=sys.stderr)
        return 1 if unformatted or broken else 0
    print(f"{changed}件のファイルを整えました", file=sys.stderr)
    return 1 if broken else 0


class Tidied(enum.Enum):
    SKIPPED = "not a record or the plan"
    BROKEN = "cannot be read"
    TIDY = "already in canonical form"
    UNTIDY = "not in canonical form (--check)"
    TIDIED = "rewritten"


SKIPPED, BROKEN, TIDY, UNTIDY, TIDIED = Tidied


def tidy(root: Path, path: Path, *, write: bool) -> tuple[Tidied, str]:
    """Bring one file into canonical form (or, without ``write``, only see whether it is):
    what happened, and the line that says so ("" when there is nothing to say)."""
    from shinchoku.model import records, schema, yamlio
    from shinchoku.rules import validate

    rel = validate.relpath_of(root, path)
    if rel != validate.PLAN_RELPATH and not records.is_record_path(rel):
        # access.yaml keeps its explanatory comments; other files have no canonical form.
        return SKIPPED, f"{rel}: 記録でも計画でもないため、書き換えていません"
    raw = path.read_bytes()
    try:
        data = yamlio.load(raw)
    except yamlio.YamlError as exc:
        return BROKEN, f"{rel}:{exc.line}: {exc.message}（書き換えていません）"
    if not isinstance(data, dict):
        # An empty file, a list or a bare value: there is nothing to put in order.
        return BROKEN, f"{rel}:1: 記録の形になっていません（項目と値の対応表が必要です）（書き換えていません）"
    kind = schema.PLAN if rel == validate.PLAN_RELPATH else schema.RECORD
    if records.is_canonical(kind, raw, data, root):
        return TIDY, ""
    if not write:
        return UNTIDY, f"{rel}: 決められた書式になっていません"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(records.canonical_text(kind, data, root), encoding="utf-8", newline="\n")
    tmp.replace(path)
    return TIDIED, f"{rel}: 書式を整えました"

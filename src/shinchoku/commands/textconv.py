"""`shinchoku textconv`: git's diff text conversion for records (one line per field)."""

from __future__ import annotations

import sys
from pathlib import Path

DESCRIPTION = """\
git が差分を表示するときに呼び出す変換です（直接使うこともできます）。
記録を「報告[課].項目: 値」の1行ずつに並べ直すので、git log -p records/ で
どの課のどの項目がどう変わったかが読めます。読めないファイルはそのまま表示します。

例:
  shinchoku textconv records/R2/05.yaml
  git config diff.shinchoku.textconv "python -m shinchoku textconv"
"""


def configure(p) -> None:
    p.add_argument("file", metavar="FILE", help="変換するファイル")


def run(args) -> int:
    from shinchoku.model import yamlio
    from shinchoku.rules import fielddiff

    raw = Path(args.file).read_bytes() if Path(args.file).is_file() else b""
    out = sys.stdout
    try:
        data = yamlio.load(raw) if raw.strip() else None
    except yamlio.YamlError:
        data = None
    if not isinstance(data, dict):
        # Never fail a `git log`: show what is there.
        out.write(raw.decode("utf-8", "replace"))
        return 0
    for line in fielddiff.flatten(data):
        out.write(line + "\n")
    return 0

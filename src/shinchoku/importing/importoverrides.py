"""``records/import-overrides.yaml``: the coordinator's corrections to the importer.

The importer places every cell of the sheet by the rules in :mod:`importrules`;
where a placement is wrong, the coordinator names the source cell by the position
the import report shows (行・列) and where it belongs (No, 年度, 主管課, 項目).
``shinchoku import-sheet`` honours these on every re-import, and the report lists
them, so a correction never needs a hand-edited record that the next import would
overwrite.  The file is schema-validated (``schema/import-overrides.schema.json``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shinchoku.errors import ShinchokuError
from shinchoku.model import fields, yamlio
from shinchoku.rules import sidefiles
from shinchoku.rules.sidefiles import OVERRIDES_FILE as NAME  # noqa: E402


class OverrideError(ShinchokuError):
    """A file that cannot be used (message in Japanese, naming the file and entry)."""


@dataclass(frozen=True)
class Override:
    number: int        # 1-based position in the file (for messages)
    line: int          # 1-based source line
    col: int           # 0-based source column (the file says 1-based 列)
    no: int
    year: str
    department: str
    field: str
    memo: str = ""

    @property
    def label(self) -> str:
        return f"{NAME} の{self.number}件目"


def load(path: Path, root: Path | None = None) -> list[Override]:
    """The overrides in ``path``; :class:`OverrideError` when the file cannot be used."""
    content = path.read_bytes()
    found = sidefiles.override_problems(content, root, path.name)
    if found:
        raise OverrideError(str(found[0]))
    data = yamlio.load(content)
    out = []
    seen: dict[tuple[int, int], int] = {}
    for k, item in enumerate(data["指定"], start=1):
        o = Override(k, item["行"], item["列"] - 1, item[fields.NO], item[fields.YEAR], item[fields.DEPARTMENT],
                     item["項目"], item.get("メモ", ""))
        if (o.line, o.col) in seen:
            raise OverrideError(f"{path.name}: {k}件目の {o.line}行目・{o.col + 1}列目は、"
                                f"{seen[(o.line, o.col)]}件目ですでに指定されています（1つのセルの指定は1件にしてください）")
        seen[(o.line, o.col)] = k
        out.append(o)
    return out


TEMPLATE = """\
# 取り込みの指定（shinchoku import-sheet が読みます）
#
# 取り込み報告（records/IMPORT_REPORT.md）で置き場所が違うセルを見つけたら、
# その「位置」（○行目・○列目）と、本当の置き先を書いてください。
# 書いたあと、次のように取り込み直すと、指定どおりに置かれます:
#   shinchoku import-sheet 元のファイル.tsv --force
#
# 指定:
#   - 行: 41
#     列: 26
#     No: 10
#     年度: R2
#     主管課: 協働推進課
#     項目: 実績
#     メモ: 原本で確認（任意）
指定: []
"""

"""Bounds on what an imported ``.xlsx`` may expand to, checked before openpyxl reads it.

An .xlsx is a zip of XML parts.  A hostile (or broken) file can make a reader spend
minutes and gigabytes on a few kilobytes: a zip member that inflates to gigabytes (zip
bomb), an XML entity that expands to itself a billion times (entity bomb), one merged
range or one stray cell at XFD1048576 that makes a reader walk 17 billion cells.  The
published progress sheet is a few hundred rows by a hundred columns; the limits below
are far above that and far below harm.  :func:`check` reads every member once, streaming
(sizes are counted as they come out, not believed from the zip's headers), and raises
:class:`Refused` with a Japanese message when a limit is passed.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from shinchoku.errors import ShinchokuError

MAX_MEMBERS = 5_000
MAX_MEMBER_BYTES = 64 * 1024 * 1024        # one part, inflated
MAX_TOTAL_BYTES = 256 * 1024 * 1024        # all parts, inflated
MAX_RATIO = 200                            # inflated / compressed, for parts over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_CELLS = 2_000_000                      # <c> elements in all worksheets
MAX_ROWS = 100_000
MAX_COLUMNS = 2_000
MAX_AREA = 5_000_000                       # rows x columns a reader walks through
MAX_MERGES = 100_000
MAX_MERGED_CELLS = 2_000_000               # cells covered by merged ranges

_CHUNK = 1024 * 1024
_DTD_MARKS = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY", "<!doctype", "<!entity")
                   for enc in ("utf-8", "utf-16-le", "utf-16-be"))
_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")
_CELL_REF = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=\"([A-Za-z]{1,3})([0-9]{1,7})\"")
_ROW_REF = re.compile(rb"<(?:\w+:)?row\s[^>]*?\br=\"([0-9]{1,7})\"")
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?\bref=\"([A-Za-z]{1,3})([0-9]{1,7})(?::([A-Za-z]{1,3})([0-9]{1,7}))?\"")


class Refused(ShinchokuError, ValueError):
    """The file passes a bound (message in Japanese, for the user)."""


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def check(path: Path) -> None:
    """:class:`Refused` when ``path`` would expand beyond the bounds; zipfile.BadZipFile
    when it is no zip at all."""
    name = Path(path).name
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise Refused(f"{name} には部品が{len(infos)}個あり、取り込める上限（{MAX_MEMBERS}個）を超えています")
        total = 0
        cells = merged_cells = merges = 0
        for info in infos:
            if info.is_dir():
                continue
            data = bytearray()
            keep = info.filename.lower().endswith((".xml", ".rels", ".vml"))
            size = 0
            tail = b""
            with zf.open(info) as member:
                while True:
                    chunk = member.read(_CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    total += len(chunk)
                    if size > MAX_MEMBER_BYTES:
                        raise Refused(f"{name} の部品 {info.filename} は展開すると {_mb(MAX_MEMBER_BYTES)} を超えます"
                                      "（圧縮爆弾のおそれがあるため、取り込みません）")
                    if total > MAX_TOTAL_BYTES:
                        raise Refused(f"{name} は展開すると {_mb(MAX_TOTAL_BYTES)} を超えます"
                                      "（圧縮爆弾のおそれがあるため、取り込みません）")
                    if keep:
                        window = tail + chunk
                        if any(m in window for m in _DTD_MARKS):
                            raise Refused(f"{name} の部品 {info.filename} に文書型定義（DOCTYPE・ENTITY）があります。"
                                          "Excel の保存したブックにはないもので、展開すると膨れ上がるおそれがあるため、取り込みません")
                        tail = chunk[-32:]
                        if info.filename.startswith("xl/worksheets/"):
                            data += chunk
            if size > RATIO_FLOOR and info.compress_size and size / info.compress_size > MAX_RATIO:
                raise Refused(f"{name} の部品 {info.filename} は圧縮率が極端に高く（{size // info.compress_size}倍）、"
                              "圧縮爆弾のおそれがあるため、取り込みません")
            if data:
                c, m, mc = _sheet_bounds(name, info.filename, bytes(data))
                cells, merges, merged_cells = cells + c, merges + m, merged_cells + mc
                if cells > MAX_CELLS:
                    raise Refused(f"{name} のセルが多すぎます（{MAX_CELLS:,}個を超えています）")
                if merges > MAX_MERGES or merged_cells > MAX_MERGED_CELLS:
                    raise Refused(f"{name} の結合セルが大きすぎます（結合したセルの合計が {MAX_MERGED_CELLS:,}個を超えるか、"
                                  f"結合の範囲が {MAX_MERGES:,}個を超えています）。進行管理シートの形ではないため、取り込みません")


def _sheet_bounds(name: str, part: str, xml: bytes) -> tuple[int, int, int]:
    """(cells, merged ranges, cells covered by merges) of one worksheet part; Refused
    when its used area is too large to walk."""
    cells = len(_CELL.findall(xml))
    rows = max((int(m.group(2)) for m in _CELL_REF.finditer(xml)), default=0)
    rows = max([rows] + [int(m.group(1)) for m in _ROW_REF.finditer(xml)])
    cols = max((_col(m.group(1)) for m in _CELL_REF.finditer(xml)), default=0)
    merges = merged = 0
    for m in _MERGE.finditer(xml):
        merges += 1
        c1, r1 = _col(m.group(1)), int(m.group(2))
        c2, r2 = (_col(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
        merged += (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)
        rows, cols = max(rows, r1, r2), max(cols, c1, c2)
    if rows > MAX_ROWS or cols > MAX_COLUMNS or rows * cols > MAX_AREA:
        raise Refused(f"{name} のシート（{part}）の使われている範囲が大きすぎます（{rows:,}行 × {cols:,}列）。"
                      f"取り込めるのは {MAX_ROWS:,}行・{MAX_COLUMNS:,}列・{MAX_AREA:,}セルまでです。"
                      "離れた場所に入力や結合がないか確かめてください")
    return cells, merges, merged

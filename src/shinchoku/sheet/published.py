"""The published 進行管理シート layout, in one place for writing and for reading back.

The sheet a city publishes (and prints on A3 landscape) looks like this::

    row 1   府中市市民協働推進行動計画(平成30年度～令和3年度) 進行管理シート
    row 2   No | 推進方策・目標・施策 | 主管課 | 関係課 | 事業内容 | 計画        | 進捗状況 ……
    row 3      |                      |        |        |          | R1 | R2 | R3 | H29 ……… | H30 ……
    row 4      |                      |        |        |          |    |    |    | 進捗状況 | 実績 | 課題 | 次年度へ向けた取組 | 備考 | ……
    row 5   推進方策1 市民の協働に対する意識の醸成                       (merged across the sheet)
    row 6   目標(1)効果的な啓発・PR活動の推進                             (merged across the sheet)
    row 7   1 | 市民協働推進シンポジウムの開催 | 協働推進課 | … one row per initiative and lead department

An initiative with two lead departments has two rows; its No, 施策名, 関係課 and 計画
cells are merged over them, and so is 事業内容 when both departments share one text
(a per-department 事業内容 stays in each department's row).

:func:`write_workbook` writes it with openpyxl (imported only when called);
:class:`Columns` and the ``parse_*`` helpers are what :mod:`shinchoku.importing.xlsxgrid` uses to
read such a sheet back.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from shinchoku.model import schema, textwidth
from shinchoku.model.fields import DEPARTMENT, NO, Record
from shinchoku.model.plan import GOALS, INITIATIVES, STRATEGIES, Plan

SHEET_NAME = "進行管理シート"
YEARS_PROPERTY = "shinchoku.年度"     # document property: the plan's 年度 list (JSON)
TITLE_SUFFIX = "進行管理シート"
TITLE_ROW = 1
HEADER_ROW = 2            # first of the three header rows
FIRST_DATA_ROW = HEADER_ROW + 3

# (record/plan key, header text, column width)
FIXED = [
    (NO, "No", 5),
    ("施策名", "推進方策・目標・施策", 22),
    (DEPARTMENT, "主管課", 11),
    ("関係課", "関係課", 11),
    ("事業内容", "事業内容", 28),
]
FIXED_KEYS = [k for k, _h, _w in FIXED]
HEADERS = {k: h for k, h, _w in FIXED}         # key → the header row's word for its column
PLAN_HEADER = "計画"
PROGRESS_HEADER = "進捗状況"
PLAN_WIDTH = 7.5
FIELD_WIDTHS = {"進捗状況": 14, "実績": 36, "課題": 24, "次年度へ向けた取組": 24, "備考": 12}
DEFAULT_FIELD_WIDTH = 20
RELATED_SEPARATOR = "、"

FONT_NAME = "ＭＳ Ｐゴシック"
FONT_SIZE = 9
LINE_HEIGHT = 12.5       # points per line of FONT_SIZE text (a little generous for LibreOffice)

# The sheet's headings, read back here for xlsx and tab-separated sheets alike (the importers).
_STRATEGY = re.compile(r"^\s*推進方策\s*([0-9０-９]+)\s*(.*?)\s*$", re.S)
_GOAL = re.compile(r"^\s*目標\s*[(（]\s*([0-9０-９]+)\s*[)）]\s*(.*?)\s*$", re.S)
_TITLE = re.compile(r"^\s*(?P<name>.+?)\s*[(（](?P<period>[^)）]*)[)）]\s*進行管理シート\s*$", re.S)
_TITLE_PLAIN = re.compile(r"^\s*(?P<name>.+?)\s*進行管理シート\s*$", re.S)
_YEAR = re.compile(r"^([HR])\s*([0-9]{1,2})\s*(?:年度)?$")
_NEXT_YEAR_FIELD = re.compile(r"^(?:[HR][0-9]{1,2}|次)年度へ向けた取組$")


def parse_number(text: str) -> int:
    """「12」「１２」 → 12 (ValueError for anything else)."""
    return int(unicodedata.normalize("NFKC", text))


# ----------------------------------------------------------------------------- texts


def title(plan: Plan) -> str:
    """「計画名(計画期間) 進行管理シート」, as the city's sheet is titled."""
    if plan.period:
        return f"{plan.name}({plan.period}) {TITLE_SUFFIX}"
    return f"{plan.name} {TITLE_SUFFIX}"


def parse_title(text: str) -> tuple[str, str] | None:
    """(計画名, 計画期間) from a title line, or None when it is not one."""
    m = _TITLE.match(text)
    if m:
        return m.group("name"), m.group("period")
    m = _TITLE_PLAIN.match(text)
    if m:
        return m.group("name"), ""
    return None


def strategy_label(number: int, name: str) -> str:
    return f"推進方策{number} {name}"


def goal_label(number: int, name: str) -> str:
    return f"目標({number}){name}"


def parse_strategy(text: str) -> tuple[int, str] | None:
    m = _STRATEGY.match(text)
    return (parse_number(m.group(1)), m.group(2)) if m else None


def parse_goal(text: str) -> tuple[int, str] | None:
    m = _GOAL.match(text)
    return (parse_number(m.group(1)), m.group(2)) if m else None


def parse_year(text: str) -> str | None:
    """「R2」「R2年度」「Ｒ２」 → "R2"; None for anything else."""
    m = _YEAR.match(unicodedata.normalize("NFKC", text).strip())
    return f"{m.group(1)}{int(m.group(2))}" if m else None


def parse_field(text: str, fields: Sequence[str]) -> str | None:
    """A year block's column header → the report field it holds (``R3年度へ向けた取組``
    is 次年度へ向けた取組, as on the city's own sheet)."""
    if text in fields:
        return text
    if _NEXT_YEAR_FIELD.match(text) and "次年度へ向けた取組" in fields:
        return "次年度へ向けた取組"
    return None


def split_departments(text: str) -> list[str]:
    """関係課 cell → names (「、」, commas, line breaks or spaces between them)."""
    return [p for p in re.split(r"[、,，\s]+", text) if p]


# ----------------------------------------------------------------------------- columns


@dataclass
class Columns:
    """Where everything sits: 1-based column numbers of the published layout."""

    plan_years: list[str]
    years: list[str]
    fields: list[str]                                   # report fields but 主管課
    fixed: dict[str, int] = field(default_factory=dict)
    plan: dict[str, int] = field(default_factory=dict)
    block: dict[tuple[str, str], int] = field(default_factory=dict)  # (year, field) -> col

    @classmethod
    def build(cls, plan_years: list[str], years: list[str], fields: list[str]) -> "Columns":
        cols = cls(list(plan_years), list(years), list(fields))
        col = 1
        for key, _header, _w in FIXED:
            cols.fixed[key] = col
            col += 1
        for y in plan_years:
            cols.plan[y] = col
            col += 1
        for y in years:
            for f in fields:
                cols.block[(y, f)] = col
                col += 1
        return cols

    @property
    def last(self) -> int:
        return len(FIXED) + len(self.plan_years) + len(self.years) * len(self.fields)

    def width(self, col: int) -> float:
        widths = self.__dict__.get("_widths")
        if widths is None:
            widths = self.__dict__["_widths"] = {c: self._width(c) for c in range(1, self.last + 1)}
        return widths[col] if col in widths else self._width(col)

    def _width(self, col: int) -> float:
        for key, _h, w in FIXED:
            if self.fixed[key] == col:
                return w
        if col in self.plan.values():
            return PLAN_WIDTH
        for (y, f), c in self.block.items():
            if c == col:
                return FIELD_WIDTHS.get(f, DEFAULT_FIELD_WIDTH)
        return DEFAULT_FIELD_WIDTH


def report_fields(root: Path | None = None) -> list[str]:
    """The fields of a year block, in schema order (主管課 is the row's own column)."""
    return list(schema.shape(root).reported)


# ----------------------------------------------------------------------------- writing


def lines_needed(text: str, col_width: float) -> int:
    """How many lines ``text`` wraps to in a column ``col_width`` characters wide
    (a full-width character takes two)."""
    per_line = max(1.0, col_width * 1.2 - 1)
    return sum(max(1, math.ceil(textwidth.width(p) / per_line)) for p in text.split("\n"))


def write_workbook(path: Path, plan: Plan, records: dict[tuple[str, int], dict[str, Any]],
                   years: list[str], root: Path | None = None, note: str = "", *,
                   body_class: type | None = None) -> list[str]:
    """Write the published sheet for ``years`` to ``path`` (.xlsx).

    ``records`` maps (年度, No) to a record.  Returns warnings (Japanese) about records
    the layout cannot show (an initiative or a department the plan does not have).
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    body = (body_class or SheetBody)(ws)
    warnings = write_sheet(ws, plan, records, years, root, body)
    if note:      # what the sheet leaves out (shinchoku.rules.cycle): on every printed page and on the title
        from openpyxl.comments import Comment

        ws.oddHeader.right.text = note
        ws.cell(row=TITLE_ROW, column=1).comment = Comment(note, "shinchoku")
    wb.properties.title = title(plan)
    wb.properties.creator = "shinchoku"
    # The sheet itself cannot show whether a year is 受付中 or 締切; keep the plan's year
    # list in a document property so that reading the file back restores it.
    from openpyxl.packaging.custom import StringProperty

    wb.custom_doc_props.append(StringProperty(
        name=YEARS_PROPERTY, value=json.dumps(plan.data.get("年度", []), ensure_ascii=False)))
    from shinchoku.fileout import write_atomic

    write_atomic(path, lambda tmp: body.save(wb, tmp))
    return warnings


def write_sheet(ws, plan: Plan, records: dict[tuple[str, int], dict[str, Any]],
                years: list[str], root: Path | None = None, body: "SheetBody | None" = None) -> list[str]:
    """Lay the sheet out on ``ws``: the title and header rows as openpyxl cells, the rows
    from FIRST_DATA_ROW on into ``body`` (a :class:`SheetBody`, written by its
    :meth:`SheetBody.save`; without one, as openpyxl cells that ``wb.save`` writes)."""
    from copy import copy

    from openpyxl.cell.cell import MergedCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.merge import MergedCellRange

    shape = schema.shape(root)
    fields = list(shape.reported)
    cols = Columns.build(plan.plan_years, years, fields)
    last = cols.last
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = Font(name=FONT_NAME, size=FONT_SIZE)
    bold = Font(name=FONT_NAME, size=FONT_SIZE, bold=True)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(wrap_text=True, horizontal="center", vertical="center")
    middle = Alignment(vertical="center")
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    strategy_fill = PatternFill("solid", fgColor="BDD7EE")
    goal_fill = PatternFill("solid", fgColor="EDF3FA")
    year_fills = [PatternFill("solid", fgColor=c) for c in ("FFF2CC", "E2EFDA", "FCE4D6", "EDEDED")]

    # A sheet of 10,000 records has ~130,000 cells and ~5,000 merged ranges.  Each look
    # (font, alignment, border, fill) is registered with the workbook once and then
    # copied; merges skip openpyxl's scan of every earlier merge (ours never overlap).
    looks: dict[tuple[int, int, int], tuple[Any, ...]] = {}

    if body is None:
        body = CellsBody(ws)            # openpyxl's own cells: the caller saves the workbook
    body.border = border

    def put(row: int, col: int, value: Any, *, style=font, align=wrap_top, fill=None) -> None:
        if row >= FIRST_DATA_ROW:
            body.put(row, col, value, style, align, fill)
            return
        cell = ws.cell(row=row, column=col)
        if value not in (None, ""):
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"     # text stays text, even when it starts with "="
        key = (id(style), id(align), id(fill))
        known = looks.get(key)
        whole = fill is not None or not cell.has_style      # else the cell keeps its own fill
        if known is not None and whole:
            cell._style = copy(known[0])
            return
        cell.font = style
        cell.alignment = align
        cell.border = border
        if fill is not None:
            cell.fill = fill
        if known is None and whole:
            looks[key] = (copy(cell._style), style, align, fill)   # the objects keep their ids

    merged_looks: dict[tuple[Any, ...], Any] = {}

    def merge(r1: int, c1: int, r2: int, c2: int) -> None:
        """``ws.merge_cells`` in constant time per cell: the same MergedCells with the
        same edge borders and protection as openpyxl's MergedCellRange.format gives."""
        if (r1, c1) == (r2, c2):
            return
        if r1 >= FIRST_DATA_ROW:
            body.merge(r1, c1, r2, c2)
            return
        mcr = MergedCellRange(ws, f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}")
        ws.merged_cells.ranges.add(mcr)
        start = mcr.start_cell
        base = (start._style.borderId, start._style.protectionId)
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if r == r1 and c == c1:
                    continue
                cell = MergedCell(ws, row=r, column=c)
                ws._cells[(r, c)] = cell
                edges = (r == r1, c == c1, c == c2, r == r2)        # top, left, right, bottom
                known = merged_looks.get((base, edges))
                if known is not None:
                    cell._style = copy(known)
                    continue
                for name, on in zip(("top", "left", "right", "bottom"), edges):
                    side = getattr(start.border, name)
                    if on and not (side and side.style is None):
                        cell.border += Border(**{name: side})
                cell.protection = copy(start.protection)
                merged_looks[(base, edges)] = copy(cell._style)

    # title
    ws.cell(row=TITLE_ROW, column=1, value=title(plan)).font = Font(name=FONT_NAME, size=14, bold=True)
    ws.cell(row=TITLE_ROW, column=1).alignment = Alignment(vertical="center")
    merge(TITLE_ROW, 1, TITLE_ROW, last)
    ws.row_dimensions[TITLE_ROW].height = 24

    # the three header rows
    h1, h2, h3 = HEADER_ROW, HEADER_ROW + 1, HEADER_ROW + 2
    for r in (h1, h2, h3):
        for c in range(1, last + 1):
            put(r, c, None, style=bold, align=centre, fill=header_fill)
    for key, header, _w in FIXED:
        c = cols.fixed[key]
        put(h1, c, header, style=bold, align=centre, fill=header_fill)
        merge(h1, c, h3, c)
    if cols.plan:
        first = min(cols.plan.values())
        put(h1, first, PLAN_HEADER, style=bold, align=centre, fill=header_fill)
        merge(h1, first, h1, max(cols.plan.values()))
        for y, c in cols.plan.items():
            put(h2, c, y, style=bold, align=centre, fill=header_fill)
            merge(h2, c, h3, c)
    if years:
        first = cols.block[(years[0], fields[0])]
        put(h1, first, PROGRESS_HEADER, style=bold, align=centre, fill=header_fill)
        merge(h1, first, h1, last)
        for k, y in enumerate(years):
            start, end = cols.block[(y, fields[0])], cols.block[(y, fields[-1])]
            fill = year_fills[k % len(year_fills)]
            put(h2, start, y, style=bold, align=centre, fill=fill)
            for c in range(start + 1, end + 1):
                put(h2, c, None, style=bold, align=centre, fill=fill)
            merge(h2, start, h2, end)
            for f in fields:
                put(h3, cols.block[(y, f)], shape.title(f),
                    style=bold, align=centre, fill=fill)
    ws.row_dimensions[h1].height = 16
    ws.row_dimensions[h2].height = 16
    ws.row_dimensions[h3].height = 28

    for c in range(1, last + 1):
        ws.column_dimensions[get_column_letter(c)].width = cols.width(c)

    # body
    warnings: list[str] = []
    row = FIRST_DATA_ROW
    shown: set[tuple[str, int]] = set()

    def heading_row(label: str, fill, height: float) -> None:
        """A 推進方策 or 目標 row: its label merged across the sheet."""
        nonlocal row
        put(row, 1, label, style=bold, align=middle, fill=fill)
        for c in range(2, last + 1):
            put(row, c, None, fill=fill)
        merge(row, 1, row, last)
        body.heights[row] = height
        row += 1

    centred = {f for f in fields if shape.spec(f).choices}      # a choice (進捗状況) is centred
    for strategy in plan.data.get(STRATEGIES, []):
        heading_row(strategy_label(strategy.get("番号", 0), strategy.get("名称", "")), strategy_fill, 18)
        for goal in strategy.get(GOALS, []):
            heading_row(goal_label(goal.get("番号", 0), goal.get("名称", "")), goal_fill, 16)
            for item in goal.get(INITIATIVES, []):
                row = _write_initiative(body, put, merge, cols, row, item, records, years, shown, centred)
    for (year, no), rec in sorted(records.items()):
        if year in years and (year, no) not in shown:
            warnings.append(f"{year} No {no} の記録は計画（plan.yaml）に施策がないため、シートに載せていません")
        elif year in years:
            planned = set(_departments(plan, no))
            for dept in Record(rec).departments():
                if dept not in planned:
                    warnings.append(f"{year} No {no} の「{dept}」の報告は、計画の主管課にないため載せていません")

    set_print_page(ws, f"{h1}:{h3}")
    ws.print_options.horizontalCentered = True
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.oddFooter.center.text = "&P / &N"
    ws.freeze_panes = f"{get_column_letter(cols.fixed[DEPARTMENT])}{FIRST_DATA_ROW}"
    return warnings


def set_print_page(ws, title_rows: str) -> None:
    """A3 landscape, one page wide (as long as it takes), the rows ``title_rows`` (「2:4」)
    on every page: how the city prints its sheet."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = 0.4


def _departments(plan: Plan, no: int) -> tuple[str, ...]:
    initiative = plan.by_no().get(no)
    return initiative.departments if initiative else ()


SPANNING = (NO, "施策名", "関係課")      # an initiative's cells merged over its departments' rows
_ALIGNMENTS: list[Any] = []


def _initiative_alignments():
    """The two alignments of initiative rows, made once (so each look is registered once)."""
    if not _ALIGNMENTS:
        from openpyxl.styles import Alignment

        _ALIGNMENTS.extend([Alignment(wrap_text=True, horizontal="center", vertical="top"),
                            Alignment(wrap_text=True, vertical="top")])
    return _ALIGNMENTS[0], _ALIGNMENTS[1]


def _write_initiative(body: "SheetBody", put, merge, cols: Columns, row: int, item: dict[str, Any],
                      records: dict[tuple[str, int], dict[str, Any]], years: list[str],
                      shown: set[tuple[str, int]], centred: set[str]) -> int:
    centre, wrap_top = _initiative_alignments()
    no = item[NO]
    departments = list(dict.fromkeys(item.get(DEPARTMENT, []))) or [""]
    n = len(departments)
    first, last_row = row, row + n - 1
    content = item.get("事業内容")
    shared_content = not isinstance(content, dict)
    lines = [1] * n          # lines needed per department row

    def need(k: int | None, text: str, col: int, rows: int = 1) -> None:
        count = math.ceil(lines_needed(text, cols.width(col)) / rows)
        for j in ([k] if k is not None else range(n)):
            lines[j] = max(lines[j], count)

    put(first, cols.fixed[NO], no, align=centre)
    put(first, cols.fixed["施策名"], item.get("施策名", ""))
    need(None, item.get("施策名", ""), cols.fixed["施策名"], n)
    related = RELATED_SEPARATOR.join(item.get("関係課", []))
    put(first, cols.fixed["関係課"], related)
    need(None, related, cols.fixed["関係課"], n)
    for y, c in cols.plan.items():
        put(first, c, (item.get("計画") or {}).get(y, ""), align=centre)
    if shared_content:
        put(first, cols.fixed["事業内容"], content or "")
        need(None, content or "", cols.fixed["事業内容"], n)
    for k, dept in enumerate(departments):
        r = first + k
        put(r, cols.fixed[DEPARTMENT], dept)
        if k:
            for key in SPANNING:
                put(r, cols.fixed[key], None)
            for c in cols.plan.values():
                put(r, c, None)
            if shared_content:
                put(r, cols.fixed["事業内容"], None)
        if not shared_content:
            text = content.get(dept, "")
            put(r, cols.fixed["事業内容"], text)
            need(k, text, cols.fixed["事業内容"])
        for y in years:
            rec = records.get((y, no)) or {}
            report = Record(rec).report(dept) or {}
            if rec:
                shown.add((y, no))
            for f in cols.fields:
                value = report.get(f)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    value = str(value)
                c = cols.block[(y, f)]
                put(r, c, value if isinstance(value, str) else None,
                    align=centre if f in centred else wrap_top)
                if isinstance(value, str):
                    need(k, value, c)
    if n > 1:
        for key in SPANNING:
            merge(first, cols.fixed[key], last_row, cols.fixed[key])
        for c in cols.plan.values():
            merge(first, c, last_row, c)
        if shared_content:
            merge(first, cols.fixed["事業内容"], last_row, cols.fixed["事業内容"])
    for k in range(n):
        body.heights[first + k] = round(max(2, lines[k]) * LINE_HEIGHT + 3, 1)
    return last_row + 1


class SheetBody:
    """The sheet's rows from FIRST_DATA_ROW on (one per strategy, goal, and initiative ×
    lead department: 20,000 rows and 1.3 million cells at 10,000 records), written
    straight as worksheet XML.

    openpyxl builds an object per cell and serialises each through ElementTree, which
    costs more than everything else export does.  The XML here is what openpyxl writes
    for the same cells: inline strings, the same cell formats (registered in the
    workbook's own style tables, so styles.xml holds them), merged cells as styled empty
    cells with the edge borders openpyxl's MergedCellRange.format gives them, and row
    heights.  :meth:`save` lets openpyxl write the workbook (title, headers, columns,
    merges, print setup, styles) and puts these rows into its sheetData.
    """

    def __init__(self, ws):
        self.ws = ws
        self.border = None
        self.cells: dict[int, dict[int, tuple[Any, int | None]]] = {}
        self.heights: dict[int, float] = {}
        self._xfs: dict[tuple[int, int, int], tuple[Any, ...]] = {}
        self._merged_xfs: dict[tuple[bool, ...], int | None] = {}

    def _xf(self, font, align, fill) -> int:
        key = (id(font), id(align), id(fill))
        known = self._xfs.get(key)
        if known is None:
            from openpyxl.styles.cell_style import StyleArray

            wb = self.ws.parent
            style = StyleArray()
            # What assigning cell.font / .alignment / .border / .fill does, then style_id.
            style.fontId = wb._fonts.add(font)
            style.alignmentId = wb._alignments.add(align)
            style.borderId = wb._borders.add(self.border)
            if fill is not None:
                style.fillId = wb._fills.add(fill)
            known = self._xfs[key] = (wb._cell_styles.add(style), font, align, fill)   # objects keep their ids
        return known[0]

    def put(self, row: int, col: int, value: Any, font, align, fill) -> None:
        if value in (None, ""):
            value = None
        elif isinstance(value, str):
            from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
            from openpyxl.utils.exceptions import IllegalCharacterError

            value = value[:32767]
            if ILLEGAL_CHARACTERS_RE.search(value):
                raise IllegalCharacterError(f"{value} cannot be used in worksheets.")
        self.cells.setdefault(row, {})[col] = (value, self._xf(font, align, fill))

    def _merged_xf(self, edges: tuple[bool, bool, bool, bool]) -> int | None:
        if edges not in self._merged_xfs:
            from openpyxl.cell.cell import MergedCell
            from openpyxl.styles import Border, Protection

            cell = MergedCell(self.ws, row=1, column=1)      # a scratch cell, never placed
            for name, on in zip(("top", "left", "right", "bottom"), edges):
                side = getattr(self.border, name)
                if on and not (side and side.style is None):
                    cell.border += Border(**{name: side})
            cell.protection = Protection()
            self._merged_xfs[edges] = self.ws.parent._cell_styles.add(cell._style) if cell.has_style else None
        return self._merged_xfs[edges]

    def merge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        from openpyxl.worksheet.cell_range import CellRange

        self.ws.merged_cells.ranges.add(CellRange(min_col=c1, min_row=r1, max_col=c2, max_row=r2))
        for r in range(r1, r2 + 1):
            row = self.cells.setdefault(r, {})
            for c in range(c1, c2 + 1):
                if r == r1 and c == c1:
                    continue
                xf = self._merged_xf((r == r1, c == c1, c == c2, r == r2))
                if xf is None:
                    row.pop(c, None)
                else:
                    row[c] = (None, xf)

    def xml(self) -> str:
        from openpyxl.compat import safe_string
        from openpyxl.utils import get_column_letter

        letters: dict[int, str] = {}
        out: list[str] = []
        add = out.append
        for r in sorted(self.cells):
            row = self.cells[r]
            h = self.heights.get(r)
            add(f'<row r="{r}" ht="{safe_string(h)}" customHeight="1">' if h else f'<row r="{r}">')
            for c in sorted(row):
                value, xf = row[c]
                where = letters.get(c) or letters.setdefault(c, get_column_letter(c))
                s = f' s="{xf}"' if xf is not None else ""
                if value is None:
                    add(f'<c r="{where}{r}"{s} t="n" />')
                elif isinstance(value, str):
                    stripped = value.strip()
                    space = ' xml:space="preserve"' if stripped and stripped != value else ""
                    text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                    add(f'<c r="{where}{r}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>')
                else:
                    add(f'<c r="{where}{r}"{s} t="n"><v>{safe_string(value)}</v></c>')
            add("</row>")
        return "".join(out)

    def dimension(self) -> str | None:
        from openpyxl.utils import get_column_letter

        if not self.cells:
            return None
        max_col = max(self.ws.max_column, max((max(r) for r in self.cells.values() if r), default=1))
        max_row = max(self.ws.max_row, max(self.cells))
        return f"A1:{get_column_letter(max_col)}{max_row}"

    def save(self, wb, path: Path) -> None:
        """Save ``wb`` to ``path`` with these rows in the sheet."""
        import io
        import re
        import zipfile

        buf = io.BytesIO()
        wb.save(buf)
        sheet = self.ws.path.lstrip("/")
        body = self.xml().encode("utf-8")
        dimension = self.dimension()
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, \
                zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename == sheet and body:
                    end = data.index(b"</sheetData>")
                    data = data[:end] + body + data[end:]
                    if dimension:
                        data = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), data, count=1)
                zout.writestr(item, data)


class CellsBody(SheetBody):
    """The same rows as openpyxl cells (``ws.cell``, ``ws.merge_cells``, row dimensions):
    the reference :class:`SheetBody` is held to (tests/test_export_fast.py)."""

    class _Heights(dict):
        def __init__(self, ws):
            super().__init__()
            self.ws = ws

        def __setitem__(self, row, height):
            self.ws.row_dimensions[row].height = height

    def __init__(self, ws):
        super().__init__(ws)
        self.heights = self._Heights(ws)

    def put(self, row, col, value, font, align, fill) -> None:
        cell = self.ws.cell(row=row, column=col)
        if value not in (None, ""):
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
        cell.font = font
        cell.alignment = align
        cell.border = self.border
        if fill is not None:
            cell.fill = fill

    def merge(self, r1, c1, r2, c2) -> None:
        self.ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)

    def save(self, wb, path: Path) -> None:
        wb.save(path)

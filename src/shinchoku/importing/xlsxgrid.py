"""Read an ``.xlsx`` in the published 進行管理シート layout back into a plan and records.

This is what ``shinchoku import-sheet FILE.xlsx`` calls: a city holds its sheet as an
Excel file, and ``shinchoku export xlsx`` writes one.  The layout is described in
:mod:`shinchoku.sheet.published`; here it is found (not assumed) in the sheet:

* the header is the row whose first cell is ``No`` together with the two rows below
  it (merged cells are read as the value of their top-left cell);
* ``計画`` columns take their year from the second header row; year blocks take
  their year from the second row and their field from the third;
* ``推進方策N …`` and ``目標(n)…`` rows open a strategy and a goal; any other row with
  a 主管課 is an initiative's row, and a row whose No is empty (or merged with the
  row above) is the same initiative's next lead department.

Like the text importer, every non-empty cell is accounted for in the ledger: placed
(with its target), a heading, or unplaced with the reason.  Nothing is dropped silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shinchoku.importing import importer
from shinchoku.model import plan as plan_mod
from shinchoku.model import schema
from shinchoku.model.celltext import cell_text
from shinchoku.model.fields import DEPARTMENT, NO, REPORTS, YEAR, FieldRef
from shinchoku.sheet import published


class XlsxCell(importer.Cell):
    """A worksheet cell; ``line`` is the 1-based row, ``col`` the 0-based column."""

    @property
    def where(self) -> str:
        from openpyxl.utils import get_column_letter

        return f"{get_column_letter(self.col + 1)}{self.line}セル"


@dataclass
class _Grid:
    """Cell values with merged ranges resolved: ``value(r, c)`` is the top-left value of
    the merged range holding (r, c); ``origin(r, c)`` that top-left cell."""

    ws: Any

    def __post_init__(self) -> None:
        self.origins: dict[tuple[int, int], tuple[int, int]] = {}
        self.spans: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for rng in self.ws.merged_cells.ranges:
            top = (rng.min_row, rng.min_col)
            self.spans[top] = (rng.min_row, rng.min_col, rng.max_row, rng.max_col)
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    self.origins[(r, c)] = top

    def raw(self, r: int, c: int) -> Any:
        return self.ws.cell(row=r, column=c).value

    def origin(self, r: int, c: int) -> tuple[int, int]:
        return self.origins.get((r, c), (r, c))

    def value(self, r: int, c: int) -> Any:
        return self.raw(*self.origin(r, c))

    def text(self, r: int, c: int) -> str:
        return cell_text(self.value(r, c))




def _find_sheet(wb):
    """The worksheet in the published layout: the one named 進行管理シート, else the
    first with a ``No`` … ``主管課`` header."""
    candidates = [wb[published.SHEET_NAME]] if published.SHEET_NAME in wb.sheetnames else []
    candidates += [ws for ws in wb.worksheets if ws.title != published.SHEET_NAME]
    for ws in candidates:
        if _header_row(ws) is not None:
            return ws
    return None


def _header_row(ws) -> int | None:
    for r in range(1, min(ws.max_row, 30) + 1):
        first = cell_text(ws.cell(row=r, column=1).value).strip()
        if first == published.HEADERS[NO]:
            row = {cell_text(ws.cell(row=r, column=c).value).strip() for c in range(1, min(ws.max_column, 12) + 1)}
            if published.HEADERS[DEPARTMENT] in row:
                return r
    return None


class XlsxImporter:
    def __init__(self, path: Path):
        self.path = path
        self.ledger = importer.Ledger()
        self.cell_count = 0

    # -- helpers ----------------------------------------------------------------------
    def _cell(self, r: int, c: int, text: str) -> XlsxCell:
        return XlsxCell(r, c - 1, text)

    def _put(self, r: int, c: int, kind: importer.Placement, target: str = "", *notes: importer.Note | str) -> None:
        text = cell_text(self.grid.raw(r, c))
        if text:
            self.ledger.put(self._cell(r, c, text), kind, target, *notes)

    # -- reading ----------------------------------------------------------------------
    def run(self) -> importer.ImportResult:
        from openpyxl import load_workbook

        wb = load_workbook(self.path, data_only=True)
        ws = _find_sheet(wb)
        name = self.path.name
        if ws is None:
            return importer.ImportResult({}, [], self.ledger, name, 0)
        self.grid = grid = _Grid(ws)
        for row in ws.iter_rows():
            for cell in row:
                if cell_text(cell.value):
                    self.cell_count += 1
        h1 = _header_row(ws)
        shape = schema.shape()          # the sheet's words, as the bundled schema has them
        fields = shape.reported
        plan_name, period = "", ""
        for r in range(1, h1):
            for c in range(1, ws.max_column + 1):
                text = cell_text(grid.raw(r, c))
                if not text:
                    continue
                parsed = published.parse_title(text) if not plan_name else None
                if parsed:
                    plan_name, period = parsed
                    self._put(r, c, importer.Placement.PLACED, "plan.yaml 計画名・計画期間")
                else:
                    self._put(r, c, importer.Placement.UNPLACED, "", "表題の行にある、表題ではない文字です")
        # columns from the three header rows
        fixed: dict[str, int] = {}
        plan_cols: dict[int, str] = {}
        block_cols: dict[int, tuple[str, str]] = {}
        by_header = {h: k for k, h in published.HEADERS.items()}
        # A sheet typed by hand may leave the cells right of a header blank instead of
        # merging them: a blank top or year header continues the one to its left.
        group, year = "", None
        for c in range(1, ws.max_column + 1):
            top, mid, low = (grid.text(h1 + k, c).strip() for k in range(3))
            group = top or group
            if mid:
                year = published.parse_year(mid)
            if top in by_header and by_header[top] not in fixed:
                fixed[by_header[top]] = c
            elif group == published.PLAN_HEADER and published.parse_year(mid) and low in ("", mid):
                plan_cols[c] = published.parse_year(mid)
            elif year and published.parse_field(low, fields):
                block_cols[c] = (year, published.parse_field(low, fields))
        for r in range(h1, h1 + 3):
            for c in range(1, ws.max_column + 1):
                self._put(r, c, importer.Placement.HEADING)
        missing = [k for k in (NO, "施策名", DEPARTMENT) if k not in fixed]
        if missing:
            self.ledger.page_notes.append(importer.PageNote(f"見出しに「{'・'.join(missing)}」の列が見つからないため、施策を読み取れませんでした"))
            return importer.ImportResult({}, [], self.ledger, name, self.cell_count)
        plan_years = list(dict.fromkeys(plan_cols.values()))
        years = list(dict.fromkeys(y for y, _f in block_cols.values()))

        strategies: list[dict[str, Any]] = []
        initiatives: dict[int, dict[str, Any]] = {}
        order: list[int] = []
        values: dict[tuple[int, str, str], dict[str, str]] = {}
        content: dict[int, list[tuple[str, str, tuple[int, int]]]] = {}
        current: dict[str, Any] | None = None
        goal: dict[str, Any] | None = None
        for r in range(h1 + 3, ws.max_row + 1):
            row_cells = [c for c in range(1, ws.max_column + 1) if cell_text(grid.raw(r, c))]
            if not row_cells:
                continue
            first = grid.text(r, row_cells[0]).strip()
            section = published.parse_strategy(first) if len(row_cells) == 1 else None
            if section:
                strategies.append({"番号": section[0], "名称": section[1], "目標": []})
                goal = current = None
                self._put(r, row_cells[0], importer.Placement.PLACED, f"plan.yaml 推進方策{section[0]}")
                continue
            section = published.parse_goal(first) if len(row_cells) == 1 else None
            if section:
                if not strategies:
                    strategies.append({"番号": 0, "名称": "（推進方策なし）", "目標": []})
                    self.ledger.page_notes.append(importer.PageNote(f"{r}行目: 推進方策の行より前に目標の行があるため、番号0の推進方策に入れました"))
                goal = {"番号": section[0], "名称": section[1], "施策": []}
                strategies[-1]["目標"].append(goal)
                current = None
                self._put(r, row_cells[0], importer.Placement.PLACED, f"plan.yaml 推進方策{strategies[-1]['番号']} 目標{section[0]}")
                continue
            dept = grid.text(r, fixed[DEPARTMENT]).strip()
            no_origin = grid.origin(r, fixed[NO])
            no_text = cell_text(grid.raw(*no_origin)).strip()
            continued = no_origin[0] < r or (not cell_text(grid.raw(r, fixed[NO])) and current is not None)
            if not dept:
                for c in row_cells:
                    self._put(r, c, importer.Placement.UNPLACED, "", "主管課のない行のため、どの報告か決められません")
                continue
            if continued and current is not None:
                item = current
            else:
                try:
                    no = published.parse_number(no_text)
                except ValueError:
                    for c in row_cells:
                        self._put(r, c, importer.Placement.UNPLACED, "", f"No「{no_text}」が番号として読めない行です")
                    continue
                if goal is None:
                    if not strategies:
                        strategies.append({"番号": 0, "名称": "（推進方策なし）", "目標": []})
                    goal = {"番号": 0, "名称": "（目標なし）", "施策": []}
                    strategies[-1]["目標"].append(goal)
                    self.ledger.page_notes.append(importer.PageNote(f"{r}行目: 目標の行より前に施策があるため、番号0の目標に入れました"))
                if no in initiatives:
                    for c in row_cells:
                        self._put(r, c, importer.Placement.UNPLACED, "", f"No {no} の施策が2回出てきます（最初のものを使いました）")
                    current = None
                    continue
                item = {NO: no, "施策名": grid.text(r, fixed["施策名"]), DEPARTMENT: [], "関係課": [], "計画": {}}
                initiatives[no] = item
                order.append(no)
                goal["施策"].append(item)
                current = item
                self._put(r, fixed[NO], importer.Placement.PLACED, f"plan.yaml No {no}")
                self._put(r, fixed["施策名"], importer.Placement.PLACED, f"plan.yaml No {no} 施策名")
                if "関係課" in fixed:
                    item["関係課"] = published.split_departments(grid.text(r, fixed["関係課"]))
                    self._put(r, fixed["関係課"], importer.Placement.PLACED, f"plan.yaml No {no} 関係課")
                for c, y in plan_cols.items():
                    text = grid.text(r, c)
                    if text:
                        item["計画"][y] = text
                        self._put(r, c, importer.Placement.PLACED, f"plan.yaml No {no} 計画.{y}")
            no = item[NO]
            if dept in item[DEPARTMENT]:
                for c in row_cells:
                    if grid.origin(r, c) == (r, c):
                        self._put(r, c, importer.Placement.UNPLACED, "", f"No {no} の「{dept}」の行が2回あります（最初の行を使いました）")
                continue
            item[DEPARTMENT].append(dept)
            self._put(r, fixed[DEPARTMENT], importer.Placement.PLACED, f"plan.yaml No {no} 主管課")
            if "事業内容" in fixed:
                origin = grid.origin(r, fixed["事業内容"])
                content.setdefault(no, []).append((dept, cell_text(grid.raw(*origin)), origin))
                if origin == (r, fixed["事業内容"]):
                    self._put(r, fixed["事業内容"], importer.Placement.PLACED, f"plan.yaml No {no} 事業内容")
            for c, (y, f) in block_cols.items():
                text = cell_text(grid.raw(r, c))
                if not text:
                    continue
                target = importer.target(FieldRef(y, no, dept, f))
                notes = []
                if f == shape.status and text in importer.STATUS_FIX:
                    text, notes = importer.STATUS_FIX[text], [importer.Note(
                        importer.NoteKind.NORMALISED, f"「{text}」を「{importer.STATUS_FIX[text]}」に直しました")]
                values.setdefault((no, dept, y), {})[f] = text
                self._put(r, c, importer.Placement.PLACED, target, *notes)
            used = set(fixed.values()) | set(plan_cols) | set(block_cols)
            for c in row_cells:
                if c not in used and grid.origin(r, c) == (r, c):
                    self._put(r, c, importer.Placement.UNPLACED, "", "見出しのない列にある文字です")

        for no, parts in content.items():
            item = initiatives[no]
            origins = {o for _d, _t, o in parts}
            texts = [t for _d, t, _o in parts]
            if len(origins) == 1:
                if texts[0]:
                    item["事業内容"] = texts[0]
            else:
                per = {d: t for d, t, _o in parts if t}
                if per:
                    item["事業内容"] = per
        for item in initiatives.values():
            if not item["計画"]:
                del item["計画"]
        plan = self._plan(plan_name, period, plan_years, years, strategies, _stored_years(wb))
        recs = []
        for y in years:
            for no in sorted(order):
                item = initiatives[no]
                reports = [{DEPARTMENT: d, **values.get((no, d, y), {})} for d in item[DEPARTMENT]]
                if reports:
                    recs.append({NO: no, YEAR: y, REPORTS: reports})
        if years and not _stored_years(wb):
            self.ledger.page_notes.append(importer.PageNote(
                "シートには年度の受付状態がないため、シートにある年度（"
                + "・".join(years) + "）はすべて締切、計画年度だけの年度は受付中としました"))
        return importer.ImportResult(plan if strategies else {}, recs, self.ledger, name, self.cell_count)

    @staticmethod
    def _plan(name: str, period: str, plan_years: list[str], years: list[str],
              strategies: list[dict[str, Any]], stored: list[dict[str, Any]] | None) -> dict[str, Any]:
        if stored and all(y in {s["年度"] for s in stored} for y in years):
            year_list = stored
        else:
            all_years = list(dict.fromkeys([*years, *plan_years]))
            year_list = [{"年度": y, "西暦": plan_mod.western_year(y), "状態": "締切" if y in years else "受付中"}
                         for y in sorted(all_years, key=plan_mod.western_year)]
        return {
            "計画名": name or "行動計画",
            "計画期間": period or "不明",
            "計画年度": plan_years,
            "年度": year_list,
            "推進方策": strategies,
        }


def _stored_years(wb) -> list[dict[str, Any]] | None:
    """The plan's 年度 list kept by ``shinchoku export xlsx`` in a document property,
    when it is there and well-formed."""
    try:
        props = {p.name: p.value for p in wb.custom_doc_props.props}
    except AttributeError:
        return None
    raw = props.get(published.YEARS_PROPERTY)
    if not isinstance(raw, str):
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    ok = isinstance(data, list) and all(
        isinstance(y, dict) and isinstance(y.get("年度"), str) and isinstance(y.get("西暦"), int)
        and y.get("状態") in ("受付中", "締切") for y in data)
    return [{"年度": y["年度"], "西暦": y["西暦"], "状態": y["状態"]} for y in data] if ok else None


def import_xlsx(path: Path) -> importer.ImportResult:
    """Read the published sheet at ``path``: an :class:`importer.ImportResult` (plan
    dict, record dicts, the ledger of every non-empty cell, the file name, the number of
    non-empty cells), exactly what :func:`importer.import_file` gives for a TSV."""
    from shinchoku.importing import xlsxguard

    xlsxguard.check(Path(path))          # bounds first: openpyxl trusts what it is given
    return XlsxImporter(Path(path)).run()

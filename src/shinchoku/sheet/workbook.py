"""The staff workbook (``shinchoku workbook``): the template the add-in works in.

Everything staff see is set up here, once, with openpyxl — the published sheet's layout
(:mod:`shinchoku.sheet.sheetmodel` says where each column is), fonts, borders, widths, wrapped
text, frozen header and No columns, the 進捗状況 dropdown built from the schema's enum,
a length limit on text cells, closed years and the plan greyed and locked (sheet
protection; only the open years' cells are unlocked), the previous year's
次年度へ向けた取組 beside each open year's 実績, and the hidden state sheet.  The
add-in itself then only writes values and colours, which every xlwings client can do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shinchoku.errors import UsageError
from shinchoku.model import schema
from shinchoku.model.fields import Record
from shinchoku.model.plan import Plan
from shinchoku.sheet import published
from shinchoku.sheet import sheetmodel as sm

FONT_NAME = published.FONT_NAME
FONT_SIZE = published.FONT_SIZE
CONTEXT_WIDTH = 22
MAX_LINES = 15            # a taller row would hide its neighbours while typing; the cell scrolls
HEADER_FILL = "DDEBF7"
STRATEGY_FILL = "BDD7EE"
GOAL_FILL = "EDF3FA"
LOCKED_FILL = "E7E6E6"      # closed years, plan
CONTEXT_FILL = "F2F2F2"
OPEN_HEADER_FILL = "FFF2CC"
CLOSED_HEADER_FILL = "D9D9D9"


class UnknownDepartment(UsageError, ValueError):
    """``--department`` names no lead department of the plan (message in Japanese)."""


def column_width(col: sm.Column) -> float:
    if col.kind == "fixed":
        return next(w for k, _h, w in published.FIXED if k == col.key)
    if col.kind == "plan":
        return published.PLAN_WIDTH
    if col.kind == "context":
        return CONTEXT_WIDTH
    return published.FIELD_WIDTHS.get(col.key, published.DEFAULT_FIELD_WIDTH)


def write(path: Path, plan: Plan, records: dict[tuple[str, int], dict[str, Any]], *,
          base: str = "", department: str = "", root: Path | None = None) -> int:
    """Write the staff workbook to ``path``; the number of data rows.  :class:`UnknownDepartment`
    (nothing written) when ``department`` is not a lead department of the plan."""
    from openpyxl import Workbook

    problem = sm.unknown_department(plan, department)
    if problem:
        raise UnknownDepartment(problem)

    wb = Workbook()
    ws = wb.active
    ws.title = sm.SHEET_NAME
    layout = sm.Layout.build(plan, root)
    keys = _write_main(ws, layout, plan, records, department, root)
    state = sm.State(layout, base=base, department=department)
    for no, dept in keys:
        for col in layout.field_columns():
            state.set((no, dept), col, Record(records.get((col.year, no))).value(dept, col.key))
    st = wb.create_sheet(sm.STATE_SHEET)
    grid = state.grid(keys)
    # Text format ("@") on every state cell and column: Excel keeps what the add-in writes
    # there as text ("(1)", "¥1,000" would otherwise come back as numbers and the row
    # would look edited in a closed year)
    width = max((len(line) for line in grid), default=0)
    for r, line in enumerate(grid, start=1):
        for c in range(1, width + 1):
            value = line[c - 1] if c - 1 < len(line) else None
            cell = st.cell(row=r, column=c)
            cell.number_format = "@"
            if value not in (None, ""):
                cell.value = value[1:] if isinstance(value, str) and value.startswith("'") else value
                if isinstance(value, str):
                    cell.data_type = "s"
    from openpyxl.utils import get_column_letter

    for c in range(1, width + 1):
        st.column_dimensions[get_column_letter(c)].number_format = "@"
    st.sheet_state = "veryHidden"      # not listed under 再表示: staff cannot delete it by accident
    st.protection.sheet = False
    wb.properties.title = published.title(plan)
    wb.properties.creator = "shinchoku"
    wb.active = 0
    from shinchoku.fileout import write_atomic

    write_atomic(path, wb.save)
    return len(keys)


def _write_main(ws, layout: sm.Layout, plan: Plan, records, department: str, root) -> list[tuple[int, str]]:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    last = layout.width
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = Font(name=FONT_NAME, size=FONT_SIZE)
    bold = Font(name=FONT_NAME, size=FONT_SIZE, bold=True)
    grey_font = Font(name=FONT_NAME, size=FONT_SIZE, color="595959")
    wrap_top = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(wrap_text=True, horizontal="center", vertical="center")
    centre_top = Alignment(wrap_text=True, horizontal="center", vertical="top")
    fill = {k: PatternFill("solid", fgColor=v) for k, v in {
        "header": HEADER_FILL, "strategy": STRATEGY_FILL, "goal": GOAL_FILL, "locked": LOCKED_FILL,
        "context": CONTEXT_FILL, "open": OPEN_HEADER_FILL, "closed": CLOSED_HEADER_FILL,
        "edit": sm.EDITABLE_FILL.lstrip("#")}.items()}
    unlocked = Protection(locked=False)
    by_index = {c.index: c for c in layout.columns}

    # title
    t = ws.cell(row=sm.TITLE_ROW, column=1, value=f"{published.title(plan)}（入力用）")
    t.font = Font(name=FONT_NAME, size=14, bold=True)
    t.alignment = Alignment(vertical="center")
    ws.row_dimensions[sm.TITLE_ROW].height = 24

    # two header rows
    top, sub = layout.headers(root)
    h1, h2 = sm.HEADER_ROW, sm.SUBHEADER_ROW
    for c in range(1, last + 1):
        col = by_index.get(c)
        f = fill["header"]
        if col is not None and col.kind in ("edit", "context"):
            f = fill["open"]
        elif col is not None and col.kind == "closed":
            f = fill["closed"]
        for r, texts in ((h1, top), (h2, sub)):
            cell = ws.cell(row=r, column=c, value=texts[c - 1] or None)
            cell.font, cell.alignment, cell.border, cell.fill = bold, centre, border, f
    for col in layout.columns:
        if col.kind == "fixed":
            ws.merge_cells(start_row=h1, start_column=col.index, end_row=h2, end_column=col.index)
    plan_cols = [c.index for c in layout.columns if c.kind == "plan"]
    if len(plan_cols) > 1:
        ws.merge_cells(start_row=h1, start_column=min(plan_cols), end_row=h1, end_column=max(plan_cols))
    for year in layout.years():
        first, end = layout.block(year)
        if end > first:
            ws.merge_cells(start_row=h1, start_column=first, end_row=h1, end_column=end)
    ws.row_dimensions[h1].height = 18
    ws.row_dimensions[h2].height = 40
    for col in layout.columns:
        ws.column_dimensions[get_column_letter(col.index)].width = column_width(col)

    # body
    shape = schema.shape(root)
    status_values = shape.statuses
    limit = shape.spec("実績").max_length or 2000
    status_dv = DataValidation(type="list", formula1='"' + ",".join(status_values) + '"', allow_blank=True,
                               showErrorMessage=True, errorTitle="進捗状況",
                               error="一覧から選んでください（" + "／".join(status_values) + "）",
                               promptTitle="進捗状況", prompt="一覧から選んでください", showInputMessage=True)
    text_dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(limit), allow_blank=True,
                             showErrorMessage=True, errorTitle="文字数",
                             error=f"{limit}文字以内で入力してください")
    ws.add_data_validation(status_dv)
    ws.add_data_validation(text_dv)

    def style_row(r: int, row_fill, *, label: str | None = None) -> None:
        for c in range(1, last + 1):
            cell = ws.cell(row=r, column=c)
            cell.fill, cell.border, cell.font = row_fill, border, bold
            # heading rows stay locked, open-year cells too: nothing typed there is a record
        if label is not None:
            cell = ws.cell(row=r, column=1, value=label)
            cell.alignment = Alignment(vertical="center", wrap_text=False)

    row = sm.FIRST_DATA_ROW
    keys: list[tuple[int, str]] = []
    for strategy in plan.strategies():
        items = [(g, [i for i in g.get("施策", []) if _wanted(i, department)]) for g in strategy.get("目標", [])]
        if not any(its for _g, its in items):
            continue
        style_row(row, fill["strategy"], label=published.strategy_label(strategy.get("番号", 0), strategy.get("名称", "")))
        ws.row_dimensions[row].height = 18
        row += 1
        for goal, its in items:
            if not its:
                continue
            style_row(row, fill["goal"], label=published.goal_label(goal.get("番号", 0), goal.get("名称", "")))
            ws.row_dimensions[row].height = 16
            row += 1
            for item in its:
                content = item.get("事業内容")
                for dept in dict.fromkeys(item.get("主管課", [])):
                    if department and dept != department:
                        continue
                    keys.append((item["No"], dept))
                    lines = 2
                    for col in layout.columns:
                        value: Any = None
                        if col.kind == "fixed":
                            value = {"No": item["No"], "施策名": item.get("施策名", ""), "主管課": dept,
                                     "関係課": published.RELATED_SEPARATOR.join(item.get("関係課", [])),
                                     "事業内容": content.get(dept, "") if isinstance(content, dict) else (content or "")}[col.key]
                        elif col.kind == "plan":
                            value = (item.get("計画") or {}).get(col.key, "")
                        else:           # a year's field (open, closed, or the previous year's beside 実績)
                            value = Record(records.get((col.year, item["No"]))).value(dept, col.key)
                        cell = ws.cell(row=row, column=col.index)
                        if value not in (None, ""):
                            cell.value = value
                            if isinstance(value, str):
                                cell.data_type = "s"
                                lines = max(lines, published.lines_needed(value, column_width(col)))
                        cell.border = border
                        cell.font = grey_font if col.kind in ("closed", "context", "plan") else font
                        cell.alignment = centre_top if col.key in ("No", "進捗状況") or col.kind == "plan" else wrap_top
                        if col.kind == "edit":
                            cell.protection = unlocked
                            cell.fill = fill["edit"]
                            if col.key != "進捗状況":
                                cell.number_format = "@"
                        elif col.kind in ("closed", "plan"):
                            cell.fill = fill["locked"]
                        elif col.kind == "context":
                            cell.fill = fill["context"]
                    ws.row_dimensions[row].height = round(min(lines, MAX_LINES) * published.LINE_HEIGHT + 3, 1)
                    row += 1
    last_row = max(row - 1, sm.FIRST_DATA_ROW)
    _cycle_columns(ws, layout, plan, records, keys, last, border, bold, centre, wrap_top, unlocked, font, fill["header"])
    for col in layout.editable():
        rng = f"{get_column_letter(col.index)}{sm.FIRST_DATA_ROW}:{get_column_letter(col.index)}{last_row}"
        (status_dv if col.key == "進捗状況" else text_dv).add(rng)

    # protection: only the open years' cells can be typed into; formatting stays
    # allowed (the add-in colours cells), and so do filters and sorting.
    prot = ws.protection
    prot.sheet = True
    prot.formatCells = False
    prot.formatColumns = False
    prot.formatRows = False
    prot.autoFilter = False
    prot.sort = False
    prot.selectLockedCells = False
    prot.selectUnlockedCells = False
    ws.auto_filter.ref = f"A{h2}:{get_column_letter(last)}{last_row}"

    _open_on_the_open_year(ws, layout)
    published.set_print_page(ws, f"{h1}:{h2}")
    return keys


def _cycle_columns(ws, layout, plan, records, keys, last, border, bold, centre, wrap_top, unlocked, font,
                   header_fill) -> None:
    """The yearly cycle's three columns right of the layout (shinchoku.sheet.progressview):
    提出状況 and コメント filled by the add-in, 新しいコメント typed by the user."""
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter

    from shinchoku.sheet import progressview as pv

    year = pv.cycle_year(plan)
    if not year:
        return
    grey = PatternFill("solid", fgColor="F2F2F2")
    for k, (header, width) in enumerate(zip(pv.CYCLE_HEADERS, (18, 48, 30))):
        c = last + 1 + k
        top = ws.cell(row=sm.HEADER_ROW, column=c, value=f"{year} {header}" if k < 2 else header)
        sub = ws.cell(row=sm.SUBHEADER_ROW, column=c, value=pv.CYCLE_HINT if k == 2 else None)
        for cell in (top, sub):
            cell.font, cell.alignment, cell.border, cell.fill = bold, centre, border, header_fill
        ws.column_dimensions[get_column_letter(c)].width = width
    row_of = {}
    wanted = set(keys)
    no_col, dept_col = layout.fixed("No"), layout.fixed("主管課")
    for r in range(sm.FIRST_DATA_ROW, ws.max_row + 1):
        no, dept = ws.cell(row=r, column=no_col).value, ws.cell(row=r, column=dept_col).value
        if (no, dept) in wanted:
            row_of[(no, dept)] = r
    for (no, dept), r in row_of.items():
        state, notes = pv.row_cells(records.get((year, no)), dept, True)
        for k, value in enumerate((state, notes, None)):
            cell = ws.cell(row=r, column=last + 1 + k, value=value or None)
            cell.border, cell.alignment, cell.protection, cell.font = border, wrap_top, unlocked, font
            if k < 2:
                cell.fill = grey
        need = max(published.lines_needed(state, 18), published.lines_needed(notes, 48)) if notes else 2
        height = round(min(need, MAX_LINES) * published.LINE_HEIGHT + 3, 1)
        if (ws.row_dimensions[r].height or 0) < height:
            ws.row_dimensions[r].height = height
def _open_on_the_open_year(ws, layout: sm.Layout) -> None:
    """Staff come to type into the open year: the closed years' blocks are grouped with
    Excel's outline and folded (the ＋ above the columns shows them), the panes are frozen
    at the first open column (No … 計画 stay in view while scrolling through the open
    year), and a one-line hint above the header says where to type."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    open_years = layout.open_years()
    for year in layout.years():
        if year in open_years:
            continue
        first, last = layout.block(year)
        for c in range(first, last + 1):
            dim = ws.column_dimensions[get_column_letter(c)]
            dim.outlineLevel = 1
            dim.hidden = True
        after = ws.column_dimensions[get_column_letter(last + 1)]
        after.collapsed = True          # the ＋ beside the folded block
    ws.sheet_properties.outlinePr.summaryRight = True
    ws.sheet_format.outlineLevelCol = 1 if len(open_years) < len(layout.years()) else 0
    if not open_years:
        ws.freeze_panes = f"{get_column_letter(layout.fixed('関係課'))}{sm.FIRST_DATA_ROW}"
        return
    first = layout.block(open_years[0])[0]
    ws.freeze_panes = f"{get_column_letter(first)}{sm.FIRST_DATA_ROW}"
    hint = ws.cell(row=sm.TITLE_ROW, column=first, value=hint_text(layout))
    hint.font = Font(name=FONT_NAME, size=11, bold=True, color="C00000")
    hint.alignment = Alignment(vertical="center", wrap_text=False)


def hint_text(layout: sm.Layout) -> str:
    """The one line above the header that says where to type."""
    years = "・".join(f"{y}年度" for y in layout.open_years())
    closed = "（締切の年度は畳んであります。列の上の［＋］で表示）" \
        if len(layout.open_years()) < len(layout.years()) else ""
    return f"▼ 入力は {years}（受付中）の白いセルへ。灰色のセルは変更できません{closed}"


def _wanted(item: dict[str, Any], department: str) -> bool:
    return not department or department in item.get("主管課", [])


def from_repository(root: Path, out: Path, department: str = "") -> tuple[int, str]:
    """Write the workbook from the records repository at ``root`` (at HEAD when it is a
    git clone, else from the files); (rows, base commit or "")."""
    from shinchoku.model import plan as plan_mod
    from shinchoku.model import records as records_mod
    from shinchoku.model import yamlio
    from shinchoku.rules import validate

    if (root / ".git").exists():
        from shinchoku.store import Store

        with Store(root) as store:
            head = store.head() or ""
            if head:
                raw = store.read_blob(head, validate.PLAN_RELPATH)
                try:
                    plan = plan_mod.load_text(raw or b"")
                except yamlio.YamlError as exc:        # PlanUnavailable: the one wording
                    raise plan_mod.unreadable(exc) from None
                recs = store.read_records(head)
                return write(out, plan, recs, base=head, department=department, root=root), head
    plan = plan_mod.load_repository(root)          # PlanUnavailable: no repository, or its line
    recs = {(r["年度"], int(r["No"])): r for _p, r in records_mod.load_all(root)
            if isinstance(r.get("年度"), str) and isinstance(r.get("No"), int)}
    return write(out, plan, recs, base="", department=department, root=root), ""

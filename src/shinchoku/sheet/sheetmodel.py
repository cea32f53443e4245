"""The staff workbook's layout and the sheet logic that needs no Excel.

The staff workbook (written by :mod:`shinchoku.sheet.workbook`, read and filled by the
add-in :mod:`shinchoku.addin`) has two sheets:

* ``進行管理シート`` — the published sheet's columns (No, 推進方策・目標・施策, 主管課,
  関係課, 事業内容, 計画 R1 R2 R3) and one block per fiscal year (進捗状況 / 実績 / 課題 /
  次年度へ向けた取組 / 備考) under a two-row header; one row per initiative and lead
  department, No and 主管課 in every row (the row's key: rows may be re-sorted or
  filtered); strategy and goal rows between them.  An open year's block has one more,
  read-only column before 実績: the previous year's 次年度へ向けた取組.
* ``shinchoku`` (hidden) — the state: row 1 the base commit and settings, row 2 one code
  per column of the main sheet (``edit:R3:実績``), then one row per data row with every
  value as pulled.  Edits are what differs from these values, not from HEAD.

Everything here works on plain values (lists of rows as xlwings or openpyxl give them),
so it is tested without Excel; nothing here imports xlwings or openpyxl.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from shinchoku.model import schema
from shinchoku.model.celltext import cell_text
from shinchoku.model.fields import DEPARTMENT, FieldChange, FieldRef, Record, text_or_none
from shinchoku.model.plan import Plan
from shinchoku.sheet import published

if TYPE_CHECKING:
    from shinchoku.rules.validate import Problem

SHEET_NAME = "進行管理シート"
STATE_SHEET = "shinchoku"
ERROR_SHEET = "エラー"
CONFLICT_SHEET = "競合"
HISTORY_SHEET = "履歴"
REVIEW_SHEET = "変更確認"
PROGRESS_SHEET = "提出状況"

TITLE_ROW = 1
HEADER_ROW = 2               # year labels / fixed headers
SUBHEADER_ROW = 3            # field titles
FIRST_DATA_ROW = 4
STATE_MAGIC = "shinchoku-state"
STATE_VERSION = 1
STATE_KEY_ROW = 2
STATE_FIRST_ROW = 3

CONTEXT_FIELD = "次年度へ向けた取組"   # shown, read-only, beside the next (open) year's 実績
CONTEXT_BEFORE = "実績"

ERROR_VALUES = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!",
                          "#DATA!", "#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!",
                          "#CONNECT!", "#BUSY!", "#UNKNOWN!"})

# colours the add-in paints (the template paints the rest)
EDITABLE_FILL = "#FFFFFF"
ERROR_FILL = "#FFC7CE"
CONFLICT_FILL = "#FFD966"
BAND_GAP = 20    # changed cells further apart than this many rows are written separately


# ----------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Column:
    index: int          # 1-based
    kind: str           # fixed | plan | edit (open year) | closed (closed year) | context
    key: str            # fixed key, plan year, or report field
    year: str = ""

    @property
    def code(self) -> str:
        if self.kind in ("fixed", "plan"):
            return f"{self.kind}:{self.key}"
        return f"{self.kind}:{self.year}:{self.key}"

    @classmethod
    def parse(cls, index: int, code: str) -> "Column | None":
        parts = str(code or "").split(":")
        if len(parts) == 2 and parts[0] in ("fixed", "plan"):
            return cls(index, parts[0], parts[1])
        if len(parts) == 3 and parts[0] in ("edit", "closed", "context"):
            return cls(index, parts[0], parts[2], parts[1])
        return None

    @property
    def is_field(self) -> bool:
        return self.kind in ("edit", "closed")


@dataclass
class Layout:
    columns: list[Column]

    @classmethod
    def build(cls, plan: Plan, root: Path | None = None) -> "Layout":
        fields = published.report_fields(root)
        cols: list[Column] = []

        def add(kind: str, key: str, year: str = "") -> None:
            cols.append(Column(len(cols) + 1, kind, key, year))

        for key, _h, _w in published.FIXED:
            add("fixed", key)
        for y in plan.plan_years:
            add("plan", y)
        labels = plan.year_labels
        for k, year in enumerate(plan.years):
            for f in fields:
                if year.open and f == CONTEXT_BEFORE and k > 0 and CONTEXT_FIELD in fields:
                    add("context", CONTEXT_FIELD, labels[k - 1])
                add("edit" if year.open else "closed", f, year.label)
        return cls(cols)

    @classmethod
    def from_codes(cls, codes: Iterable[Any]) -> "Layout":
        cols = []
        for i, code in enumerate(codes, start=1):
            col = Column.parse(i, code)
            if col is not None:
                cols.append(col)
        return cls(cols)

    @property
    def codes(self) -> list[str]:
        out = [""] * self.width
        for c in self.columns:
            out[c.index - 1] = c.code
        return out

    def __post_init__(self) -> None:
        # asked for once per cell: worked out once
        self.width = max((c.index for c in self.columns), default=0)
        self._fixed = {c.key: c.index for c in self.columns if c.kind == "fixed"}
        self._fields = [c for c in self.columns if c.is_field]

    def fixed(self, key: str) -> int:
        return self._fixed[key]

    def field_columns(self) -> list[Column]:
        return self._fields

    def editable(self) -> list[Column]:
        return [c for c in self.columns if c.kind == "edit"]

    def years(self) -> list[str]:
        return list(dict.fromkeys(c.year for c in self.columns if c.is_field))

    def open_years(self) -> list[str]:
        return list(dict.fromkeys(c.year for c in self.columns if c.kind == "edit"))

    def column_of(self, year: str, field_name: str) -> Column | None:
        return next((c for c in self.columns if c.is_field and c.year == year and c.key == field_name), None)

    def runs(self, kinds: tuple[str, ...] = ("edit",)) -> list[tuple[int, int]]:
        """Contiguous (first, last) column ranges of the given kinds."""
        idx = sorted(c.index for c in self.columns if c.kind in kinds)
        out: list[tuple[int, int]] = []
        for i in idx:
            if out and out[-1][1] == i - 1:
                out[-1] = (out[-1][0], i)
            else:
                out.append((i, i))
        return out

    def headers(self, root: Path | None = None) -> tuple[list[str], list[str]]:
        """The two header rows' texts (row 2, row 3) as the sheet shows them
        (before merging: a year label stands over the first column of its block)."""
        top = [""] * self.width
        sub = [""] * self.width
        title = schema.shape(root).title
        fixed_headers = {k: h for k, h, _w in published.FIXED}
        seen_year: set[str] = set()
        plan_seen = False
        for c in self.columns:
            i = c.index - 1
            if c.kind == "fixed":
                top[i] = fixed_headers[c.key]
            elif c.kind == "plan":
                if not plan_seen:
                    top[i] = published.PLAN_HEADER
                    plan_seen = True
                sub[i] = c.key
            elif c.kind == "context":
                sub[i] = f"{c.year}の{title(CONTEXT_FIELD)}（参考）"
            else:
                if c.year not in seen_year:
                    seen_year.add(c.year)
                    top[i] = f"{c.year}年度（{'受付中' if c.kind == 'edit' else '締切'}）"
                sub[i] = title(c.key)
        return top, sub

    def block(self, year: str) -> tuple[int, int]:
        """(first, last) column of a year's block, its context column included."""
        idx = [c.index for c in self.columns if c.year == year and c.is_field]
        ctx = [c.index for c in self.columns if c.kind == "context"
               and min(idx, default=0) < c.index < max(idx, default=0)]
        allidx = idx + ctx
        return min(allidx), max(allidx)


def col_letter(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def address(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


def unknown_department(plan: Plan | None, department: str) -> str | None:
    """Why ``department`` names no lead department of the plan (Japanese, listing the
    real ones), or None (also when there is no plan to judge by): a misspelt department
    would otherwise give an empty workbook or "nothing to send"."""
    if not department or plan is None:
        return None
    known = plan.departments()
    if not known or department in known:
        return None
    return (f"「{department}」という課は、計画（plan.yaml）の主管課にありません。"
            f"主管課は {'・'.join(known)} です")


# ----------------------------------------------------------------------------- values


def is_error_value(value: Any) -> bool:
    return isinstance(value, str) and value.strip() in ERROR_VALUES


def text_of(value: Any) -> str | None:
    """A cell value as record text for comparing (see :func:`celltext.cell_text`); an
    empty cell is None."""
    return cell_text(value) or None


# Texts Excel would not keep as typed: numbers (full-width digits too), dates in any of
# the forms Japanese Excel reads (2020/4/1, 4月1日, R2.4.1, 令和2年4月1日), times,
# percentages, TRUE/FALSE, formulas and error names, accounting negatives "(1)" and
# currency "¥1,000", "$5".  Marking a few more than needed is harmless: the apostrophe
# only says "this is text".
_COERCED = re.compile(r"^\s*(?:[-+=@#'.0-9\uff10-\uff19\uff0b\uff0d\uff1d(\uff08$\uff04\u00a5\uffe5\u20ac\u00a3]"
                      r"|(?:[MTSHRmtshr]|明治|大正|昭和|平成|令和)\s*[0-9\uff10-\uff19]"
                      r"|(?:true|false)\s*$)", re.I)


def to_cell(text: str | None) -> str:
    """What to write into a cell so that Excel keeps ``text`` as text: a leading
    apostrophe where Excel would otherwise read a number, a date, a formula or an error."""
    if text is None:
        return ""
    if _COERCED.match(text):
        return "'" + text
    return text


def cell_problem(col: Column, value: Any, root: Path | None = None) -> str | None:
    """Why a sheet value cannot go into ``col``'s field (Japanese), or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if is_error_value(value):
        return f"計算式のエラー（{value.strip()}）になっています。文字を入力し直してください"
    if isinstance(value, bool):
        return "TRUE/FALSE の値になっています。文字で入力してください"
    if isinstance(value, (int, float)):
        return "数値として入力されています。文字として入力してください（先頭に ' を付けると文字になります）"
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return "日付・時刻として入力されています。文字として入力してください（先頭に ' を付けると文字になります）"
    text = text_of(value)
    if text is None:
        return None
    from shinchoku.rules.validate import value_problem

    return value_problem(schema.shape(root).spec(col.key), text)     # in the checker's words


def _clip(text: str, n: int = 20) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# ----------------------------------------------------------------------------- rows


@dataclass
class DataRow:
    row: int                 # 1-based sheet row
    no: int
    department: str
    values: list[Any]        # the whole sheet row (0-based by column)

    @property
    def key(self) -> tuple[int, str]:
        return (self.no, self.department)

    def get(self, col: int) -> Any:
        return self.values[col - 1] if col - 1 < len(self.values) else None


def _as_no(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    # isdecimal, not isdigit: ① and ² are "digits" that int() refuses.
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    return None


def data_rows(values: list[list[Any]], layout: Layout, first: int = FIRST_DATA_ROW) -> tuple[list[DataRow], list[int]]:
    """(rows with a No and a 主管課, other rows that hold something in a field column)."""
    no_col, dept_col = layout.fixed("No"), layout.fixed("主管課")
    rows, stray = [], []
    fields = layout.field_columns()
    for r in range(first, len(values) + 1):
        line = list(values[r - 1])
        no = _as_no(line[no_col - 1]) if no_col - 1 < len(line) else None
        dept = text_of(line[dept_col - 1]) if dept_col - 1 < len(line) else None
        if no is not None and dept:
            rows.append(DataRow(r, no, dept.strip(), line))
        elif any(c.index - 1 < len(line) and text_of(line[c.index - 1]) for c in fields if c.kind == "edit"):
            stray.append(r)
    return rows, stray


# ----------------------------------------------------------------------------- state


@dataclass
class State:
    """The hidden sheet's content.  Each data row's line holds the values as Excel holds
    them (what :func:`to_cell` wrote), in the main sheet's columns, so that an unchanged
    row is recognised by comparing two slices; ``rows`` says where each line sits in the
    state sheet, ``dirty`` which lines need writing."""

    layout: Layout
    base: str = ""
    department: str = ""
    pulled_at: str = ""
    marked: list[str] = field(default_factory=list)       # cells the add-in coloured
    lines: dict[tuple[int, str], list[Any]] = field(default_factory=dict)
    rows: dict[tuple[int, str], int] = field(default_factory=dict)
    dirty: set[tuple[int, str]] = field(default_factory=set)

    def __contains__(self, key: tuple[int, str]) -> bool:
        return key in self.lines

    def value(self, key: tuple[int, str], col: Column) -> str | None:
        line = self.lines.get(key)
        if line is None or col.index - 1 >= len(line):
            return None
        return text_of(line[col.index - 1])

    def _line(self, key: tuple[int, str]) -> list[Any]:
        line = self.lines.get(key)
        if line is None:
            line = [None] * self.layout.width
            line[self.layout.fixed("No") - 1] = float(key[0])
            line[self.layout.fixed("主管課") - 1] = key[1]
            self.lines[key] = line
            self.dirty.add(key)
        elif len(line) < self.layout.width:
            line.extend([None] * (self.layout.width - len(line)))
        return line

    def add(self, key: tuple[int, str]) -> None:
        self._line(key)

    def set(self, key: tuple[int, str], col: Column, text: str | None) -> None:
        line = self._line(key)
        if text_of(line[col.index - 1]) != text:
            line[col.index - 1] = text
            self.dirty.add(key)

    def copy(self) -> "State":
        return State(self.layout, self.base, self.department, self.pulled_at, list(self.marked),
                     {k: list(v) for k, v in self.lines.items()}, dict(self.rows), set())

    def meta_row(self) -> list[Any]:
        return [STATE_MAGIC, STATE_VERSION, to_cell(self.base), to_cell(self.department), to_cell(self.pulled_at),
                to_cell(json.dumps(self.marked, ensure_ascii=False))]

    def _cells(self, line: list[Any]) -> list[Any]:
        no_col = self.layout.fixed("No") - 1
        return [v if (i == no_col or v is None or is_error_value(v) or not isinstance(v, str)) else to_cell(v)
                for i, v in enumerate(line)] + [""] * (self.layout.width - len(line))

    def grid(self, order: list[tuple[int, str]] | None = None) -> list[list[Any]]:
        """The whole state sheet (row 1 meta, row 2 codes, one row per data row)."""
        width = max(self.layout.width, len(self.meta_row()))
        meta = self.meta_row()
        rows = [meta + [""] * (width - len(meta)), self.layout.codes + [""] * (width - self.layout.width)]
        keys = order if order is not None else list(self.lines)
        for n, key in enumerate(keys):
            rows.append([("" if v is None else v) for v in self._cells(self._line(key))] + [""] * (width - self.layout.width))
            self.rows[key] = STATE_FIRST_ROW + n
        self.dirty.clear()
        return rows

    def updates(self) -> list[tuple[int, list[list[Any]]]]:
        """(first row, block) for the lines that changed (new keys go after the last row)."""
        nxt = max(self.rows.values(), default=STATE_FIRST_ROW - 1) + 1
        for key in self.lines:
            if key not in self.rows:
                self.rows[key] = nxt
                nxt += 1
                self.dirty.add(key)
        by_row = sorted((self.rows[k], k) for k in self.dirty)
        out: list[tuple[int, list[list[Any]]]] = []
        for r, key in by_row:
            line = [("" if v is None else v) for v in self._cells(self.lines[key])]
            if out and out[-1][0] + len(out[-1][1]) == r:
                out[-1][1].append(line)
            else:
                out.append((r, [line]))
        self.dirty.clear()
        return out


def read_state(values: list[list[Any]]) -> State | None:
    """The state kept in the hidden sheet (None when it is not a shinchoku state)."""
    if len(values) < STATE_KEY_ROW or not values[0] or values[0][0] != STATE_MAGIC:
        return None
    meta = list(values[0]) + [None] * 6
    layout = Layout.from_codes(values[STATE_KEY_ROW - 1])
    if not layout.columns:
        return None
    try:
        marked = json.loads(meta[5]) if isinstance(meta[5], str) and meta[5] else []
    except ValueError:
        marked = []
    state = State(layout, base=text_of(meta[2]) or "", department=text_of(meta[3]) or "",
                  pulled_at=text_of(meta[4]) or "", marked=[m for m in marked if isinstance(m, str)])
    rows, _stray = data_rows(values, layout, STATE_FIRST_ROW)
    width = layout.width
    for row in rows:
        line = list(row.values[:width])
        if len(line) < width:
            line.extend([None] * (width - len(line)))
        state.lines[row.key] = line
        state.rows[row.key] = row.row
    return state


def same_cells(a: list[Any], b: list[Any], spans: list[tuple[int, int]]) -> bool:
    """Whether two rows hold the same values in the given (first, last) column spans."""
    for first, last in spans:
        if a[first - 1:last] != b[first - 1:last]:
            x, y = a[first - 1:last], b[first - 1:last]
            n = last - first + 1
            if len(x) < n:
                x = x + [None] * (n - len(x))
            if len(y) < n:
                y = y + [None] * (n - len(y))
            if x != y:
                return False
    return True


# ----------------------------------------------------------------------------- reading edits


@dataclass(frozen=True)
class CellProblem:
    address: str             # M12 (or "" when it concerns no one cell)
    label: str               # R3 No.5 指導室 実績
    message: str


@dataclass
class SheetReading:
    """What the sheet says since the pull: the edits (one :class:`FieldChange` per cell,
    ``before`` the value it was made against) and where each edit's cell is, the problems
    found on cells, and the rows left out."""

    layout: Layout
    rows: list[DataRow]
    edits: list[FieldChange]
    problems: list[CellProblem]
    skipped: list[str]       # notes: rows left out (another department, deleted rows …)
    cells: dict[FieldRef, str] = field(default_factory=dict)      # each edit's cell (M12)

    def cell(self, ref: FieldRef) -> str:
        """The address of ``ref``'s cell ("" when the sheet does not show it); 主管課 is
        the row's 主管課 cell."""
        if ref in self.cells:
            return self.cells[ref]
        col = self.layout.column_of(ref.year, ref.field)
        index = col.index if col is not None else (self.layout.fixed(DEPARTMENT) if ref.field == DEPARTMENT else None)
        row = next((r for r in self.rows if r.key == (ref.no, ref.department)), None)
        return address(row.row, index) if index is not None and row is not None else ""

    def place(self, problem: "Problem", root: Path | None = None) -> CellProblem:
        """A finding of the records' checks (or the central repository's, read back with
        :meth:`Problem.parse`) on the cell of the field it names."""
        from shinchoku.model.records import record_key

        ref = problem.ref
        if ref is not None:
            return CellProblem(self.cell(ref), ref.label(schema.shape(root).title(ref.field)), problem.message)
        parsed = record_key(problem.path)
        return CellProblem("", f"{parsed[0]} No.{parsed[1]}" if parsed else problem.path, problem.message)


def header_problem(values: list[list[Any]], layout: Layout, root: Path | None = None) -> CellProblem | None:
    """A problem when no header row above the data still names every field column as
    the workbook was made: a deleted or moved column would otherwise be read as cells
    emptied or changed (a deleted last column deletes that field of every report)."""
    _top, expected = layout.headers(root)
    wanted = [(c.index, expected[c.index - 1], c.key) for c in layout.field_columns()]

    def mismatch(line: list[Any]) -> tuple[int, str, str] | None:
        for index, title_text, key in wanted:
            got = text_of(line[index - 1]) if index - 1 < len(line) else None
            if (got or "").strip() not in (title_text, key):
                return index, title_text, got or ""
        return None

    first = None
    for r in range(1, min(FIRST_DATA_ROW, len(values) + 1)):
        found = mismatch(list(values[r - 1]))
        if found is None:
            return None
        if r == FIRST_DATA_ROW - 1:
            first = found
    index, title_text, got = first or (wanted[0][0], wanted[0][1], "") if wanted else (1, "", "")
    return CellProblem(address(FIRST_DATA_ROW - 1, index), "見出し",
                       f"見出しが「{title_text}」ではなく{'「' + _clip(got) + '」' if got else '空'}になっています。列を削除・移動したときは元に戻すか、"
                       "shinchoku workbook でブックを作り直してください（このままでは別の項目として読まれるため、何もしません）")


def read_edits(values: list[list[Any]], state: State, plan: "Plan | Callable[[], Plan | None] | None",
               department: str = "", root: Path | None = None, *,
               found: tuple[list[DataRow], list[int]] | None = None) -> SheetReading:
    """Cells changed since the pull, checked cell by cell against the schema and the plan
    (``plan`` may be a function: it is only called for a row the last pull did not fill;
    which years are open is the workbook's own layout — a year closed since then is
    refused by the records' checks when sending).  ``found``: :func:`data_rows` of
    ``values``, when the caller has them."""
    layout = state.layout
    rows, stray = found or data_rows(values, layout)
    wrong_headers = header_problem(values, layout, root)
    if wrong_headers is not None:
        return SheetReading(layout, rows, [], [wrong_headers], [])
    planned: dict[int, Any] | None = None
    resolved = False

    def resolve() -> None:
        nonlocal planned, resolved, plan
        if resolved:
            return
        resolved = True
        if callable(plan):
            plan = plan()
        if plan is not None:
            planned = {i.no: i for i in plan.initiatives()}
    edits: list[FieldChange] = []
    cells: dict[FieldRef, str] = {}
    problems: list[CellProblem] = []
    skipped: list[str] = []
    seen: dict[tuple[int, str], int] = {}
    for r in stray:
        no_cell = values[r - 1][layout.fixed("No") - 1] if layout.fixed("No") - 1 < len(values[r - 1]) else None
        shown = text_of(no_cell) if not isinstance(no_cell, (int, float)) or isinstance(no_cell, bool) else None
        message = (f"No「{_clip(shown.strip())}」を施策の番号として読めません。半角の数字（5 など）にしてください"
                   if shown else "No と主管課のない行に入力があります。施策の行に入力してください")
        problems.append(CellProblem(address(r, layout.fixed("No")), f"{r}行目", message))
    spans = layout.runs(("edit", "closed"))
    title = schema.shape(root).title
    for row in rows:
        label = f"No.{row.no} {row.department}"
        if row.key in state and row.key not in seen and same_cells(row.values, state.lines[row.key], spans):
            seen[row.key] = row.row
            continue
        if row.key in seen:
            problems.append(CellProblem(address(row.row, layout.fixed("No")), label,
                                        f"同じ施策・主管課の行が2つあります（{seen[row.key]}行目と{row.row}行目）。どちらかを消してください"))
            continue
        seen[row.key] = row.row
        changed = []
        for col in layout.field_columns():
            raw = row.get(col.index)
            now = text_of(raw) if not is_error_value(raw) else raw.strip()
            before = state.value(row.key, col)
            if now == before and not is_error_value(raw):
                continue
            changed.append((col, raw, before, now))
        if not changed:
            continue
        if department and row.department != department:
            skipped.append(f"{label}（{row.row}行目）は自分の課（{department}）の行ではないため送りません")
            continue
        if row.key not in state:
            resolve()
            known = planned is None or (row.no in planned and row.department in planned[row.no].departments)
            if not known:
                problems.append(CellProblem(address(row.row, layout.fixed("No")), label,
                                            "計画（plan.yaml）にない施策・主管課の行です。No と主管課を確かめてください"))
                continue
        for col, raw, before, now in changed:
            where = address(row.row, col.index)
            what = f"{col.year} {label} {title(col.key)}"
            if col.kind == "closed":
                problems.append(CellProblem(where, what, f"{col.year}年度は締め切られているため変更できません。元の内容に戻してください"))
                continue
            problem = cell_problem(col, raw, root)
            if problem:
                problems.append(CellProblem(where, what, problem))
                continue
            ref = FieldRef(col.year, row.no, row.department, col.key)
            edits.append(FieldChange(ref, before, now))
            cells[ref] = where
    return SheetReading(layout, rows, edits, problems, skipped, cells)


# ----------------------------------------------------------------------------- filling


@dataclass
class Fill:
    """What to write after a pull or a push: editable column runs over the data area,
    and the new state."""
    first_row: int
    last_row: int
    state: State
    cells: dict[tuple[int, int], str | None] = field(default_factory=dict)   # (row, col) -> new text
    updated: int = 0          # cells that took a new value from the repository
    kept: int = 0             # cells left as the user typed them (not sent yet)
    missing: list[tuple[int, str]] = field(default_factory=list)   # plan rows the sheet lacks
    closed_changed: int = 0   # closed-year cells whose value changed upstream

    def bands(self, values: list[list[Any]]) -> list[tuple[int, int, list[list[Any]]]]:
        """(first col, first row, block) to write: per run of editable columns, blocks of
        rows around the cells whose value changes (cells in between are written with the
        value they have)."""
        out = []
        for first, last in self.state.layout.runs(("edit",)):
            changed = []
            for (r, c), new in self.cells.items():
                if first <= c <= last:
                    cur = values[r - 1][c - 1] if r - 1 < len(values) and c - 1 < len(values[r - 1]) else None
                    if is_error_value(new) and new == cur:
                        continue
                    if new != text_of(cur) or not isinstance(cur, (str, type(None))):
                        changed.append(r)
            groups: list[list[int]] = []
            known = {r for (r, c) in self.cells if first <= c <= last}
            for r in sorted(set(changed)):
                # bridge a short gap only over rows of our own: a heading row (推進方策,
                # 目標) in between is locked, and writing it fails on a protected sheet
                if groups and r - groups[-1][1] <= BAND_GAP and all(
                        g in known for g in range(groups[-1][1] + 1, r)):
                    groups[-1][1] = r
                else:
                    groups.append([r, r])
            for top, bottom in groups:
                block = []
                for r in range(top, bottom + 1):
                    line = []
                    for c in range(first, last + 1):
                        if (r, c) in self.cells:
                            v = self.cells[(r, c)]
                        else:
                            v = values[r - 1][c - 1] if r - 1 < len(values) and c - 1 < len(values[r - 1]) else None
                            v = v if is_error_value(v) else text_of(v)
                        line.append(v if is_error_value(v) else to_cell(v))
                    block.append(line)
                out.append((first, top, block))
        return out


def fill(values: list[list[Any]], state: State, records: dict[tuple[str, int], dict[str, Any]],
         base: str, plan: Plan | None = None, department: str = "",
         keep: dict[FieldRef, str | None] | None = None,
         pulled_at: str = "", only: set[tuple[str, int]] | None = None,
         found: tuple[list[DataRow], list[int]] | None = None) -> Fill:
    """The sheet's editable cells and the state after taking ``records`` (at ``base``).

    A cell the user changed since the last pull keeps its text and its pulled value
    (so that sending it later still detects someone else's change); ``keep`` gives the
    base value such a field's cell should have instead (after a push: the sent value, or
    the other person's value of a conflict).

    ``only``: the (年度, No) of the records that changed since the state's base; the others
    are taken to hold what the state says (``records`` then needs only those).
    ``found``: :func:`data_rows` of ``values``, when the caller has them."""
    layout = state.layout
    rows, _stray = found or data_rows(values, layout)
    keep = keep or {}
    new = state.copy()
    new.base, new.department, new.pulled_at = base, department, pulled_at or state.pulled_at
    spans = layout.runs(("edit", "closed"))
    years = layout.years()
    keep_keys = {(ref.no, ref.department) for ref in keep}
    index: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}   # (年度, No) -> 主管課 -> report
    last_row = max([len(values), FIRST_DATA_ROW] + [r.row for r in rows])
    seen: set[tuple[int, str]] = set()
    result = Fill(FIRST_DATA_ROW, last_row, new)
    cells: dict[tuple[int, int], str | None] = {}     # only cells that take a value from the records
    for row in rows:
        if row.key in seen:
            continue
        seen.add(row.key)
        mine = not department or row.department == department
        kept = row.key in keep_keys
        if (only is not None and row.key in state and not any((y, row.no) in only for y in years)
                and not kept
                and same_cells(row.values, state.lines[row.key], spans)):
            continue        # nothing changed on either side
        for col in layout.field_columns():
            raw = row.get(col.index)
            now = text_of(raw) if not is_error_value(raw) else raw
            pulled = state.value(row.key, col)
            edited = (now != pulled) or is_error_value(raw)
            ref = FieldRef(col.year, row.no, row.department, col.key) if kept else None
            if only is not None and (col.year, row.no) not in only:
                head = pulled
            else:
                reports = index.get((col.year, row.no))
                if reports is None:
                    reports = index[(col.year, row.no)] = Record(records.get((col.year, row.no))).reports()
                head = text_or_none(reports.get(row.department, {}).get(col.key))
            if ref is not None and ref in keep:
                new.set(row.key, col, keep[ref])
            elif not mine:
                new.set(row.key, col, pulled)
            elif col.kind == "closed":
                # locked cells keep what the workbook was made with (the add-in does not
                # write into them); a change upstream is only counted
                new.set(row.key, col, pulled)
                if head != pulled:
                    result.closed_changed += 1
            elif edited:
                # typed since the last pull (or in a row the last pull did not fill)
                new.set(row.key, col, pulled)
                result.kept += 1
            else:
                new.set(row.key, col, head)
                if head != now:
                    result.updated += 1
                cells[(row.row, col.index)] = head
    result.cells = cells
    if plan is not None:
        for i in plan.initiatives():
            for d in i.departments:
                if (i.no, d) not in seen and (not department or d == department):
                    result.missing.append((i.no, d))
    return result

"""A small stand-in for Excel running xlwings' VBA remote client, for the add-in tests.

It holds a workbook's cells (read from a real .xlsx with openpyxl: values, which cells
are unlocked, which sheets are protected, fills), builds the JSON payload the VBA client
sends (``RunRemotePython``: every sheet's values from A1 to the end of the used range,
the selection, the active sheet), runs an add-in function on ``xw.Book(json=payload)``
through xlwings' own remote engine, and applies the returned actions as
``xlwings/addin/Remote.bas`` does — only the actions that module implements; any other
raises, and so does writing into a locked cell of a protected sheet (Excel's error 1004).

Typing into a cell (:meth:`Excel.type`) follows Excel too: a locked cell of a protected
sheet refuses it.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import xlwings as xw

REMOTE_BAS = Path(xw.__file__).parent / "addin" / "Remote.bas"


def implemented_actions(client: str = "VBA") -> set[str]:
    """The action names xlwings' VBA remote client implements (its ``Sub name(wb, action)``),
    or, for ``client="Office.js"``, those xlwings Server's Office.js client dispatches (the
    keys of ``funcs`` in its custom-scripts/index.js)."""
    if client == "Office.js":
        text = officejs_source().read_text(encoding="utf-8")
        body = text[text.index("let funcs = {"):]
        body = body[:body.index("};")]
        return set(re.findall(r"^\s+(\w+)(?::|,)", body, re.M))
    text = REMOTE_BAS.read_text(encoding="utf-8", errors="replace")
    return set(re.findall(r"^Sub (\w+)\(wb As Workbook, action As Dictionary\)", text, re.M))


def officejs_source() -> Path:
    """xlwings Server's Office.js client (the JavaScript the task pane and ribbon load).
    Found without importing the package: importing it sets XLWINGS_ON_SERVER in this
    process, which every xlwings started from the tests would then inherit."""
    import importlib.util

    package = Path(importlib.util.find_spec("xlwings_server").submodule_search_locations[0])
    return package / "static" / "js" / "custom-scripts" / "index.js"


class ExcelError(Exception):
    pass


@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    colours: dict[tuple[int, int], str] = field(default_factory=dict)
    unlocked: set[tuple[int, int]] = field(default_factory=set)
    protected: bool = False
    text_format: set[tuple[int, int]] = field(default_factory=set)   # cells formatted "@"
    visible: bool = True

    def size(self) -> tuple[int, int]:
        keys = [k for k, v in self.cells.items() if v not in (None, "")]
        if not keys:
            return 0, 0
        return max(r for r, _c in keys), max(c for _r, c in keys)

    def values(self) -> list[list[Any]]:
        rows, cols = self.size()
        if not rows:
            return [[]]
        return [[self.cells.get((r, c), "") for c in range(1, cols + 1)] for r in range(1, rows + 1)]

    def get(self, addr: str) -> Any:
        return self.cells.get(cell_key(addr))

    def check_writable(self, r: int, c: int) -> None:
        if self.protected and (r, c) not in self.unlocked:
            raise ExcelError(f"1004: cell {r},{c} of the protected sheet {self.name} is locked")


def cell_key(addr: str) -> tuple[int, int]:
    m = re.match(r"^\$?([A-Z]+)\$?(\d+)$", addr)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


_ACCOUNTING = re.compile(r"^\s*(?P<neg>\()?\s*(?P<cur>[$¥￥])?\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+\.?\d*)\s*(?(neg)\))\s*$")


def _excel_number(text: str) -> float | None:
    """Japanese Excel also reads ``(1)`` as -1, ``¥1,000`` and ``$5`` as currency and
    ``1,000`` as 1000 when they go into a General cell."""
    m = _ACCOUNTING.match(text)
    if not m:
        return None
    value = float(m.group("num").replace(",", ""))
    return -value if m.group("neg") else value


def excel_value(value: Any, text_cell: bool) -> Any:
    """What a cell holds after ``Range.Value = value`` (or typing ``value``)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if value.startswith("'"):
            return value[1:]
        if text_cell:
            return value
        if _NUMBER.match(value):
            return float(value)
        number = _excel_number(value)
        if number is not None:
            return number
        if value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


class Excel:
    """One open workbook and the alerts it showed."""

    def __init__(self, path: Path):
        from openpyxl import load_workbook

        self.name = Path(path).name
        self.sheets: list[Sheet] = []
        self.active = 0
        self.selection: tuple[int, str] | None = None      # (sheet index, A1)
        self.alerts: list[tuple[str, str, str]] = []
        self.actions: list[dict[str, Any]] = []
        wb = load_workbook(path)
        for ws in wb.worksheets:
            sheet = Sheet(ws.title, protected=bool(ws.protection.sheet), visible=ws.sheet_state == "visible")
            for row in ws.iter_rows():
                for cell in row:
                    key = (cell.row, cell.column)
                    if cell.value is not None:
                        v = cell.value
                        if isinstance(v, (int, float)) and not isinstance(v, bool):
                            v = float(v)
                        sheet.cells[key] = v
                    if cell.protection is not None and cell.protection.locked is False:
                        sheet.unlocked.add(key)
                    if cell.number_format == "@":
                        sheet.text_format.add(key)
                    fg = cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type == "solid" else None
                    if isinstance(fg, str):
                        sheet.colours[key] = "#" + fg[-6:].upper()
            self.sheets.append(sheet)

    def sheet(self, name: str) -> Sheet:
        return next(s for s in self.sheets if s.name == name)

    # -- what a person does ----------------------------------------------------------------
    def type(self, sheet: str, addr: str, value: Any) -> None:
        s = self.sheet(sheet)
        r, c = cell_key(addr)
        s.check_writable(r, c)
        s.cells[(r, c)] = excel_value(value, (r, c) in s.text_format)

    def select(self, sheet: str, addr: str) -> None:
        self.active = next(i for i, s in enumerate(self.sheets) if s.name == sheet)
        self.selection = (self.active, addr)

    def sort_rows(self, sheet: str, first_row: int, key: Callable[[list[Any]], Any], reverse: bool = False) -> None:
        """Data → Sort on rows ``first_row``… (values, colours and locks move with the rows;
        only possible in Excel on an unprotected sheet)."""
        s = self.sheet(sheet)
        rows, cols = s.size()
        lines = []
        for r in range(first_row, rows + 1):
            lines.append(([s.cells.get((r, c)) for c in range(1, cols + 1)],
                          {c: s.colours[(r, c)] for c in range(1, cols + 1) if (r, c) in s.colours},
                          {c for c in range(1, cols + 1) if (r, c) in s.unlocked}))
        lines.sort(key=lambda line: key(line[0]), reverse=reverse)
        for offset, (vals, colours, unlocked) in enumerate(lines):
            r = first_row + offset
            for c in range(1, cols + 1):
                s.cells[(r, c)] = vals[c - 1]
                s.colours.pop((r, c), None)
                s.unlocked.discard((r, c))
                if c in colours:
                    s.colours[(r, c)] = colours[c]
                if c in unlocked:
                    s.unlocked.add((r, c))

    # -- the remote client -------------------------------------------------------------
    def payload(self) -> dict[str, Any]:
        sel = None
        if self.selection is not None and self.selection[0] == self.active:
            sel = self.selection[1]
        return {
            "client": "VBA", "version": xw.__version__,
            "book": {"name": self.name, "active_sheet_index": self.active, "selection": sel},
            "names": [],
            "sheets": [{"name": s.name, "values": [[_payload_value(v) for v in row] for row in s.values()],
                        "pictures": [], "tables": []} for s in self.sheets],
        }

    def officejs_payload(self) -> dict[str, Any]:
        """The payload xlwings Server's Office.js client builds (``getBookData``): per sheet
        the values of A1 to the last used cell (empty cells "", numbers as JavaScript
        writes them) and the sheet's metadata."""
        sel = None
        if self.selection is not None and self.selection[0] == self.active:
            sel = self.selection[1]
        sheets = []
        for s in self.sheets:
            rows, cols = s.size()
            values = [[_js_value(s.cells.get((r, c))) for c in range(1, cols + 1)]
                      for r in range(1, rows + 1)] if rows else [[""]]
            used = f"A1:{_column_name(cols)}{rows}" if rows else None
            sheets.append({"name": s.name, "visibility": "Visible" if s.visible else "Hidden",
                           "show_gridlines": True, "print_area": None, "notes": [], "notes_supported": True,
                           "used_range_address": used, "used_range_row_count": rows,
                           "used_range_column_count": cols, "values": values, "pictures": [], "shapes": [],
                           "charts": [], "tables": [], "pivot_tables": []})
        return {"client": "Office.js", "version": xw.__version__,
                "book": {"name": self.name, "active_sheet_index": self.active, "selection": sel,
                         "calculation": "Automatic"},
                "names": [], "sheets": sheets}

    def call(self, base_url: str, script: str, auth: str | None = None, *, client: str = "VBA",
             timeout: float = 120) -> tuple[int, list[tuple[str, str, str]]]:
        """Press a button of the server variant: POST the payload to xlwings Server's
        ``/xlwings/custom-scripts-call/<script>`` as the client does (the token in the
        Authorization header), apply the actions of a 200 reply; any other reply is shown
        as the VBA client shows it (``MsgBox myResponse.Content, vbCritical, "Error"``) or
        as the Office.js client does (the reply's text in an alert).  Returns the HTTP
        status and the alerts shown."""
        import json
        import urllib.error
        import urllib.request

        payload = self.payload() if client == "VBA" else self.officejs_payload()
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = auth
        request = urllib.request.Request(f"{base_url}/xlwings/custom-scripts-call/{script}",
                                         data=json.dumps(payload).encode("utf-8"), headers=headers, method="POST")
        before = len(self.alerts)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                status, body = reply.status, reply.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        except OSError as exc:      # no reply at all: the client's own error dialog, nothing applied
            self.alerts.append((f"{type(exc).__name__}: {exc}", "Error", "critical"))
            return 0, self.alerts[before:]
        if status == 200:
            self.apply(json.loads(body)["actions"], client)
        else:
            self.alerts.append((body.decode("utf-8", "replace"), "Error", "critical"))
        return status, self.alerts[before:]

    def address(self, year: str, no: int, dept: str, field: str) -> str:
        """The cell of a report field in the workbook's main sheet (by its state sheet)."""
        from shinchoku.sheet import sheetmodel as sm

        codes = self.sheet(sm.STATE_SHEET).values()[sm.STATE_KEY_ROW - 1]
        code = f"edit:{year}:{field}" if f"edit:{year}:{field}" in codes else f"closed:{year}:{field}"
        col = codes.index(code) + 1
        main = self.sheet(sm.SHEET_NAME)
        rows, _c = main.size()
        for r in range(sm.FIRST_DATA_ROW, rows + 1):
            if main.cells.get((r, 1)) == float(no) and main.cells.get((r, 3)) == dept:
                return sm.address(r, col)
        raise KeyError((no, dept))

    def run(self, func: Callable[[Any], None]) -> list[tuple[str, str, str]]:
        """Run an add-in function as a button press does; the alerts it showed."""
        book = xw.Book(json=self.payload())
        try:
            func(book)
            actions = book.json()["actions"]
        finally:
            book.close()
        before = len(self.alerts)
        self.apply(actions)
        return self.alerts[before:]

    def apply(self, actions: list[dict[str, Any]], client: str = "VBA") -> None:
        allowed = implemented_actions(client)
        for action in actions:
            func = action["func"]
            self.actions.append(action)
            if func not in allowed:
                raise ExcelError(f"the {client} client has no action {func!r}")
            getattr(self, f"_do_{func}")(action)

    def _range(self, a):
        sheet = self.sheets[a["sheet_position"]]
        r0, c0 = a["start_row"] + 1, a["start_column"] + 1
        return sheet, [(r0 + i, c0 + j) for i in range(a["row_count"]) for j in range(a["column_count"])]

    def _do_setValues(self, a) -> None:
        sheet = self.sheets[a["sheet_position"]]
        r0, c0 = a["start_row"] + 1, a["start_column"] + 1
        for i, row in enumerate(a["values"]):
            for j, v in enumerate(row):
                sheet.check_writable(r0 + i, c0 + j)
        for i, row in enumerate(a["values"]):
            for j, v in enumerate(row):
                key = (r0 + i, c0 + j)
                if isinstance(v, str) and re.match(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?$", v):
                    v = _dt.datetime.fromisoformat(v)            # WebHelpers.ParseIso
                sheet.cells[key] = excel_value(v, key in sheet.text_format)

    def _do_rangeClearContents(self, a) -> None:
        sheet, keys = self._range(a)
        for k in keys:
            sheet.check_writable(*k)
        for k in keys:
            sheet.cells.pop(k, None)

    def _do_setRangeColor(self, a) -> None:
        sheet, keys = self._range(a)
        colour = a["args"][0]
        if not isinstance(colour, str):
            raise ExcelError("HexToRgb needs a colour")                  # VBA: Invalid use of Null
        for k in keys:
            sheet.colours[k] = colour.upper()

    def _do_addSheet(self, a) -> None:
        index, name = a["args"][0], a["args"][1]
        if any(s.name == name for s in self.sheets):
            raise ExcelError(f"a sheet named {name} exists")
        self.sheets.insert(index, Sheet(name))
        self.active = index

    def _do_activateSheet(self, a) -> None:
        self.active = a["args"][0]

    def _do_sheetClearContents(self, a) -> None:
        sheet = self.sheets[a["sheet_position"]]
        if sheet.protected:
            raise ExcelError("sheet is protected")
        sheet.cells.clear()

    def _do_alert(self, a) -> None:
        self.alerts.append((a["args"][0], a["args"][1], a["args"][3]))

    def _do_rangeSelect(self, a) -> None:
        pass


def _column_name(col: int) -> str:
    name = ""
    while col:
        col, rem = divmod(col - 1, 26)
        name = chr(65 + rem) + name
    return name


def _js_value(v: Any) -> Any:
    """A cell as Office.js' ``range.values`` gives it: "" when empty, a whole number
    without a fraction (JavaScript has one number type)."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, _dt.datetime):
        return v.isoformat()        # convertDateValues: dates as ISO strings
    return v


def _payload_value(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, _dt.datetime):
        return v.isoformat() + ".000Z"
    return v

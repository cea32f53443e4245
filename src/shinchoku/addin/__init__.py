"""The Excel add-in's Python side: glue between the ribbon's buttons and their work.

Each button of the 進捗管理 tab runs
``RunPython "import shinchoku.addin; shinchoku.addin.on_button('<id>')"``;
:func:`on_button` takes the calling workbook and runs the button's function here
(:data:`BUTTONS`).  Each of those can be called with any xlwings ``Book`` (the tests
drive them through xlwings' remote engine; xlwings Server runs the same ones,
:mod:`shinchoku.xlserver`).

This is glue only: read the cells (:func:`read_book`), call the button's work in
:mod:`shinchoku.actions` with plain values, apply the writes it answers (values,
colours, list sheets — operations every xlwings client carries out) and show its
alert.  The look of the workbook is set once by :mod:`shinchoku.sheet.workbook`.  The
work writes nothing itself, so a refusal or a failure at any step leaves the sheet,
the records and the clone as they were (the user's edits stay in their cells).

:func:`_guarded` is the add-in's one boundary: a refusal (``ShinchokuError``) becomes
its Japanese message in an alert; anything else is a bug, logged, and said in
Japanese with the log's path.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any, Callable

import xlwings as xw

from shinchoku.actions.book import TITLE, BookValues, Cells, Colour, Selection, refusal
from shinchoku.errors import ShinchokuError, log_unexpected
from shinchoku.words import SHEET_UNCHANGED
from shinchoku.sheet.sheetmodel import PROGRESS_SHEET, SHEET_NAME, STATE_SHEET  # noqa: F401 - (PROGRESS_SHEET: for callers)


# ----------------------------------------------------------------------------- entry


def on_button(control_id: str) -> None:
    """The ribbon callback: run the button's work on the calling workbook."""
    book = xw.Book.caller()
    button = BUTTONS.get(control_id)
    if button is None:
        alert(book, f"「{control_id}」というボタンはありません", critical=True)
        return
    button(book)


def _guarded(work: Callable[[Any], None]) -> Callable[[Any], None]:
    def run(book) -> None:
        try:
            work(book)
        except ShinchokuError as exc:     # a refusal: its own Japanese words
            alert(book, refusal(exc), critical=True)
        except Exception as exc:          # noqa: BLE001 - the add-in's one boundary: a bug
            traceback.print_exc(file=sys.stderr)
            alert(book, log_unexpected(exc, f"button {work.__name__}") + f"\n{SHEET_UNCHANGED}。",
                  critical=True)
        finally:
            _status(book, None)
    run.__name__ = work.__name__
    run.__doc__ = work.__doc__
    return run


def _press(book, action: Callable[..., Any]) -> None:
    """Read the book, run ``action`` (a button of :mod:`shinchoku.actions`) on its values
    and the user's settings, and carry out its answer."""
    from shinchoku.sharing import settings as settings_mod

    settings = settings_mod.load()
    answer = action(read_book(book), settings, lambda text: _status(book, text))
    apply(book, answer)


# ----------------------------------------------------------------------------- reading


def read_book(book) -> BookValues:
    """What the buttons read: the main and state sheets' cells, the selection, the
    sheets' names (:class:`shinchoku.actions.book.BookValues`)."""
    sheets = {sheet.name: sheet for sheet in book.sheets}
    main, state = sheets.get(SHEET_NAME), sheets.get(STATE_SHEET)
    return BookValues(values(main) if main is not None else None, values(state) if state is not None else None,
                      tuple(sheets), _selection(book))


def values(sheet) -> list[list[Any]]:
    """The sheet's cells from A1 to the end of the used range, read at once (error
    values as text)."""
    used = sheet.used_range
    rows = (_remote_values(used) if _on_remote_engine(sheet) else used.options(ndim=2, err_to_str=True).value) or [[]]
    top, left = used.row, used.column
    if top > 1 or left > 1:                # pad so that rows[r - 1][c - 1] is cell (r, c)
        rows = [[None] * (left - 1 + len(rows[0]))] * (top - 1) + [[None] * (left - 1) + list(r) for r in rows]
    return [list(r) for r in rows]


def _on_remote_engine(sheet) -> bool:
    """The book came as a payload (xlwings Server, the tests' client), not through COM."""
    try:
        return sheet.book.app.engine.name == "remote"
    except Exception:      # noqa: BLE001 - an engine without a name
        return False


def _remote_values(used) -> list[list[Any]]:
    """``used.options(ndim=2, err_to_str=True).value`` on xlwings' remote engine, from the
    payload's own values: empty cells are "" there (None here) and dates ISO text
    (datetime here, by the engine's own pattern); numbers, text and error values
    (``#N/A`` …) stand as they are.  xlwings' converter asks a regular expression about
    every cell, which on a 2,000-row sheet is most of what a button press reads;
    ``tests/test_addin.py`` holds the two to the same values."""
    import datetime as dt

    from xlwings.pro._xlremote import _clean_value_data_element as engine_cell
    from xlwings.pro._xlremote import datetime_regex

    raw = used.raw_value
    if not isinstance(raw, (list, tuple)):
        raw = [[raw]]
    elif raw and not isinstance(raw[0], (list, tuple)):
        raw = [raw]
    match, text = datetime_regex.match, str
    # one expression per cell, no call: a date is rare, so it alone goes to the engine's own reader
    return [[None if v == "" else engine_cell(v, dt.datetime, None, None, True)
             if v.__class__ is text and "T" in v and match(v) else v for v in row] for row in raw]


def _selection(book) -> Selection | None:
    try:
        sel = book.app.selection
        if sel is None:
            return None
        return Selection(sel.sheet.name, sel.row, sel.column, sel.last_cell.row)
    except Exception:      # noqa: BLE001 - a client without a selection
        return None


# ----------------------------------------------------------------------------- writing


def apply(book, answer) -> None:
    """Carry out a button's answer: its writes in order, then its alert."""
    sheets = {sheet.name: sheet for sheet in book.sheets}
    for write in answer.writes:
        if isinstance(write, Cells):
            put(sheets[write.sheet], write.row, write.column, write.values)
        elif isinstance(write, Colour):
            sheets[write.sheet].range(write.address).color = write.colour
        else:
            _listing(book, sheets, write)
    if answer.alert:
        alert(book, answer.alert, critical=answer.critical)


def _listing(book, sheets: dict[str, Any], listing) -> None:
    """A list sheet (エラー, 競合, 履歴, 変更確認, 提出状況): emptied when it exists, else
    added at the end; filled; shown (see :class:`shinchoku.actions.book.Listing`)."""
    sheet = sheets.get(listing.name)
    if sheet is None:
        if listing.only_if_there:
            return
        last = book.sheets[len(book.sheets) - 1] if len(book.sheets) else None
        sheet = book.sheets.add(listing.name, after=last) if last is not None else book.sheets.add(listing.name)
        sheets[listing.name] = sheet
    else:
        sheet.clear_contents()
    put(sheet, 1, 1, listing.rows)
    if not listing.only_if_there:
        sheet.activate()


def put(sheet, row: int, column: int, block: list[list[Any]]) -> None:
    """Write ``block`` (rows of texts, numbers and None for empty) from (row, column),
    into a range of exactly its size, as the engine takes values (what xlwings' ``.value``
    gives it for these values: None as ""): ``.value`` would also look at the whole
    sheet's values first, on xlwings' remote engine once per write."""
    if not block:
        return
    width = max(len(line) for line in block)
    rows = [["" if v is None else v for v in line] + [""] * (width - len(line)) for line in block]
    sheet.range((row, column), (row + len(rows) - 1, column + width - 1)).raw_value = rows


def alert(book, text: str, *, critical: bool = False) -> None:
    book.app.alert(text, title=TITLE, mode="critical" if critical else "info")


def _status(book, text: str | None) -> None:
    """Progress on the status bar, where the client has one (the remote clients don't)."""
    try:
        book.app.status_bar = text if text else False
    except Exception:      # noqa: BLE001 - NotImplementedError on the remote engines
        pass


# ----------------------------------------------------------------------------- the buttons


def _button(name: str, work: str, doc: str) -> Callable[[Any], None]:
    """The button that runs ``work`` (``module.function`` of :mod:`shinchoku.actions`,
    imported when pressed: a press starts a fresh Python)."""
    module, function = work.split(".")

    def press(book) -> None:
        import importlib

        _press(book, getattr(importlib.import_module(f"shinchoku.actions.{module}"), function))

    press.__name__, press.__doc__ = name, doc
    return _guarded(press)


pull = _button("pull", "send.pull", "取得: bring the clone to the central head and fill the sheet (unsent edits kept).")
check = _button("check", "send.check", "チェック: check the changed cells without sending anything.")
push = _button("push", "send.push", "送信: send the cells changed since the pull; conflicts stay in the sheet.")
history = _button("history", "lookup.history", "履歴: who changed the selected cell's field, when, from what to what.")
review = _button("review", "lookup.review", "変更確認: every change since the last approved review (協働推進課).")
submit = _button("submit", "cycle.submit",
                 "提出: the selected rows' reports (or all of the user's department) become 提出済.")
send_back = _button("send_back", "cycle.send_back",
                    "差戻し (協働推進課): the selected rows go back, with the 新しいコメント as the reason.")
approve = _button("approve", "cycle.approve", "確認 (協働推進課): the selected rows' reports become 確認済.")
progress = _button("progress", "cycle.progress",
                   "提出状況 (協働推進課): per department, what is 未提出/提出済/差戻し/確認済, on its sheet.")

BUTTONS: dict[str, Callable[[Any], None]] = {
    "shinchoku_pull": pull,
    "shinchoku_push": push,
    "shinchoku_history": history,
    "shinchoku_check": check,
    "shinchoku_review": review,
    "shinchoku_submit": submit,
    "shinchoku_sendback": send_back,
    "shinchoku_approve": approve,
    "shinchoku_progress": progress,
}

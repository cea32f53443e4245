"""What a button is given and what it answers, and what every button shares.

* :class:`BookValues` — what the add-in read from the workbook: plain values only.
* :class:`Answer` — what to write, in order (:class:`Cells`, :class:`Colour`,
  :class:`Listing`), and the alert's text.
* :class:`Workbook` — the progress sheet as a button works on it: settings, layout,
  state, cells, and the answer being made.
* :func:`refusal` — the alert for a refusal (a :class:`~shinchoku.errors.ShinchokuError`).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Union

from shinchoku.errors import Kind, ShinchokuError
from shinchoku.sheet import sheetmodel as sm
from shinchoku.words import ASK_COORDINATOR, GIT_DETAIL_HEADING, SHEET_UNCHANGED, git_detail

if TYPE_CHECKING:
    from shinchoku.model.plan import Plan
    from shinchoku.sharing.settings import Settings
    from shinchoku.store import GitError, Store

TITLE = "進捗管理"
KEPT = f"{SHEET_UNCHANGED}。"
PLAN_PATH = "records/plan.yaml"

Progress = Callable[[str], None]


class Stop(ShinchokuError):
    """Ends a button's work with a message for staff (nothing was changed)."""


# ----------------------------------------------------------------------------- given


@dataclass(frozen=True)
class Selection:
    """The selected cells: their sheet, first row and column, last row."""

    sheet: str
    row: int
    column: int
    last_row: int


@dataclass(frozen=True)
class BookValues:
    """What the add-in read from the workbook: the main sheet's and the state sheet's
    cells from A1 to the end of their used range (``values[r - 1][c - 1]`` is cell
    (r, c); error values as text; None: the book has no such sheet), the selection, and
    the names of the book's sheets."""

    main: list[list[Any]] | None
    state: list[list[Any]] | None
    sheets: tuple[str, ...] = ()
    selection: Selection | None = None


# ----------------------------------------------------------------------------- answered


@dataclass(frozen=True)
class Cells:
    """Write ``values`` (rows) into ``sheet`` from (row, column) on."""

    sheet: str
    row: int
    column: int
    values: list[list[Any]]


@dataclass(frozen=True)
class Colour:
    """Give a cell of ``sheet`` (``M12``) the fill ``colour`` (``#FFC7CE``)."""

    address: str
    colour: str
    sheet: str = sm.SHEET_NAME


@dataclass(frozen=True)
class Listing:
    """A list sheet (エラー, 競合, 履歴, 変更確認, 提出状況) holding ``rows`` from A1: emptied
    when the book has it, else added after the last sheet; then shown.  With
    ``only_if_there`` a sheet the book lacks is not added and the sheet shown stays as
    it was (a "nothing found" line on a list left from before)."""

    name: str
    rows: list[list[Any]]
    only_if_there: bool = False


Write = Union[Cells, Colour, Listing]


@dataclass
class Answer:
    """What a button answers: the writes, in the order to make them, then the alert."""

    alert: str = ""
    critical: bool = False
    writes: list[Write] = field(default_factory=list)

    def say(self, text: str, *, critical: bool = False) -> "Answer":
        self.alert, self.critical = text, critical
        return self


def refusal(exc: ShinchokuError) -> str:
    """The alert for a refusal: its Japanese message; for a git failure also that the
    sheet is as it was, then the server's own words (Japanese) when it refused the
    content, otherwise git's own (English) only indented under a Japanese heading, for
    whoever is asked for help (:func:`shinchoku.words.git_failure`)."""
    from shinchoku.store import GitError

    return git_text(exc) if isinstance(exc, GitError) else str(exc)


def git_text(exc: "GitError") -> str:
    detail = exc.detail
    if not detail:
        return f"{exc.message}\n\n{KEPT}"
    if exc.kind is Kind.SERVER_REFUSED:
        return f"{exc.message}\n\n{detail}\n\n{KEPT}"
    return f"{exc.message}\n\n{KEPT}\n\n{GIT_DETAIL_HEADING}\n{git_detail(detail)}"


def now() -> str:
    return _dt.datetime.now().strftime("%Y-%m-%d %H:%M")


def when(value: _dt.datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else ""


def or_empty(text: str | None) -> str:
    """A value as a list sheet shows it: （空欄） for none."""
    return text or "（空欄）"


# ----------------------------------------------------------------------------- the workbook

_ADDRESS = re.compile(r"^[A-Z]{1,3}[1-9][0-9]{0,6}$")


class Workbook:
    """The progress sheet as a button works on it: the settings, the two sheets' values,
    the state (layout, base, cells as pulled), the clone, and the :attr:`answer` the
    button's writes go into.  :class:`Stop` when the book is no input workbook."""

    def __init__(self, given: BookValues, settings: "Settings", *, need_repo: bool = True,
                 may_clone: bool = False):
        self.settings = settings
        self.given = given
        if given.main is None or given.state is None:
            raise Stop("このブックは進行管理シートの入力用ブックではありません。"
                       "shinchoku workbook で作ったブックを開いてから、もう一度押してください")
        state = sm.read_state(given.state)
        if state is None:
            raise Stop(f"「{sm.STATE_SHEET}」シートの内容が壊れています。"
                       "shinchoku workbook でブックを作り直してください（入力した内容は写しておいてください）")
        self.state = state
        self.values = given.main
        self.layout = state.layout
        self.department = settings.department
        self.root: Path | None = settings.repo_path(may_clone=may_clone) if need_repo else None
        self.answer = Answer()
        self._found: tuple[list[sm.DataRow], list[int]] | None = None

    def store(self) -> "Store":
        from shinchoku.store import Store

        return Store(self.root)

    def found(self) -> tuple[list[sm.DataRow], list[int]]:
        """:func:`~shinchoku.sheet.sheetmodel.data_rows` of the main sheet, read once."""
        if self._found is None:
            self._found = sm.data_rows(self.values, self.layout)
        return self._found

    def rows(self) -> list[sm.DataRow]:
        """The data rows (No and 主管課 set)."""
        return self.found()[0]

    def has_sheet(self, name: str) -> bool:
        return name in self.given.sheets

    # -- writes -------------------------------------------------------------------------
    def write(self, sheet: str, row: int, column: int, values: list[list[Any]]) -> None:
        self.answer.writes.append(Cells(sheet, row, column, values))

    def write_fill(self, result: sm.Fill) -> None:
        """The cells a pull or a send filled, and the state lines that changed."""
        for first_col, first_row, block in result.bands(self.values):
            self.write(sm.SHEET_NAME, first_row, first_col, block)
        self.state = result.state
        for first_row, block in self.state.updates():
            self.write(sm.STATE_SHEET, first_row, 1, block)

    def unmark(self) -> None:
        """Give the cells coloured last time (errors, conflicts) their colour back."""
        for addr in self.state.marked:
            if _ADDRESS.match(addr):          # (an address the state no longer holds well is left)
                self.answer.writes.append(Colour(addr, sm.EDITABLE_FILL))
        self.state.marked = []

    def mark(self, addresses: list[str], colour: str) -> None:
        for addr in dict.fromkeys(a for a in addresses if a):
            self.answer.writes.append(Colour(addr, colour))
            self.state.marked.append(addr)

    def save_marks(self) -> None:
        self.write(sm.STATE_SHEET, 1, 1, [self.state.meta_row()])

    def listing(self, name: str, rows: list[list[Any]]) -> None:
        """Fill the list sheet ``name`` and show it (texts as Excel must keep them)."""
        self.answer.writes.append(Listing(name, table(rows)))

    def note_on(self, name: str, text: str) -> None:
        """Put one line on the list sheet ``name``, when the book has that sheet."""
        if self.has_sheet(name):
            self.answer.writes.append(Listing(name, [[text]], only_if_there=True))

    def problems(self, problems: list[sm.CellProblem], heading: str) -> None:
        """The problems coloured on their cells and listed on the エラー sheet."""
        rows: list[list[Any]] = [[heading], [f"確認した日時: {now()}"], ["セル", "項目", "内容"]]
        rows += [[p.address, p.label, p.message] for p in problems]
        self.mark([p.address for p in problems], sm.ERROR_FILL)
        self.save_marks()
        self.listing(sm.ERROR_SHEET, rows)

    def no_errors(self) -> None:
        self.note_on(sm.ERROR_SHEET, f"エラーはありません（{now()} 確認）")


def table(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows padded to one width, texts as Excel keeps them as typed."""
    width = max(len(r) for r in rows)
    return [[v if not isinstance(v, str) else sm.to_cell(v) for v in r] + [""] * (width - len(r)) for r in rows]


# ----------------------------------------------------------------------------- the records


def read_records(store: "Store", rev: str, since: str = "", *, with_plan: bool = True
                 ) -> tuple["Plan", dict[tuple[str, int], dict[str, Any]], set[tuple[str, int]] | None]:
    """The plan and the records at ``rev``: every record, or (when ``since``, the sheet's
    base, is known here) only those changed after it, with their (年度, No) as the third
    item (None: all were read).  :class:`Stop` names a file that cannot be read (a broken
    record must not empty the user's cells)."""
    from shinchoku.model import records as records_mod
    from shinchoku.model import yamlio
    from shinchoku.model.plan import Plan
    from shinchoku.store import GitError, Unreadable

    only: set[tuple[str, int]] | None = None
    paths = None
    if since and since == rev:
        paths, only = [], set()
    elif since:
        try:
            paths = store.changed_paths(since, rev)
        except GitError:            # a base this clone does not have (a book from elsewhere): read all
            paths = None
        else:
            only = {k for k in map(records_mod.record_key, paths) if k is not None}
    broken: list[str] = []
    plan = Plan({})
    if with_plan:
        try:
            plan = store.plan_at(rev) or Plan({})
        except yamlio.YamlError:
            broken.append(PLAN_PATH)
    out: dict[tuple[str, int], dict[str, Any]] = {}
    try:
        out = store.read_records(rev, paths=paths, strict=True)      # a few changed ones by path
    except Unreadable as exc:
        broken += exc.paths
    if broken:
        shown = "、".join(broken[:3]) + (f" ほか{len(broken) - 3}件" if len(broken) > 3 else "")
        raise Stop(f"中央の記録 {shown} が読めない形になっているため、取り込めませんでした。"
                   f"{ASK_COORDINATOR}。{SHEET_UNCHANGED}")
    return plan, out, only


def plan_at(store: "Store", rev: str | None) -> "Plan | None":
    from shinchoku.model import yamlio

    try:
        return store.plan_at(rev or "HEAD")
    except yamlio.YamlError:
        return None


def check_department(wb: Workbook, plan: "Plan | Callable[[], Plan | None] | None") -> None:
    """:class:`Stop` when the settings' department is no lead department of the plan (a
    misspelt 指導 for 指導室 would otherwise send nothing and say so).  A department the
    sheet's rows carry is known without reading the plan."""
    dept = wb.department
    if not dept or any(r.department == dept for r in wb.rows()):
        return
    problem = sm.unknown_department(plan() if callable(plan) else plan, dept)
    if problem:
        raise Stop(f"{problem}。設定ファイル {wb.settings.path} の department を直してから、"
                   f"もう一度押してください（{SHEET_UNCHANGED}）")


def update_or_say(store: "Store", what: str) -> str:
    """Bring the clone up to date; when the central repository cannot be reached, the
    line telling the reader that ``what`` is shown as far as this PC has it."""
    from shinchoku.sharing import sync
    from shinchoku.store import DiskFull, GitError

    try:
        sync.update(store)
    except DiskFull as exc:
        return f"（最新の記録を取り込めなかったため、この PC にある記録までの{what}です: {exc.message}）"
    except GitError as exc:
        return f"（中央のリポジトリに接続できなかったため、この PC にある記録までの{what}です: {exc.message}）"
    return "".join(f"（{note}）" for note in store.repaired)     # what an interrupted git had left, put right

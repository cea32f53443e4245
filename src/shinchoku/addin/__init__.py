"""The Excel add-in's Python side: the five ribbon buttons.

Each button of the 進捗管理 tab runs
``RunPython "import shinchoku.addin; shinchoku.addin.on_button('<id>')"``;
:func:`on_button` takes the calling workbook and runs :func:`pull` (取得),
:func:`push` (送信), :func:`history` (履歴), :func:`check` (チェック) or :func:`review`
(変更確認).  Each of those can be called with any xlwings ``Book`` (the tests drive them
through xlwings' remote engine).

This is the only module that imports xlwings.  It only reads values and writes values,
colours, sheets and alerts — operations every xlwings client carries out; the look of
the workbook is set once by :mod:`shinchoku.sheet.workbook`, and the sheet logic lives in
:mod:`shinchoku.sheet.sheetmodel`.  Nothing is written to the sheet before git has done its
part, so a failure at any step leaves the sheet, the records and the clone as they were
(the user's edits stay in their cells).

取得 keeps edits not sent yet: a cell changed since the last pull keeps the user's text
and the value it was made against, so sending it later still notices someone else's
change to the same cell.
"""

from __future__ import annotations

import datetime as _dt
import re
import sys
import traceback
from typing import Any, Callable

import xlwings as xw

from shinchoku.errors import Kind, ShinchokuError, log_unexpected
from shinchoku.model import records as records_mod
from shinchoku.model import yamlio
from shinchoku.model.plan import Plan
from shinchoku.sharing import settings as settings_mod
from shinchoku.sheet import sheetmodel as sm
from shinchoku.store import GitError, Store, Unreadable
from shinchoku.words import ASK_COORDINATOR, SHEET_UNCHANGED

TITLE = "進捗管理"
PLAN_PATH = f"{records_mod.RECORDS}/plan.yaml"


class Stop(ShinchokuError):
    """Ends a button's work with a message for staff (nothing was changed)."""


# ----------------------------------------------------------------------------- entry


def on_button(control_id: str) -> None:
    """The ribbon callback: run the button's work on the calling workbook."""
    book = xw.Book.caller()
    action = BUTTONS.get(control_id)
    if action is None:
        _alert(book, f"「{control_id}」というボタンはありません", critical=True)
        return
    action(book)


def _guarded(work: Callable[[Any], None]) -> Callable[[Any], None]:
    def run(book) -> None:
        try:
            work(book)
        except GitError as exc:
            _alert(book, _git_text(exc), critical=True)
        except ShinchokuError as exc:     # Stop, SettingsError, ...: their own Japanese words
            _alert(book, str(exc), critical=True)
        except Exception as exc:          # noqa: BLE001 - the add-in's one boundary: a bug
            traceback.print_exc(file=sys.stderr)
            _alert(book, log_unexpected(exc, f"button {work.__name__}") + f"\n{SHEET_UNCHANGED}。",
                   critical=True)
        finally:
            _status(book, None)
    run.__name__ = work.__name__
    run.__doc__ = work.__doc__
    return run


def _git_text(exc: GitError) -> str:
    """The alert for a git failure: the Japanese sentence and what to expect first; the
    server's own words (Japanese) after it; git's own words (English) only indented
    under a Japanese heading, for whoever is asked for help (:func:`shinchoku.words.git_failure`)."""
    from shinchoku.words import GIT_DETAIL_HEADING, git_detail

    detail = exc.detail
    if not detail:
        return f"{exc.message}\n\n{SHEET_UNCHANGED}。"
    if exc.kind is Kind.SERVER_REFUSED:
        return f"{exc.message}\n\n{detail}\n\n{SHEET_UNCHANGED}。"
    return f"{exc.message}\n\n{SHEET_UNCHANGED}。\n\n{GIT_DETAIL_HEADING}\n{git_detail(detail)}"


# ----------------------------------------------------------------------------- helpers


def _alert(book, text: str, *, critical: bool = False) -> None:
    book.app.alert(text, title=TITLE, mode="critical" if critical else "info")


def _status(book, text: str | None) -> None:
    """Progress on the status bar, where the client has one (the remote clients don't)."""
    try:
        book.app.status_bar = text if text else False
    except Exception:      # noqa: BLE001 - NotImplementedError on the remote engines
        pass


def _sheet(book, name: str):
    for sheet in book.sheets:
        if sheet.name == name:
            return sheet
    return None


def _values(sheet) -> list[list[Any]]:
    """The sheet's cells from A1 to the end of the used range (error values as text)."""
    used = sheet.used_range
    values = used.options(ndim=2, err_to_str=True).value or [[]]
    top, left = used.row, used.column
    if top > 1 or left > 1:                # pad so that values[r - 1][c - 1] is cell (r, c)
        values = [[None] * (left - 1 + len(values[0]))] * (top - 1) + [[None] * (left - 1) + list(r) for r in values]
    return [list(r) for r in values]


class Context:
    """What every button needs: settings, the two sheets, the state and the cells."""

    def __init__(self, book, *, need_repo: bool = True, may_clone: bool = False):
        self.book = book
        self.settings = settings_mod.load()
        self.main = _sheet(book, sm.SHEET_NAME)
        state_sheet = _sheet(book, sm.STATE_SHEET)
        if self.main is None or state_sheet is None:
            raise Stop("このブックは進行管理シートの入力用ブックではありません。"
                       "shinchoku workbook で作ったブックを開いてから、もう一度押してください")
        self.state_sheet = state_sheet
        self.state = sm.read_state(_values(state_sheet))
        if self.state is None:
            raise Stop(f"「{sm.STATE_SHEET}」シートの内容が壊れています。"
                       "shinchoku workbook でブックを作り直してください（入力した内容は写しておいてください）")
        self.values = _values(self.main)
        self.layout = self.state.layout
        self.department = self.settings.department
        self.root = self.settings.repo_path(may_clone=may_clone) if need_repo else None

    def store(self) -> Store:
        return Store(self.root)

    # -- writing ------------------------------------------------------------------------
    def write_fill(self, result: sm.Fill) -> None:
        for first_col, first_row, block in result.bands(self.values):
            self.main.range((first_row, first_col)).value = block
        self.state = result.state
        for first_row, block in self.state.updates():
            self.state_sheet.range((first_row, 1)).value = block

    def unmark(self) -> None:
        """Give the cells coloured last time (errors, conflicts) their colour back."""
        for addr in self.state.marked:
            try:
                self.main.range(addr).color = sm.EDITABLE_FILL
            except Exception:      # noqa: BLE001 - an address that no longer parses
                pass
        self.state.marked = []

    def mark(self, addresses: list[str], colour: str) -> None:
        for addr in dict.fromkeys(a for a in addresses if a):
            self.main.range(addr).color = colour
            self.state.marked.append(addr)

    def save_marks(self) -> None:
        self.state_sheet.range((1, 1)).value = [self.state.meta_row()]


def _output(book, name: str, rows: list[list[Any]]) -> None:
    """Write a list sheet (エラー, 競合, 履歴, 変更確認): emptied when it exists, else added
    at the end; then shown."""
    sheet = _sheet(book, name)
    if sheet is None:
        last = book.sheets[len(book.sheets) - 1] if len(book.sheets) else None
        sheet = book.sheets.add(name, after=last) if last is not None else book.sheets.add(name)
    else:
        sheet.clear_contents()
    width = max(len(r) for r in rows)
    block = [[v if not isinstance(v, str) else sm.to_cell(v) for v in r] + [""] * (width - len(r)) for r in rows]
    sheet.range((1, 1)).value = block
    sheet.activate()


def _now() -> str:
    return _dt.datetime.now().strftime("%Y-%m-%d %H:%M")


def _when(value: _dt.datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else ""


def _read_records(store: Store, rev: str, since: str = "", *, with_plan: bool = True) -> tuple[Plan, dict[tuple[str, int], dict[str, Any]],
                                                                    set[tuple[str, int]] | None]:
    """The plan and the records at ``rev``: every record, or (when ``since``, the sheet's
    base, is known here) only those changed after it, with their (年度, No) as the third
    item (None: all were read).  :class:`Stop` names a file that cannot be read (a broken
    record must not empty the user's cells)."""
    only: set[tuple[str, int]] | None = None
    paths = None
    if since and since == rev:
        paths, only = [], set()
    elif since and store.rev(since):
        paths = store.changed_paths(since, rev)
        only = {records_mod.parse_relpath(p.split("/", 1)[1]) for p in paths if records_mod.is_record_path(p)}
    broken: list[str] = []
    plan = Plan({})
    if with_plan:
        try:
            plan = store.plan_at(rev) or Plan({})
        except yamlio.YamlError:
            broken.append(PLAN_PATH)
    try:
        out = store.read_records(rev, paths=paths, strict=True)
    except Unreadable as exc:
        broken += exc.paths
    if broken:
        shown = "、".join(broken[:3]) + (f" ほか{len(broken) - 3}件" if len(broken) > 3 else "")
        raise Stop(f"中央の記録 {shown} が読めない形になっているため、取り込めませんでした。"
                   f"{ASK_COORDINATOR}。{SHEET_UNCHANGED}")
    return plan, out, only


def _check_department(ctx: "Context", plan: "Plan | Callable[[], Plan | None] | None") -> None:
    """:class:`Stop` when the settings' department is no lead department of the plan (a
    misspelt 指導 for 指導室 would otherwise send nothing and say so).  A department the
    sheet's rows carry is known without reading the plan."""
    dept = ctx.department
    if not dept:
        return
    rows, _stray = sm.data_rows(ctx.values, ctx.layout)
    if any(r.department == dept for r in rows):
        return
    problem = sm.unknown_department(plan() if callable(plan) else plan, dept)
    if problem:
        raise Stop(f"{problem}。設定ファイル {ctx.settings.path} の department を直してから、"
                   "もう一度押してください（シートの内容はそのままです）")


def _plan_at(store: Store, rev: str | None) -> Plan | None:
    try:
        return store.plan_at(rev or "HEAD")
    except yamlio.YamlError:
        return None


# ----------------------------------------------------------------------------- 取得


@_guarded
def pull(book) -> None:
    """取得: bring the clone to the central head and fill the sheet (unsent edits kept)."""
    from shinchoku.sharing import sync

    ctx = Context(book, may_clone=True)
    cloned = ""
    if ctx.settings.needs_clone(ctx.root):       # a new PC: make the clone from ``remote``
        from shinchoku.store import repo_setup

        _status(book, "中央のリポジトリを複製しています…")
        repo_setup.clone(ctx.settings.remote, ctx.root)
        cloned = f"記録リポジトリを {ctx.root} に作りました。"
    wrong_headers = sm.header_problem(ctx.values, ctx.layout, ctx.root)
    if wrong_headers is not None:
        # Filling by the workbook's own column layout would write into the wrong columns.
        _alert(book, f"{wrong_headers.address}: {wrong_headers.message}", critical=True)
        return
    _status(book, "中央のリポジトリから最新の記録を取得しています…")
    with ctx.store() as store:
        head = sync.update(store)
        repaired = list(store.repaired)          # what an interrupted git had left, put right
        _status(book, "シートに書き込んでいます…")
        plan, recs, only = _read_records(store, head, ctx.state.base)
    _check_department(ctx, plan)
    result = sm.fill(ctx.values, ctx.state, recs, head, plan, ctx.department, pulled_at=_now(), only=only)
    ctx.unmark()
    result.state.marked = []
    ctx.write_fill(result)
    ctx.save_marks()
    _show_cycle(ctx, plan, recs, partial=only is not None)      # 提出状況 and コメント beside the rows
    lines = [f"{note}。" for note in repaired] + [f"{cloned}最新の記録を取得しました（{head[:7]}）。"]
    lines.append(f"{result.updated}件のセルを更新しました。" if result.updated else "シートはすでに最新の内容です。")
    if result.kept:
        lines.append(f"まだ送信していない変更 {result.kept}件は、そのまま残しています（［送信］で送れます）。")
    if result.missing:
        shown = "、".join(f"No.{no} {d}" for no, d in result.missing[:5])
        more = f" ほか{len(result.missing) - 5}件" if len(result.missing) > 5 else ""
        lines.append(f"計画にあってシートにない行があります（{shown}{more}）。"
                     "shinchoku workbook でブックを作り直すと表示されます。")
    now_open = [y.label for y in plan.years if y.open]
    if plan.years and now_open != ctx.layout.open_years():
        lines.append(f"受付中の年度が変わりました（このブック: {'・'.join(ctx.layout.open_years()) or 'なし'}、"
                     f"今: {'・'.join(now_open) or 'なし'}）。新しい入力用ブックを作成してください（shinchoku workbook）。")
    if result.closed_changed:
        lines.append(f"締切の年度で {result.closed_changed}件の内容が更新されています。"
                     "ブックを作り直すと表示されます。")
    _alert(book, "\n".join(lines))


# ----------------------------------------------------------------------------- チェック / 送信


def _report_problems(ctx: Context, problems: list[sm.CellProblem], heading: str) -> None:
    rows: list[list[Any]] = [[heading], [f"確認した日時: {_now()}"], ["セル", "項目", "内容"]]
    rows += [[p.address, p.label, p.message] for p in problems]
    ctx.mark([p.address for p in problems], sm.ERROR_FILL)
    ctx.save_marks()
    _output(ctx.book, sm.ERROR_SHEET, rows)


_SERVER_LINE = re.compile(r"^\s*(?P<path>records/\S+?\.yaml):\d+: (?P<field>報告\[[^\]]+\]\.\S+?): (?P<message>.+)$")


def _server_problems(ctx: Context, rows: list[sm.DataRow], detail: str) -> list[sm.CellProblem]:
    """The server's findings about report fields (``records/R2/05.yaml:13: 報告[課].項目: …``),
    placed on their cells."""
    out = []
    for line in (detail or "").splitlines():
        m = _SERVER_LINE.match(line)
        if m:
            cell, label = sm.locate_problem(ctx.layout, rows, m.group("path"), m.group("field"))
            out.append(sm.CellProblem(cell, label, m.group("message").strip()))
    return out


def _clear_errors(ctx: Context) -> None:
    if _sheet(ctx.book, sm.ERROR_SHEET) is not None:
        sheet = _sheet(ctx.book, sm.ERROR_SHEET)
        sheet.clear_contents()
        sheet.range((1, 1)).value = [[f"エラーはありません（{_now()} 確認）"]]


def _read(ctx: Context, plan) -> sm.SheetReading:
    return sm.read_edits(ctx.values, ctx.state, plan, ctx.department, ctx.root)


@_guarded
def check(book) -> None:
    """チェック: check the changed cells without sending anything."""
    ctx = Context(book)
    with ctx.store() as store:
        _check_department(ctx, lambda: _plan_at(store, "HEAD"))
        reading = _read(ctx, lambda: _plan_at(store, "HEAD"))
    ctx.unmark()
    if reading.problems:
        _report_problems(ctx, reading.problems, "入力内容のエラー（送信していません）")
        _alert(book, f"{len(reading.problems)}件のエラーがあります。色の付いたセルを直してください（一覧は「{sm.ERROR_SHEET}」シート）。",
               critical=True)
        return
    ctx.save_marks()
    _clear_errors(ctx)
    note = "\n".join(reading.skipped)
    _alert(book, f"エラーはありません。送信する変更は {len(reading.edits)}件です。" + (f"\n{note}" if note else ""))


@_guarded
def push(book) -> None:
    """送信: send the cells changed since the pull; conflicts stay in the sheet."""
    from shinchoku.sharing import sync

    ctx = Context(book)
    author = ctx.settings.author()
    store = ctx.store()
    try:
        _check_department(ctx, lambda: _plan_at(store, "HEAD"))
        reading = _read(ctx, lambda: _plan_at(store, "HEAD"))
        ctx.unmark()
        if reading.problems:
            _report_problems(ctx, reading.problems, "入力内容のエラー（送信していません）")
            _alert(book, f"{len(reading.problems)}件のエラーがあるため、送信しませんでした。"
                         f"色の付いたセルを直してから、もう一度［送信］を押してください（一覧は「{sm.ERROR_SHEET}」シート）。",
                   critical=True)
            return
        if not reading.edits:
            ctx.save_marks()
            _alert(book, "送信する変更はありません（取得したあと、変更したセルがありません）。"
                   + ("\n" + "\n".join(reading.skipped) if reading.skipped else ""))
            return
        edits = [sync.Edit(e.year, e.no, e.department, e.field, e.before, e.after) for e in reading.edits]
        _status(book, f"{len(edits)}件の変更を送信しています…")
        try:
            result = sync.publish(store, edits, author, progress=lambda m: _status(book, m))
        except sync.Rejected as exc:
            problems = []
            for p in exc.problems:
                cell, label = sm.locate_problem(ctx.layout, reading.rows, p.path, p.field)
                problems.append(sm.CellProblem(cell, label or p.path, p.message))
            _report_problems(ctx, problems, "記録の確認で見つかった問題（送信していません）")
            _alert(book, f"記録の確認で {len(problems)}件の問題が見つかったため、送信しませんでした（一覧は「{sm.ERROR_SHEET}」シート）。",
                   critical=True)
            return
        except GitError as exc:
            refused = _server_problems(ctx, reading.rows, exc.detail)
            if refused:
                _report_problems(ctx, refused, "中央のリポジトリが受け付けなかった内容（送信していません）")
            else:
                ctx.save_marks()
            raise
        _status(book, "シートを最新の内容にしています…")
        try:
            _plan, recs, only = _read_records(store, result.head, ctx.state.base, with_plan=False)
        except Stop as exc:
            # sent, but the new head cannot be shown: the sheet keeps its values and its
            # base, so a later 送信 finds the cells already there
            raise Stop(f"{len(result.sent)}件のセルを送信しましたが、シートを最新の内容にできませんでした。\n{exc}") from None
    finally:
        store.close()
    by_cell = {(e.no, e.department, e.year, e.field): e for e in reading.edits}
    keep: dict[tuple[int, str, str], str | None] = {}
    for e in result.sent + result.already:
        col = ctx.layout.column_of(e.year, e.field)
        keep[(e.no, e.department, col.code)] = e.after
    conflict_rows: list[list[Any]] = []
    conflict_cells = []
    for c in result.conflicts:
        e = c.edit
        col = ctx.layout.column_of(e.year, e.field)
        keep[(e.no, e.department, col.code)] = c.theirs     # sending again overwrites theirs on purpose
        cell = by_cell.get((e.no, e.department, e.year, e.field))
        addr = cell.address if cell else ""
        conflict_cells.append(addr)
        conflict_rows.append([addr, f"{e.year} No.{e.no} {e.department} {sm.title(e.field)}",
                              e.after or "（空欄）", c.theirs or "（空欄）", c.author, _when(c.when), c.commit[:7]])
    filled = sm.fill(ctx.values, ctx.state, recs, result.head, None, ctx.department, keep=keep, only=only)
    filled.state.marked = ctx.state.marked
    ctx.write_fill(filled)
    ctx.mark(conflict_cells, sm.CONFLICT_FILL)
    ctx.save_marks()
    _clear_errors(ctx)
    if not conflict_rows and _sheet(book, sm.CONFLICT_SHEET) is not None:
        old = _sheet(book, sm.CONFLICT_SHEET)
        old.clear_contents()
        old.range((1, 1)).value = [[f"競合はありません（{_now()} 送信）"]]
    if conflict_rows:
        _output(book, sm.CONFLICT_SHEET, [
            ["ほかの人が先に変更していたため、送信しなかったセル"],
            ["自分の値はセルに残っています。自分の値で上書きするときは、そのままもう一度［送信］を、"
             "相手の値にするときはセルを相手の値に直してください。"],
            ["セル", "項目", "自分の値", "相手の値", "変更した人", "日時", "コミット"], *conflict_rows])
    sent = len(result.sent)
    text = "".join(f"{note}。\n" for note in result.repaired)
    text += f"{sent}件のセルを送信しました。" if sent else "送信したセルはありません。"
    if result.already:
        text += f"\n同じ内容がすでに登録されていたセル {len(result.already)}件"
    if result.conflicts:
        text += f"\n競合 {len(result.conflicts)}件（「{sm.CONFLICT_SHEET}」シートをご覧ください）"
    if reading.skipped:
        text += "\n" + "\n".join(reading.skipped)
    _alert(book, text, critical=bool(result.conflicts))


# ----------------------------------------------------------------------------- 履歴


@_guarded
def history(book) -> None:
    """履歴: who changed the selected cell's field, when, from what to what."""
    from shinchoku.sharing import history as history_mod

    ctx = Context(book)
    selection = book.app.selection
    if selection is None or selection.sheet.name != sm.SHEET_NAME:
        raise Stop(f"「{sm.SHEET_NAME}」シートで、履歴を見たいセルを選んでから［履歴］を押してください")
    row, col_index = selection.row, selection.column
    col = next((c for c in ctx.layout.columns if c.index == col_index), None)
    rows, _stray = sm.data_rows(ctx.values, ctx.layout)
    data = next((r for r in rows if r.row == row), None)
    if col is None or data is None or col.kind not in ("edit", "closed", "context"):
        raise Stop("施策の行の、進捗状況・実績・課題などのセルを選んでから［履歴］を押してください")
    with ctx.store() as store:
        note = _update_or_say(store, "履歴")
        changes = history_mod.field_history(store, col.year, data.no, col.key, data.department)
    label = f"{col.year} No.{data.no} {data.department} {sm.title(col.key)}"
    rows_out: list[list[Any]] = [[f"{label} の履歴（新しい順）"], [note or f"{_now()} 現在"],
                                 ["日時", "変更した人", "変更前", "変更後", "コミットの説明", "コミット"]]
    for ch in changes:
        rows_out.append([_when(ch.when), ch.author, ch.before or "（空欄）", ch.after or "（空欄）", ch.commit.subject, ch.commit.short])
    if not changes:
        rows_out.append(["", "", "", "", "この項目はまだ変更されていません"])
    _output(book, sm.HISTORY_SHEET, rows_out)


def _update_or_say(store: Store, what: str) -> str:
    """Bring the clone up to date; when the central repository cannot be reached, the
    line telling the reader that ``what`` is shown as far as this PC has it."""
    from shinchoku.sharing import sync
    from shinchoku.store import DiskFull

    try:
        sync.update(store)
    except DiskFull as exc:
        return f"（最新の記録を取り込めなかったため、この PC にある記録までの{what}です: {exc.message}）"
    except GitError as exc:
        return f"（中央のリポジトリに接続できなかったため、この PC にある記録までの{what}です: {exc.message}）"
    return "".join(f"（{note}）" for note in store.repaired)     # what an interrupted git had left, put right


# ----------------------------------------------------------------------------- 変更確認


@_guarded
def review(book) -> None:
    """変更確認: every change since the last approved review (協働推進課)."""
    from shinchoku.publish import reviewpage
    from shinchoku.sharing import review as review_mod

    ctx = Context(book)
    with ctx.store() as store:
        note = _update_or_say(store, "変更")
        try:
            result = review_mod.collect(store)
        except review_mod.ReviewError as exc:
            raise Stop(str(exc)) from None
    items = reviewpage.rows(result)
    base = reviewpage.describe_base(result)
    rows_out: list[list[Any]] = [[f"変更確認: {base}"], [f"{len(items)}件の変更（{_now()} 現在）{note}"],
                                 ["課", "No", "施策", "年度", "項目", "変更前", "変更後", "変更者", "日時", "コミット"]]
    for it in items:
        when = _dt.datetime.fromisoformat(it["日時"])
        rows_out.append([it["主管課"], it["No"], it["施策名"], it["年度"], sm.title(it["項目"]),
                         it["変更前"] or "（空欄）", it["変更後"] or "（空欄）", it["変更者"], _when(when),
                         it["コミット"][:7]])
    _output(book, sm.REVIEW_SHEET, rows_out)


BUTTONS: dict[str, Callable[[Any], None]] = {
    "shinchoku_pull": pull,
    "shinchoku_push": push,
    "shinchoku_history": history,
    "shinchoku_check": check,
    "shinchoku_review": review,
}


# ----------------------------------------------------------------------------- 提出 / 差戻し / 確認
# The yearly cycle (shinchoku.rules.cycle).  The three columns right of the layout show each
# row's 提出状況 and コメント and take a 新しいコメント (shinchoku.sheet.progressview); the
# server judges every transition again.

PROGRESS_SHEET = "提出状況"


def _cycle_cols(ctx: Context) -> tuple[int, int, int] | None:
    """(state, comments, new comment) columns, when this workbook has them."""
    from shinchoku.sheet import progressview as pv

    last = max(c.index for c in ctx.layout.columns)
    head = ctx.values[sm.HEADER_ROW - 1] if len(ctx.values) >= sm.HEADER_ROW else []
    text = head[last + 2] if len(head) > last + 2 else None
    if text != pv.CYCLE_HEADERS[2]:
        return None
    return last + 1, last + 2, last + 3


def _show_cycle(ctx: Context, plan: Plan, recs: dict[tuple[str, int], dict[str, Any]],
                cleared: set[tuple[int, str]] = frozenset(), *, partial: bool = False) -> None:
    """Write every data row's 提出状況 and コメント (and empty 新しいコメント of ``cleared``);
    with ``partial`` (``recs`` holds only the records that changed) only their rows."""
    from shinchoku.sheet import progressview as pv

    cols = _cycle_cols(ctx)
    year = pv.cycle_year(plan)
    if cols is None or not year:
        return
    rows, _stray = sm.data_rows(ctx.values, ctx.layout)
    runs: list[tuple[int, list[list[Any]]]] = []
    for row in rows:
        if partial and (year, row.no) not in recs:
            continue
        state, notes = pv.row_cells(recs.get((year, row.no)), row.department, True)
        new = row.get(cols[2])
        new = None if row.key in cleared else (sm.text_of(new) if new not in (None, "") else None)
        line = [sm.to_cell(state), sm.to_cell(notes) if notes else None, sm.to_cell(new) if new else None]
        if runs and runs[-1][0] + len(runs[-1][1]) == row.row:
            runs[-1][1].append(line)
        else:
            runs.append((row.row, [line]))
    for first, block in runs:
        ctx.main.range((first, cols[0])).value = block


def _chosen_rows(book, ctx: Context) -> list[sm.DataRow]:
    """The data rows of the selection on the main sheet ([] when it holds none)."""
    try:
        sel = book.app.selection
    except Exception:      # noqa: BLE001 - a client without a selection
        return []
    if sel is None or sel.sheet.name != sm.SHEET_NAME:
        return []
    top, bottom = sel.row, sel.last_cell.row
    rows, _stray = sm.data_rows(ctx.values, ctx.layout)
    return [r for r in rows if top <= r.row <= bottom]


def _cycle_action(book, action: str) -> None:
    from shinchoku.rules import cycle
    from shinchoku.sharing import cycleops, sync

    ctx = Context(book)
    author = ctx.settings.author()
    cols = _cycle_cols(ctx)
    chosen = _chosen_rows(book, ctx)
    verb = cycleops.VERBS[action]
    if not chosen and action == cycleops.SUBMIT and ctx.department:
        rows, _stray = sm.data_rows(ctx.values, ctx.layout)
        chosen = [r for r in rows if r.department == ctx.department]
    if not chosen:
        extra = "（設定ファイルに department を書くと、選ばなくてもその課の報告をまとめて提出します）" \
            if action == cycleops.SUBMIT else ""
        raise Stop(f"「{sm.SHEET_NAME}」シートで、{verb}する施策の行を選んでから［{verb}］を押してください{extra}")
    texts_by_row = {}
    if cols is not None:
        for r in chosen:
            v = r.get(cols[2])
            texts_by_row[r.key] = sm.text_of(v).strip() if v not in (None, "") else ""
    if action == cycleops.SENDBACK:
        missing = [f"No.{r.no} {r.department}" for r in chosen if not texts_by_row.get(r.key)]
        if missing:
            where = f"「{pv_header(2)}」の列" if cols is not None else "（このブックには入力欄がありません。shinchoku workbook で作り直してください）"
            raise Stop(f"差戻しには理由が必要です。{where}に、直してほしいことを書いてから［差戻し］を押してください"
                       f"（理由がない行: {'、'.join(missing)}）")
    store = ctx.store()
    try:
        reading = _read(ctx, lambda: _plan_at(store, "HEAD"))
        keys = {r.key for r in chosen}
        unsent = [e for e in reading.edits if (e.no, e.department) in keys]
        if unsent:
            raise Stop(f"選んだ行に、まだ送信していない変更が {len(unsent)}件あります。先に［送信］してから、"
                       f"もう一度［{verb}］を押してください")
        _status(book, "中央のリポジトリから最新の記録を取得しています…")
        sync.update(store, author)
        plan = _plan_at(store, "HEAD")
        if plan is None:
            raise Stop(f"計画（records/plan.yaml）が読めません。{ASK_COORDINATOR}")
        try:
            year = cycleops.default_year(plan, None)
        except cycle.CycleError as exc:
            raise Stop(str(exc)) from None
        targets = {r.key: cycleops.Target(year, r.no, r.department) for r in chosen}
        texts = {targets[k]: v for k, v in texts_by_row.items() if v}
        only = cycle.WAITING if action == cycleops.SUBMIT and len(chosen) > 1 else ()
        if action == cycleops.APPROVE:
            only = (cycle.SUBMITTED,)          # like `shinchoku approve` (its --force has no button)
        try:
            outcome = cycleops.apply(store, plan, action, list(targets.values()), author, texts=texts,
                                     only_states=only)
        except cycle.CycleError as exc:
            raise Stop(str(exc)) from None
        if outcome.commit:
            _status(book, f"{verb}を中央のリポジトリへ送っています…")
            try:
                cycleops.send(store, author, progress=lambda m: _status(book, m))
            except GitError as exc:
                raise Stop(f"{verb}できませんでした（{verb}は取り消し、この PC の記録を中央と同じ状態に戻しました）。\n\n"
                           + _git_text(exc)) from None
        _plan, recs, _only = _read_records(store, store.head() or "HEAD", "", with_plan=False)
    finally:
        store.close()
    if not outcome.done and not outcome.skipped and action == cycleops.APPROVE:
        raise Stop("選んだ行に提出済の報告がありません（確認できるのは、課が提出した報告だけです）")
    done_keys = {(t.no, t.department) for t, _b in outcome.done}
    _show_cycle(ctx, plan, recs, cleared=done_keys)
    lines = [outcome.message() + "。"]
    lines += [f"・{t.label}: {b} → {cycleops.AFTER[action]}" for t, b in outcome.done]
    lines += [f"・{why}" for why in outcome.skipped]
    _alert(book, "\n".join(lines), critical=not outcome.done)


def pv_header(k: int) -> str:
    from shinchoku.sheet import progressview as pv

    return pv.CYCLE_HEADERS[k]


@_guarded
def submit(book) -> None:
    """提出: the selected rows' reports (or all of the user's department) become 提出済."""
    from shinchoku.sharing import cycleops

    _cycle_action(book, cycleops.SUBMIT)


@_guarded
def send_back(book) -> None:
    """差戻し (協働推進課): the selected rows go back, with the 新しいコメント as the reason."""
    from shinchoku.sharing import cycleops

    _cycle_action(book, cycleops.SENDBACK)


@_guarded
def approve(book) -> None:
    """確認 (協働推進課): the selected rows' reports become 確認済."""
    from shinchoku.sharing import cycleops

    _cycle_action(book, cycleops.APPROVE)


@_guarded
def progress(book) -> None:
    """提出状況 (協働推進課): per department, what is 未提出/提出済/差戻し/確認済, on its sheet."""
    from shinchoku.sheet import progressview as pv

    ctx = Context(book)
    with ctx.store() as store:
        note = _update_or_say(store, "提出状況")
        plan, recs, _only = _read_records(store, store.head() or "HEAD")
    _show_cycle(ctx, plan, recs)
    rows = [[f"提出状況（{_now()} 現在）{note}"], *pv.sheet_rows(plan, recs)]
    _output(book, PROGRESS_SHEET, rows)


BUTTONS.update({
    "shinchoku_submit": submit,
    "shinchoku_sendback": send_back,
    "shinchoku_approve": approve,
    "shinchoku_progress": progress,
})

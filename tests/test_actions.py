"""The buttons' work (shinchoku.actions) run without xlwings: plain values in, writes out.

Real repositories (the tests' one office, gitrepo.Office: a bare central repository with
the real server hook and access rules, staff clones wired with `shinchoku install`),
workbooks made by `shinchoku workbook` and read with openpyxl into lists of rows, as the
add-in's glue reads them from Excel.  The answers' writes are applied to those rows the
way Excel takes them (a leading apostrophe keeps a text as text)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gitrepo import SATO, YAMADA, Who, access_yaml, central_value, git, name_and_email
from shinchoku.actions import book as ab
from shinchoku.actions import send
from shinchoku.sharing import settings as settings_mod
from shinchoku.sheet import sheetmodel as sm
from workbooks import make_workbook

DEPARTMENTS = {"yamada": ["指導室", "協働推進課"], "sato": ["児童青少年課", "協働推進課"]}


class Sheets:
    """A workbook as plain values: {sheet name: {(row, col): value}}, the fills the
    answers gave, the selection; read from the .xlsx `shinchoku workbook` wrote."""

    def __init__(self, path: Path):
        from openpyxl import load_workbook

        wb = load_workbook(path)
        self.cells: dict[str, dict[tuple[int, int], object]] = {}
        for ws in wb.worksheets:
            self.cells[ws.title] = {(c.row, c.column): (float(c.value) if isinstance(c.value, int) else c.value)
                                    for row in ws.iter_rows() for c in row if c.value is not None}
        self.colours: dict[str, str] = {}
        self.shown = sm.SHEET_NAME
        self.selection: ab.Selection | None = None

    def rows(self, name: str) -> list[list[object]]:
        cells = self.cells[name]
        used = [k for k, v in cells.items() if v not in (None, "")]
        if not used:
            return [[]]
        height, width = max(r for r, _c in used), max(c for _r, c in used)
        return [[cells.get((r, c)) for c in range(1, width + 1)] for r in range(1, height + 1)]

    def given(self) -> ab.BookValues:
        return ab.BookValues(self.rows(sm.SHEET_NAME), self.rows(sm.STATE_SHEET), tuple(self.cells), self.selection)

    def take(self, answer: ab.Answer) -> ab.Answer:
        """Apply the answer's writes as Excel would."""
        for w in answer.writes:
            if isinstance(w, ab.Cells):
                for dr, line in enumerate(w.values):
                    for dc, v in enumerate(line):
                        self.cells[w.sheet][(w.row + dr, w.column + dc)] = _as_typed(v)
            elif isinstance(w, ab.Colour):
                assert w.sheet == sm.SHEET_NAME
                self.colours[w.address] = w.colour
            elif w.name in self.cells or not w.only_if_there:
                self.cells[w.name] = {(r, c): _as_typed(v) for r, line in enumerate(w.rows, start=1)
                                      for c, v in enumerate(line, start=1) if v not in (None, "")}
                if not w.only_if_there:
                    self.shown = w.name
        return answer

    def address(self, year: str, no: int, dept: str, field: str) -> str:
        state = sm.read_state(self.rows(sm.STATE_SHEET))
        col = state.layout.column_of(year, field)
        main_rows = self.rows(sm.SHEET_NAME)
        row = next(r for r in range(sm.FIRST_DATA_ROW, len(main_rows) + 1)
                   if main_rows[r - 1][0] == float(no) and main_rows[r - 1][2] == dept)
        return sm.address(row, col.index)

    def type(self, year: str, no: int, dept: str, field: str, value: object) -> str:
        addr = self.address(year, no, dept, field)
        r, c = _key(addr)
        self.cells[sm.SHEET_NAME][(r, c)] = value
        return addr

    def get(self, addr: str, sheet: str = sm.SHEET_NAME) -> object:
        return self.cells[sheet].get(_key(addr))


def _as_typed(value: object) -> object:
    """What a cell holds after the add-in writes ``value`` (the apostrophe keeps a text)."""
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    return None if value == "" else value


def _key(addr: str) -> tuple[int, int]:
    letters = addr.rstrip("0123456789")
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(addr[len(letters):]), col


class Person:
    """A member of staff: their wired clone, settings, a workbook as values."""

    def __init__(self, root: Path, who: Who):
        self.login, self.root = root.name, root
        name, email = name_and_email(who)
        self.settings = settings_mod.Settings(path=root.parent / f"{self.login}.toml", name=name, email=email,
                                              repo=str(root))
        self.book = Sheets(make_workbook(root, root.parent / f"{self.login}.xlsx"))

    def press(self, action, monkeypatch) -> ab.Answer:
        monkeypatch.setenv("REMOTE_USER", self.login)            # who the server sees pushing
        said: list[str] = []
        answer = self.book.take(action(self.book.given(), self.settings, said.append))
        assert all(isinstance(s, str) and s for s in said)
        return answer


@pytest.fixture
def office(make_office, capsys):
    """(central, 山田, 佐藤): the small plan on a central repository with its hook and
    access rules, each member of staff with a clone and a workbook read into values."""
    o = make_office(access=access_yaml(DEPARTMENTS), message="取り込み", staff={"yamada": YAMADA, "sato": SATO})
    people = Person(o["yamada"], YAMADA), Person(o["sato"], SATO)
    capsys.readouterr()
    return (o.central, *people)


def test_xlwings_is_not_needed():
    done = subprocess.run([sys.executable, "-c", "import sys; sys.modules['xlwings'] = None\n"
                           "import shinchoku.actions.send, shinchoku.actions.lookup, shinchoku.actions.cycle"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_push_sends_one_cell_under_the_users_name_and_the_state_follows(office, monkeypatch):
    central, yamada, _sato = office
    a = yamada.book.type("R2", 5, "指導室", "課題", "人材が足りない。")
    answer = yamada.press(send.push, monkeypatch)
    assert (answer.alert, answer.critical) == ("1件のセルを送信しました。", False)
    assert central_value(central, "R2", 5, "指導室", "課題") == "人材が足りない。"
    assert git(central, "log", "-1", "--format=%an|%s", "main").strip() == "山田 花子|R2 No.5 指導室: 課題 を更新"
    assert yamada.book.get(a) == "人材が足りない。"
    # the state took the sent value: nothing more to send
    assert send.push(yamada.book.given(), yamada.settings).alert.startswith("送信する変更はありません")
    assert git(yamada.root, "status", "--porcelain") == ""


def test_pull_brings_someone_elses_change_and_keeps_an_unsent_edit(office, monkeypatch):
    central, yamada, sato = office
    sato.book.type("R2", 5, "児童青少年課", "課題", "佐藤が送った課題")
    assert sato.press(send.push, monkeypatch).alert == "1件のセルを送信しました。"
    mine = yamada.book.type("R2", 5, "指導室", "備考", "まだ送らない備考")
    answer = yamada.press(send.pull, monkeypatch)
    assert not answer.critical
    assert "最新の記録を取得しました" in answer.alert and "1件のセルを更新しました。" in answer.alert
    assert "まだ送信していない変更 1件は、そのまま残しています" in answer.alert
    assert yamada.book.get(yamada.book.address("R2", 5, "児童青少年課", "課題")) == "佐藤が送った課題"
    assert yamada.book.get(mine) == "まだ送らない備考"
    # every write of the pull is to the sheet's editable cells or to the state
    written = {w.sheet for w in answer.writes if isinstance(w, ab.Cells)}
    assert written <= {sm.SHEET_NAME, sm.STATE_SHEET}
    assert yamada.press(send.push, monkeypatch).alert == "1件のセルを送信しました。"
    assert central_value(central, "R2", 5, "指導室", "備考") == "まだ送らない備考"


def test_check_and_push_colour_a_wrong_cell_list_it_and_send_nothing(office, monkeypatch):
    central, yamada, _sato = office
    before = git(central, "rev-parse", "main")
    bad = yamada.book.type("R2", 5, "指導室", "進捗状況", "順調")
    for action in (send.check, send.push):
        answer = yamada.press(action, monkeypatch)
        assert answer.critical and "1件のエラー" in answer.alert
        assert yamada.book.colours[bad] == sm.ERROR_FILL and yamada.book.shown == sm.ERROR_SHEET
        errors = yamada.book.rows(sm.ERROR_SHEET)
        assert errors[3][:2] == [bad, "R2 No.5 指導室 進捗状況"] and "「順調」は選べる値ではありません" in errors[3][2]
    assert git(central, "rev-parse", "main") == before
    yamada.book.type("R2", 5, "指導室", "進捗状況", "計画通りに進んでいない")
    assert yamada.press(send.push, monkeypatch).alert == "1件のセルを送信しました。"
    assert yamada.book.colours[bad] == sm.EDITABLE_FILL
    assert yamada.book.rows(sm.ERROR_SHEET)[0][0].startswith("エラーはありません")


def test_a_cell_someone_else_changed_is_a_conflict_listed_with_both_values(office, monkeypatch):
    central, yamada, sato = office
    yamada.book.type("R2", 1, "協働推進課", "課題", "山田の課題")
    assert yamada.press(send.push, monkeypatch).alert == "1件のセルを送信しました。"
    a = sato.book.type("R2", 1, "協働推進課", "課題", "佐藤の課題")
    sato.book.type("R2", 1, "協働推進課", "備考", "佐藤の備考")
    answer = sato.press(send.push, monkeypatch)
    assert answer.critical and "1件のセルを送信しました。" in answer.alert and "競合 1件" in answer.alert
    assert central_value(central, "R2", 1, "協働推進課", "課題") == "山田の課題"
    assert central_value(central, "R2", 1, "協働推進課", "備考") == "佐藤の備考"
    assert sato.book.colours[a] == sm.CONFLICT_FILL and sato.book.get(a) == "佐藤の課題"
    conflict = sato.book.rows(sm.CONFLICT_SHEET)
    assert conflict[3][:5] == [a, "R2 No.1 協働推進課 課題", "佐藤の課題", "山田の課題", "山田 花子"]
    # sending again overwrites theirs on purpose
    assert sato.press(send.push, monkeypatch).alert == "1件のセルを送信しました。"
    assert central_value(central, "R2", 1, "協働推進課", "課題") == "佐藤の課題"
    assert sato.book.rows(sm.CONFLICT_SHEET)[0][0].startswith("競合はありません")


def test_the_central_refusal_is_placed_on_the_cell_it_names(office, monkeypatch):
    central, yamada, _sato = office
    before = git(central, "rev-parse", "main")
    other = yamada.book.type("R2", 5, "児童青少年課", "課題", "よその課の課題")
    answer = yamada.press(send.push, monkeypatch)
    assert answer.critical and answer.alert.startswith("中央のリポジトリが受け付けませんでした")
    assert "yamada さんは「児童青少年課」の報告を変更できません" in answer.alert
    assert answer.alert.rstrip().endswith("シートの内容はそのままです。")
    assert git(central, "rev-parse", "main") == before
    assert yamada.book.colours[other] == sm.ERROR_FILL
    errors = yamada.book.rows(sm.ERROR_SHEET)
    assert errors[0][0] == "中央のリポジトリが受け付けなかった内容（送信していません）"
    assert errors[3][:2] == [other, "R2 No.5 児童青少年課 課題"]
    assert yamada.book.get(other) == "よその課の課題"


def test_a_refusal_raised_half_way_writes_nothing(office, monkeypatch):
    _central, yamada, _sato = office
    given = yamada.book.given()
    broken = ab.BookValues(given.main, [["not a state"]], given.sheets)
    with pytest.raises(ab.Stop) as err:
        send.push(broken, yamada.settings)
    assert "シートの内容が壊れています" in str(err.value)
    no_name = settings_mod.Settings(path=yamada.settings.path, repo=yamada.settings.repo)
    yamada.book.type("R2", 5, "指導室", "課題", "名前のない送信")
    with pytest.raises(settings_mod.SettingsError):
        send.push(yamada.book.given(), no_name)


def test_history_lists_the_selected_cells_changes_newest_first(office, monkeypatch):
    from shinchoku.actions import lookup

    _central, yamada, sato = office
    a = yamada.book.type("R2", 1, "協働推進課", "課題", "一回目")
    yamada.press(send.push, monkeypatch)
    sato.press(send.pull, monkeypatch)
    sato.book.type("R2", 1, "協働推進課", "課題", "二回目")
    sato.press(send.push, monkeypatch)
    with pytest.raises(ab.Stop):                       # nothing selected
        yamada.press(lookup.history, monkeypatch)
    r, c = _key(a)
    yamada.book.selection = ab.Selection(sm.SHEET_NAME, r, c, r)
    yamada.press(lookup.history, monkeypatch)
    rows = yamada.book.rows(sm.HISTORY_SHEET)
    assert rows[0][0] == "R2 No.1 協働推進課 課題 の履歴（新しい順）" and yamada.book.shown == sm.HISTORY_SHEET
    assert [(x[1], x[2], x[3]) for x in rows[3:]] == [("佐藤 一郎", "一回目", "二回目"),
                                                      ("山田 花子", "参加者が少ない。", "一回目"),
                                                      ("協働推進課 調整担当", "（空欄）", "参加者が少ない。")]

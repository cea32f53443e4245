"""The add-in's buttons driven through xlwings' remote engine on real repositories.

A bare central repository with the real server hook (`shinchoku server-install`, access
rules in records/access.yaml, the pusher named by REMOTE_USER as the local transport
hands it over) and staff clones wired with `shinchoku install` (real pre-commit hook);
each staff member has a workbook made by `shinchoku workbook`, opened in
tests/xlclient.py, which builds the payload Excel sends and applies the actions the
add-in returns, as xlwings' VBA remote client does."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# xlwings is a test dependency (pyproject [test]): without it these tests fail, never skip.
import xlwings  # noqa: E402,F401

import xlclient  # noqa: E402
from gitrepo import COORDINATOR as COORD  # noqa: E402
from gitrepo import central_value, clone, git  # noqa: E402
from shinchoku.cli import main  # noqa: E402
from shinchoku.sheet import sheetmodel as sm  # noqa: E402
from shinchoku.store import Author  # noqa: E402
from workbooks import MAIN, Staff  # noqa: E402

# the buttons need xlwings' remote engine: where it cannot load, every test here fails
pytestmark = pytest.mark.usefixtures("remote_engine")


@pytest.fixture
def office(addin_office):
    """(central, yamada, sato): conftest's ``addin_office``."""
    return addin_office


# -- the action set -------------------------------------------------------------------


def test_the_vba_remote_client_list_is_read_from_xlwings_itself():
    names = xlclient.implemented_actions()
    assert {"setValues", "setRangeColor", "addSheet", "alert", "rangeClearContents", "activateSheet",
            "sheetClearContents", "setSheetName"} <= names
    assert "setRowHidden" not in names and len(names) > 30


def test_every_button_emits_only_actions_the_vba_client_carries_out(office):
    from shinchoku import addin

    central, yamada, _sato = office
    yamada.type("R2", 5, "指導室", "課題", "人材が足りない")
    yamada.type("R2", 5, "指導室", "進捗状況", "順調")
    yamada.press(addin.check)
    yamada.press(addin.push)
    yamada.type("R2", 5, "指導室", "進捗状況", "計画通りに進んでいる")
    yamada.press(addin.push)
    yamada.xl.select(MAIN, yamada.addr("R2", 5, "指導室", "課題"))
    yamada.press(addin.history)
    yamada.press(addin.pull)
    yamada.press(addin.review)
    used = {a["func"] for a in yamada.xl.actions}
    assert used <= xlclient.implemented_actions()
    assert {"setValues", "setRangeColor", "addSheet", "alert"} <= used


# -- 取得 ------------------------------------------------------------------------------


def test_pull_shows_what_others_sent_and_keeps_unsent_edits(office):
    from shinchoku import addin

    central, yamada, sato = office
    mine = yamada.type("R2", 5, "指導室", "備考", "山田のメモ（未送信）")
    sato.type("R2", 5, "児童青少年課", "課題", "佐藤が書いた課題")
    assert "1件のセルを送信しました" in sato.press(addin.push)[0][0]

    alerts = yamada.press(addin.pull)
    assert "最新の記録を取得しました" in alerts[0][0] and "まだ送信していない変更 1件" in alerts[0][0]
    assert yamada.cell("R2", 5, "児童青少年課", "課題") == "佐藤が書いた課題"
    assert yamada.xl.sheet(MAIN).get(mine) == "山田のメモ（未送信）"
    # the kept edit is still an edit, and goes out with the next push
    assert "1件のセルを送信しました" in yamada.press(addin.push)[0][0]
    assert central_value(central, "R2", 5, "指導室", "備考") == "山田のメモ（未送信）"
    assert central_value(central, "R2", 5, "児童青少年課", "課題") == "佐藤が書いた課題"


def test_pull_refuses_a_broken_record_upstream_and_leaves_the_sheet(office, tmp_path):
    from shinchoku import addin

    central, yamada, _sato = office
    coord = tmp_path / "coord"
    git(tmp_path, "clone", "-q", str(central), "coord")
    (coord / "records" / "R2" / "05.yaml").write_text("No: 5\n年度: [R2\n", encoding="utf-8")
    git(coord, "commit", "-q", "--no-verify", "-am", "壊れた記録", who=COORD)
    # the server hook refuses it; it gets there only past the hook (an administrator's
    # push straight into the repository)
    hook = central / "hooks" / "pre-receive"
    hook.rename(hook.with_name("pre-receive.off"))
    git(coord, "push", "-q", "origin", "main", user="kyodo")
    hook.with_name("pre-receive.off").rename(hook)
    before = yamada.cell("R2", 5, "指導室", "実績")
    alerts = yamada.press(addin.pull)
    assert "records/R2/05.yaml が読めない形" in alerts[0][0] and alerts[0][2] == "critical"
    assert yamada.cell("R2", 5, "指導室", "実績") == before


def test_missing_settings_name_the_file_and_the_key(office, monkeypatch, tmp_path):
    from shinchoku import addin

    _central, yamada, _sato = office
    yamada.config.write_text(f"repo = '{yamada.root}'\n", encoding="utf-8")
    yamada.type("R2", 5, "指導室", "備考", "メモ")
    alerts = yamada.press(addin.push)
    assert str(yamada.config) in alerts[0][0] and "name・email" in alerts[0][0]
    yamada.config.unlink()
    alerts = yamada.press(addin.pull)
    assert f"設定ファイル {yamada.config} がありません" in alerts[0][0]
    assert yamada.cell("R2", 5, "指導室", "備考") == "メモ"


# -- 送信 ------------------------------------------------------------------------------


def test_two_staff_edit_different_cells_of_one_record_and_both_land(office):
    from shinchoku import addin

    central, yamada, sato = office
    yamada.type("R2", 5, "指導室", "課題", "地域人材の確保")
    sato.type("R2", 5, "児童青少年課", "備考", "年2回実施")
    assert yamada.press(addin.push)[0][0] == "1件のセルを送信しました。"
    assert sato.press(addin.push)[0][0] == "1件のセルを送信しました。"
    assert central_value(central, "R2", 5, "指導室", "課題") == "地域人材の確保"
    assert central_value(central, "R2", 5, "児童青少年課", "備考") == "年2回実施"
    # after the push, 佐藤's sheet shows the merged state and nothing counts as changed
    assert sato.cell("R2", 5, "指導室", "課題") == "地域人材の確保"
    assert "送信する変更はありません" in sato.press(addin.push)[0][0]
    log = git(central, "log", "--format=%an|%s", "main")
    assert "山田 花子|R2 No.5 指導室: 課題 を更新" in log and "佐藤 一郎|R2 No.5 児童青少年課: 備考 を更新" in log


def test_the_same_cell_is_a_conflict_shown_with_both_values_and_nothing_is_lost(office):
    from shinchoku import addin

    central, yamada, sato = office
    yamada.type("R2", 1, "協働推進課", "課題", "山田の課題")
    a = sato.type("R2", 1, "協働推進課", "課題", "佐藤の課題")
    sato.type("R2", 9, "産業振興課", "備考", "佐藤の備考")
    yamada.press(addin.push)
    alerts = sato.press(addin.push)
    assert "1件のセルを送信しました。" in alerts[0][0] and "競合 1件" in alerts[0][0]
    assert central_value(central, "R2", 1, "協働推進課", "課題") == "山田の課題"
    assert central_value(central, "R2", 9, "産業振興課", "備考") == "佐藤の備考"
    sheet = sato.xl.sheet(MAIN)
    assert sheet.get(a) == "佐藤の課題" and sheet.colours[xlclient.cell_key(a)] == sm.CONFLICT_FILL
    conflict = sato.xl.sheet(sm.CONFLICT_SHEET).values()
    header = conflict[2]
    row = dict(zip(header, conflict[3]))
    assert header[:6] == ["セル", "項目", "自分の値", "相手の値", "変更した人", "日時"]
    assert row["セル"] == a and row["自分の値"] == "佐藤の課題" and row["相手の値"] == "山田の課題"
    assert row["変更した人"] == "山田 花子" and row["日時"]
    # pressing 送信 again overwrites the other value on purpose
    alerts = sato.press(addin.push)
    assert alerts[0][0] == "1件のセルを送信しました。"
    assert central_value(central, "R2", 1, "協働推進課", "課題") == "佐藤の課題"
    assert sheet.colours[xlclient.cell_key(a)] == sm.EDITABLE_FILL
    assert sato.xl.sheet(sm.CONFLICT_SHEET).values()[0][0].startswith("競合はありません")


def test_an_invalid_status_is_coloured_listed_and_nothing_is_committed(office):
    from shinchoku import addin

    central, yamada, _sato = office
    before = git(central, "rev-parse", "main")
    bad = yamada.type("R2", 5, "指導室", "進捗状況", "順調")
    good = yamada.type("R2", 5, "指導室", "課題", "これは正しい")
    alerts = yamada.press(addin.push)
    assert "1件のエラーがあるため、送信しませんでした" in alerts[0][0]
    assert git(central, "rev-parse", "main") == before
    sheet = yamada.xl.sheet(MAIN)
    assert sheet.colours[xlclient.cell_key(bad)] == sm.ERROR_FILL
    assert sheet.get(bad) == "順調" and sheet.get(good) == "これは正しい"
    errors = yamada.xl.sheet(sm.ERROR_SHEET).values()
    assert errors[2] == ["セル", "項目", "内容"]
    assert errors[3][0] == bad and errors[3][1] == "R2 No.5 指導室 進捗状況"
    assert "「順調」は選べる値ではありません" in errors[3][2] and "計画通りに進んでいる" in errors[3][2]
    # fixed: both go out, the colour goes, the error sheet says so
    yamada.type("R2", 5, "指導室", "進捗状況", "完了(目標を達成)")
    assert yamada.press(addin.push)[0][0] == "2件のセルを送信しました。"
    assert central_value(central, "R2", 5, "指導室", "進捗状況") == "完了(目標を達成)"
    assert sheet.colours[xlclient.cell_key(bad)] == sm.EDITABLE_FILL
    assert yamada.xl.sheet(sm.ERROR_SHEET).values()[0][0].startswith("エラーはありません")


def test_formula_errors_numbers_control_characters_and_long_text_are_refused(office):
    from shinchoku import addin

    central, yamada, _sato = office
    before = git(central, "rev-parse", "main")
    cells = {
        yamada.type("R2", 5, "指導室", "実績", "#N/A"): "計算式のエラー（#N/A）",
        yamada.type("R2", 5, "児童青少年課", "備考", "#REF!"): "計算式のエラー（#REF!）",
        yamada.type("R2", 1, "協働推進課", "備考", "a\tb"): "制御文字",
        yamada.type("R2", 9, "産業振興課", "課題", "長" * 2001): "2000文字以内",
    }
    # a number pasted into a text cell (the template formats them as text, so only a paste or a formula gives one)
    num = yamada.addr("R2", 9, "協働推進課", "課題")
    yamada.xl.sheet(MAIN).cells[xlclient.cell_key(num)] = 42.0
    cells[num] = "数値として入力されています"
    alerts = yamada.press(addin.check)
    assert "5件のエラーがあります" in alerts[0][0]
    found = {row[0]: row[2] for row in yamada.xl.sheet(sm.ERROR_SHEET).values()[3:]}
    for address, message in cells.items():
        assert message in found[address]
    assert git(central, "rev-parse", "main") == before


def test_a_push_refused_by_the_server_shows_its_message_and_keeps_the_edits(office):
    from shinchoku import addin

    central, yamada, _sato = office
    before = git(central, "rev-parse", "main")
    # 山田 may change 指導室's reports only: the server's access rules refuse this one
    other = yamada.type("R2", 5, "児童青少年課", "課題", "よその課の課題")
    mine = yamada.type("R2", 5, "指導室", "課題", "自分の課の課題")
    alerts = yamada.press(addin.push)
    assert "中央のリポジトリが受け付けませんでした" in alerts[0][0] and alerts[0][2] == "critical"
    assert "yamada さんは「児童青少年課」の報告を変更できません（変更できる課: 指導室・協働推進課・産業振興課）" in alerts[0][0]
    assert git(central, "rev-parse", "main") == before
    assert yamada.xl.sheet(MAIN).get(other) == "よその課の課題"
    assert yamada.xl.sheet(MAIN).get(mine) == "自分の課の課題"
    # the cell the server named is coloured and listed
    assert yamada.xl.sheet(MAIN).colours[xlclient.cell_key(other)] == sm.ERROR_FILL
    errors = yamada.xl.sheet(sm.ERROR_SHEET).values()
    assert errors[0][0] == "中央のリポジトリが受け付けなかった内容（送信していません）"
    assert errors[3][:2] == [other, "R2 No.5 児童青少年課 課題"] and "変更できません" in errors[3][2]
    assert git(yamada.root, "status", "--porcelain") == ""
    # put the other department's cell back: the rest goes out
    yamada.type("R2", 5, "児童青少年課", "課題", "協力者との情報交換が足りない。")
    assert yamada.press(addin.push)[0][0] == "1件のセルを送信しました。"
    assert central_value(central, "R2", 5, "指導室", "課題") == "自分の課の課題"
    assert central_value(central, "R2", 5, "児童青少年課", "課題") == "協力者との情報交換が足りない。"


def test_a_server_hook_saying_no_in_its_own_words_is_shown(office):
    from shinchoku import addin

    central, yamada, _sato = office
    hook = central / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho '只今、保守作業中のため受け付けていません（協働推進課）' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    a = yamada.type("R2", 5, "指導室", "備考", "保守中に書いた備考")
    alerts = yamada.press(addin.push)
    assert "只今、保守作業中のため受け付けていません（協働推進課）" in alerts[0][0]
    assert yamada.xl.sheet(MAIN).get(a) == "保守中に書いた備考"
    assert main(["server-install", str(central), "--force"]) == 0
    assert yamada.press(addin.push)[0][0] == "1件のセルを送信しました。"


def test_a_resorted_sheet_is_read_by_the_keys_in_each_row(office):
    from shinchoku import addin

    central, yamada, _sato = office
    a = yamada.type("R2", 9, "協働推進課", "課題", "並べ替えた後の課題")
    sheet = yamada.xl.sheet(MAIN)
    sheet.protected = False
    yamada.xl.sort_rows(MAIN, sm.FIRST_DATA_ROW, key=lambda row: (-(row[0] if isinstance(row[0], float) else 0), str(row[2])))
    assert yamada.addr("R2", 9, "協働推進課", "課題") != a           # the row moved
    b = yamada.type("R2", 1, "協働推進課", "備考", "1番の備考")
    assert yamada.press(addin.push)[0][0] == "2件のセルを送信しました。"
    assert central_value(central, "R2", 9, "協働推進課", "課題") == "並べ替えた後の課題"
    assert central_value(central, "R2", 1, "協働推進課", "備考") == "1番の備考"
    assert yamada.xl.sheet(MAIN).get(b) == "1番の備考"


def test_closed_years_are_locked_and_refused_even_when_unprotected(office):
    from shinchoku import addin

    central, yamada, _sato = office
    with pytest.raises(xlclient.ExcelError):
        yamada.type("R1", 5, "指導室", "課題", "過去の年度")
    yamada.xl.sheet(MAIN).protected = False
    a = yamada.type("R1", 5, "指導室", "課題", "過去の年度")
    alerts = yamada.press(addin.push)
    assert "送信しませんでした" in alerts[0][0]
    errors = yamada.xl.sheet(sm.ERROR_SHEET).values()
    assert errors[3][0] == a and "R1年度は締め切られている" in errors[3][2]


def test_rows_of_another_department_are_not_sent(office, tmp_path, monkeypatch):
    from shinchoku import addin

    central, _yamada, _sato = office
    ito = Staff(tmp_path, central, Author("伊藤 三郎", "ito@city.example"), department="指導室", monkeypatch=monkeypatch)
    ito.type("R2", 5, "指導室", "備考", "指導室の備考")
    ito.type("R2", 5, "児童青少年課", "備考", "よその課")
    alerts = ito.press(addin.push)
    assert "1件のセルを送信しました。" in alerts[0][0] and "自分の課（指導室）の行ではないため送りません" in alerts[0][0]
    assert central_value(central, "R2", 5, "児童青少年課", "備考") is None


# -- 履歴 / 変更確認 ----------------------------------------------------------------------


def test_history_of_a_cell_after_three_edits_by_two_people(office):
    from shinchoku import addin

    _central, yamada, sato = office
    yamada.type("R2", 1, "協働推進課", "課題", "一回目")
    yamada.press(addin.push)
    sato.press(addin.pull)
    sato.type("R2", 1, "協働推進課", "課題", "二回目")
    sato.press(addin.push)
    yamada.press(addin.pull)
    a = yamada.type("R2", 1, "協働推進課", "課題", "三回目")
    yamada.press(addin.push)
    yamada.xl.select(MAIN, a)
    yamada.press(addin.history)
    rows = yamada.xl.sheet(sm.HISTORY_SHEET).values()
    assert rows[0][0] == "R2 No.1 協働推進課 課題 の履歴（新しい順）"
    assert rows[2][:5] == ["日時", "変更した人", "変更前", "変更後", "コミットの説明"]
    body = [r for r in rows[3:] if r[0]]
    assert [(r[1], r[2], r[3]) for r in body] == [
        ("山田 花子", "二回目", "三回目"), ("佐藤 一郎", "一回目", "二回目"), ("山田 花子", "参加者が少ない。", "一回目"), ("協働推進課 調整担当", "（空欄）", "参加者が少ない。")]
    assert body[0][4] == "R2 No.1 協働推進課: 課題 を更新"
    assert yamada.xl.sheets[yamada.xl.active].name == sm.HISTORY_SHEET


def test_history_needs_a_report_cell(office):
    from shinchoku import addin

    _central, yamada, _sato = office
    yamada.xl.select(MAIN, "B2")
    alerts = yamada.press(addin.history)
    assert "セルを選んでから" in alerts[0][0]


def test_review_lists_changes_for_the_coordinator(office):
    from shinchoku import addin

    _central, yamada, sato = office
    yamada.type("R2", 5, "指導室", "課題", "確認してほしい課題")
    yamada.press(addin.push)
    sato.press(addin.review)
    rows = sato.xl.sheet(sm.REVIEW_SHEET).values()
    assert rows[2] == ["課", "No", "施策", "年度", "項目", "変更前", "変更後", "変更者", "日時", "コミット"]
    hits = [r for r in rows[3:] if r[6] == "確認してほしい課題"]
    assert hits and hits[0][0] == "指導室" and hits[0][1] == 5.0 and hits[0][7] == "山田 花子"


# -- failures leave everything as it was ------------------------------------------------


def test_no_network_and_a_held_lock_are_explained_and_the_edits_stay(office):
    from shinchoku import addin

    central, yamada, _sato = office
    a = yamada.type("R2", 5, "指導室", "課題", "ネットワークが切れても残る")
    away = central.with_name("central-away.git")
    central.rename(away)
    alerts = yamada.press(addin.push)
    assert "中央のリポジトリに接続できませんでした" in alerts[0][0] and "シートの内容はそのままです" in alerts[0][0]
    assert yamada.xl.sheet(MAIN).get(a) == "ネットワークが切れても残る"
    alerts = yamada.press(addin.pull)
    assert "接続できませんでした" in alerts[0][0]
    assert yamada.xl.sheet(MAIN).get(a) == "ネットワークが切れても残る"
    away.rename(central)
    lock = yamada.root / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    alerts = yamada.press(addin.push)
    assert alerts[0][2] == "critical" and "別の git の操作が実行中" in alerts[0][0]
    assert git(yamada.root, "status", "--porcelain") == ""          # the clone is clean again
    assert git(central, "rev-parse", "main") == git(yamada.root, "rev-parse", "origin/main")
    lock.unlink()
    assert yamada.press(addin.push)[0][0] == "1件のセルを送信しました。"
    assert central_value(central, "R2", 5, "指導室", "課題") == "ネットワークが切れても残る"


def test_added_deleted_and_duplicated_rows(office):
    from shinchoku import addin

    central, yamada, _sato = office
    sheet = yamada.xl.sheet(MAIN)
    sheet.protected = False
    rows, cols = sheet.size()
    kadai = xlclient.cell_key(yamada.addr("R2", 5, "指導室", "課題"))[1]
    # a row with no No/主管課 but text in an open year's cell
    sheet.cells[(rows + 1, kadai)] = "どの施策か分からない"
    # a copy of an existing row (same No and 主管課)
    r5 = xlclient.cell_key(yamada.addr("R2", 5, "指導室", "課題"))[0]
    for c in range(1, cols + 1):
        if (r5, c) in sheet.cells:
            sheet.cells[(rows + 2, c)] = sheet.cells[(r5, c)]
    sheet.cells[(rows + 2, kadai)] = "二つ目の行"
    # a row for an initiative the plan does not have
    sheet.cells[(rows + 3, 1)] = 77.0
    sheet.cells[(rows + 3, 3)] = "協働推進課"
    sheet.cells[(rows + 3, kadai)] = "計画にない施策"
    yamada.press(addin.check)
    found = {row[0]: row[2] for row in yamada.xl.sheet(sm.ERROR_SHEET).values()[3:]}
    assert "No と主管課のない行に入力があります" in found[sm.address(rows + 1, 1)]
    assert f"同じ施策・主管課の行が2つあります（{r5}行目と{rows + 2}行目）" in found[sm.address(rows + 2, 1)]
    assert "計画（plan.yaml）にない施策・主管課の行です" in found[sm.address(rows + 3, 1)]
    # deleting the extra rows and one real row: the rest goes out, nothing is removed upstream
    for r in (rows + 1, rows + 2, rows + 3, xlclient.cell_key(yamada.addr("R2", 1, "協働推進課", "課題"))[0]):
        for c in range(1, cols + 1):
            sheet.cells.pop((r, c), None)
    yamada.type("R2", 9, "産業振興課", "課題", "残った行の課題")
    assert yamada.press(addin.push)[0][0] == "1件のセルを送信しました。"
    assert central_value(central, "R2", 1, "協働推進課", "課題") == "参加者が少ない。"
    alerts = yamada.press(addin.pull)
    assert "計画にあってシートにない行があります（No.1 協働推進課）" in alerts[0][0]


def test_history_of_the_reference_column_is_last_years_field(office):
    from shinchoku import addin

    _central, yamada, _sato = office
    state = sm.read_state(yamada.xl.sheet(sm.STATE_SHEET).values())
    ctx = next(c for c in state.layout.columns if c.kind == "context")
    row = xlclient.cell_key(yamada.addr("R2", 1, "協働推進課", "実績"))[0]
    yamada.xl.select(MAIN, sm.address(row, ctx.index))
    yamada.press(addin.history)
    rows = yamada.xl.sheet(sm.HISTORY_SHEET).values()
    assert rows[0][0] == "R1 No.1 協働推進課 次年度へ向けた取組 の履歴（新しい順）"
    assert rows[3][1] == COORD.name and rows[3][3] == "周知を強化する。"


def test_the_ribbon_ids_are_the_buttons_the_addin_answers(office):
    import re

    from shinchoku import addin

    xml = (Path(__file__).resolve().parents[1] / "addin" / "customUI.xml").read_text(encoding="utf-8")
    ids = set(re.findall(r'<button id="(shinchoku_\w+)"', xml))
    assert ids == set(addin.BUTTONS) == {"shinchoku_pull", "shinchoku_push", "shinchoku_history",
                                         "shinchoku_check", "shinchoku_review", "shinchoku_submit",
                                         "shinchoku_sendback", "shinchoku_approve", "shinchoku_progress"}


def test_pull_says_when_the_open_years_changed_since_the_workbook_was_made(office, tmp_path, monkeypatch):
    from shinchoku import addin
    from shinchoku.cli import main as cli

    central, yamada, _sato = office
    coord = clone(central, tmp_path / "coord", COORD, install=False)
    monkeypatch.setenv("REMOTE_USER", "kyodo")
    assert cli(["year", "close", "R2", "--repo", str(coord)]) == 0      # commits and sends it
    alerts = yamada.press(addin.pull)
    assert "受付中の年度が変わりました（このブック: R2、今: なし）" in alerts[0][0]


def test_pull_keeps_text_typed_in_a_row_it_did_not_fill(office):
    from shinchoku import addin

    _central, yamada, _sato = office
    state = yamada.xl.sheet(sm.STATE_SHEET)
    r = next(r for (r, c), v in state.cells.items() if c == 1 and v == 9.0 and state.cells.get((r, 3)) == "協働推進課")
    for c in range(1, state.size()[1] + 1):
        state.cells.pop((r, c), None)                 # the last pull did not know this row
    a = yamada.type("R2", 9, "協働推進課", "課題", "新しい行に書いた課題")
    alerts = yamada.press(addin.pull)
    assert "まだ送信していない変更" in alerts[0][0]
    assert yamada.xl.sheet(MAIN).get(a) == "新しい行に書いた課題"
    # other cells of that row got the records' values
    assert yamada.cell("R2", 9, "協働推進課", "備考") == "0回"


def test_records_refused_by_the_checks_after_a_plan_change_are_listed_and_not_sent(office, tmp_path):
    from shinchoku import addin
    from shinchoku.model import records
    from shinchoku.model.plan import load as load_plan

    central, _yamada, sato = office
    coord = tmp_path / "coord"
    git(tmp_path, "clone", "-q", str(central), "coord")
    plan = load_plan(coord / "records").data
    item = next(i for s in plan["推進方策"] for g in s["目標"] for i in g["施策"] if i["No"] == 5)
    item["主管課"] = ["指導室"]
    item["事業内容"] = "授業を実施します。"
    (coord / "records" / "plan.yaml").write_text(records.dumps_plan(plan), encoding="utf-8")
    for year in ("H30", "R1", "R2"):
        rec = records.load_record(coord / records.record_relpath(year, 5))
        rec["報告"] = [r for r in rec["報告"] if r["主管課"] == "指導室"]
        records.write_record(coord, rec)
    git(coord, "add", "-A")
    git(coord, "commit", "-q", "-m", "No.5 の主管課を指導室だけにする", who=COORD)
    git(coord, "push", "-q", "origin", "main", user="kyodo")
    before = git(central, "rev-parse", "main")
    a = sato.type("R2", 5, "児童青少年課", "備考", "計画から外れた課の備考")
    alerts = sato.press(addin.push)
    assert "記録の確認で" in alerts[0][0] and "送信しませんでした" in alerts[0][0]
    assert git(central, "rev-parse", "main") == before
    errors = sato.xl.sheet(sm.ERROR_SHEET).values()
    assert errors[0][0] == "記録の確認で見つかった問題（送信していません）"
    row = xlclient.cell_key(a)[0]
    assert [r[0] for r in errors[3:] if "R2 No.5 児童青少年課" in r[1] and "主管課ではありません" in r[2]] == [f"C{row}"]
    assert sato.xl.sheet(MAIN).get(a) == "計画から外れた課の備考"


def test_nothing_to_do_is_said_plainly(office):
    from shinchoku import addin

    _central, yamada, _sato = office
    assert yamada.press(addin.check)[0][0] == "エラーはありません。送信する変更は 0件です。"
    assert yamada.press(addin.push)[0][0].startswith("送信する変更はありません")
    alerts = yamada.press(addin.pull)
    assert "シートはすでに最新の内容です。" in alerts[0][0]
    assert not [a for a in yamada.xl.actions if a["func"] == "setValues" and a["sheet_position"] == 0]


def test_on_button_runs_the_button_on_the_calling_book(office, monkeypatch):
    import xlwings as xw

    from shinchoku import addin

    _central, yamada, _sato = office
    yamada.type("R2", 5, "指導室", "備考", "リボンから送る")

    def press(control_id: str):
        def run(book):
            monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: book))
            addin.on_button(control_id)
        return yamada.press(run)

    assert press("shinchoku_push")[0][0] == "1件のセルを送信しました。"
    assert press("shinchoku_nothing")[0][0] == "「shinchoku_nothing」というボタンはありません"


def test_the_first_pull_on_a_new_pc_makes_the_clone_from_remote(office, tmp_path):
    from shinchoku import addin

    central, yamada, _s = office
    new_pc = tmp_path / "新しいPC" / "records"
    yamada.config.write_text(yamada.config.read_text(encoding="utf-8").replace(f"repo = '{yamada.root}'", f"repo = '{new_pc}'"),
                             encoding="utf-8")
    said = yamada.press(addin.pull)
    assert any("このフォルダを作ります" in alert[0] for alert in said), said     # no remote yet: says how
    assert not new_pc.exists()
    with yamada.config.open("a", encoding="utf-8") as fh:
        fh.write(f"remote = '{central}'\n")
    said = yamada.press(addin.pull)
    assert any(f"記録リポジトリを {new_pc} に作りました。最新の記録を取得しました" in alert[0] for alert in said), said
    assert git(new_pc, "config", "core.hooksPath").strip() == "hooks"              # wired like `shinchoku install`
    yamada.type("R2", 5, "指導室", "課題", "新しいPCから")
    yamada.press(addin.push)
    assert central_value(central, "R2", 5, "指導室", "課題") == "新しいPCから"


def test_a_no_cell_that_is_not_a_number_is_named_not_a_crash(office):
    """① and ² pass str.isdigit() but not int(): every button failed with a ValueError."""
    from shinchoku import addin

    central, yamada, _sato = office
    before = git(central, "rev-parse", "main")
    sheet = yamada.xl.sheet(MAIN)
    sheet.protected = False
    rows, _cols = sheet.size()
    kadai = xlclient.cell_key(yamada.addr("R2", 5, "指導室", "課題"))[1]
    for offset, no in enumerate(("①", "²", "5.0"), start=1):
        sheet.cells[(rows + offset, 1)] = no
        sheet.cells[(rows + offset, 3)] = "協働推進課"
        sheet.cells[(rows + offset, kadai)] = "No が読めない行"
    for button in (addin.check, addin.push):
        alerts = yamada.press(button)
        assert "3件のエラー" in alerts[0][0], alerts
    found = {row[0]: row[2] for row in yamada.xl.sheet(sm.ERROR_SHEET).values()[3:]}
    for offset, no in enumerate(("①", "²", "5.0"), start=1):
        assert f"No「{no}」を施策の番号として読めません" in found[sm.address(rows + offset, 1)]
    assert git(central, "rev-parse", "main") == before


def test_a_deleted_column_is_refused_not_read_as_emptied_cells(office):
    """Deleting the last column (R2 備考) looked like every 備考 cleared: 送信 deleted them all."""
    from shinchoku import addin

    central, yamada, _sato = office
    before = git(central, "rev-parse", "main")
    sheet = yamada.xl.sheet(MAIN)
    sheet.protected = False
    cols = xlclient.cell_key(yamada.addr("R2", 5, "指導室", "備考"))[1]      # the layout's last column
    sheet.cells = {k: v for k, v in sheet.cells.items() if k[1] < cols}   # (and the cycle's columns after it)
    for button in (addin.check, addin.push):
        alerts = yamada.press(button)
        assert "1件のエラー" in alerts[0][0], alerts
        found = yamada.xl.sheet(sm.ERROR_SHEET).values()[3]
        assert found[0] == sm.address(3, cols) and "見出しが「備考」ではなく空になっています" in found[2]
    alerts = yamada.press(addin.pull)
    assert "見出しが「備考」ではなく空" in alerts[0][0]
    assert git(central, "rev-parse", "main") == before


def test_pull_and_push_repair_what_an_interrupted_git_left_and_say_so(office):
    """A merge left in progress and a stale lock (what a crash in the middle of 取得 leaves):
    取得 puts the clone back and says so; a stale lock at 送信 is removed and the cell is sent."""
    import os
    import time

    from shinchoku import addin
    from shinchoku.store import repair

    central, yamada, sato = office
    s = sato.type("R2", 5, "児童青少年課", "課題", "佐藤が先に送る")
    assert sato.press(addin.push)[0][0] == "1件のセルを送信しました。"
    # yamada's clone: a merge of the central head stopped half way, and its lock left behind
    git(yamada.root, "fetch", "-q")
    git(yamada.root, "merge", "-q", "--no-commit", "--no-ff", "origin/main")
    lock = yamada.root / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    old = time.time() - 10 * repair.STALE_AFTER
    os.utime(lock, (old, old))
    alerts = yamada.press(addin.pull)
    assert alerts[0][2] != "critical", alerts
    assert "index.lock）が残っていたため、取り除きました" in alerts[0][0]
    assert "取り込む前の状態に戻しました" in alerts[0][0]
    assert "最新の記録を取得しました" in alerts[0][0]
    assert not (yamada.root / ".git" / "MERGE_HEAD").exists()
    assert yamada.cell("R2", 5, "児童青少年課", "課題") == "佐藤が先に送る"
    a = yamada.type("R2", 5, "指導室", "課題", "山田の入力")
    lock.write_text("", encoding="utf-8")
    os.utime(lock, (old, old))
    alerts = yamada.press(addin.push)
    assert alerts[0][0].startswith("前回の git の操作が途中で止まったときの印") and "1件のセルを送信しました。" in alerts[0][0]
    assert central_value(central, "R2", 5, "指導室", "課題") == "山田の入力"
    assert sato.xl.sheet(MAIN).get(s) == "佐藤が先に送る" and yamada.xl.sheet(MAIN).get(a) == "山田の入力"
    assert git(yamada.root, "status", "--porcelain") == ""


CELLS = st.one_of(
    st.just(""), st.just(None), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#DATA!",
                     "2026-05-10T00:00:00.000Z", "2026-05-10T09:30:00Z", "1999-12-31T23:59:59.5Z",
                     "2026-05-10T09:30:00", "2026-05-10", "T", "12:30", "R2年度", "順調"]),
    st.text(max_size=8))


@given(grid=st.lists(st.lists(CELLS, min_size=1, max_size=4), min_size=1, max_size=4))
@settings(max_examples=150, deadline=None)
def test_the_remote_engines_cells_read_fast_are_what_xlwings_itself_reads(grid):
    """The glue reads a payload's cells itself on the remote engine (xlwings Server, the
    tests' client); what it reads must be what ``.options(ndim=2, err_to_str=True).value``
    gives, cell for cell."""
    import xlwings as xw

    from shinchoku import addin

    width = max(len(r) for r in grid)
    values = [[("" if v is None else v) for v in row] + [""] * (width - len(row)) for row in grid]
    book = xw.Book(json={"client": "VBA", "version": xw.__version__,
                         "book": {"name": "b.xlsx", "active_sheet_index": 0, "selection": "A1"}, "names": [],
                         "sheets": [{"name": "s", "values": values, "pictures": [], "tables": []}]})
    sheet = book.sheets[0]
    try:
        expected = sheet.used_range.options(ndim=2, err_to_str=True).value
    except ValueError:
        return                  # a value xlwings itself cannot read (it cuts the last character of every date)
    assert addin._on_remote_engine(sheet)
    assert addin._remote_values(sheet.used_range) == expected

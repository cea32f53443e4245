"""The yearly cycle's buttons (提出, 差戻し, 確認, 提出状況) driven through xlwings' remote
engine on real repositories with the server hook (the harness of tests/test_addin.py:
conftest's ``addin_office``)."""

from __future__ import annotations

import pytest

# xlwings is a test dependency (pyproject [test]): without it these tests fail, never skip.
import xlwings  # noqa: E402,F401

from gitrepo import COORDINATOR as COORD  # noqa: E402
from gitrepo import central_value, git  # noqa: E402
from shinchoku.sheet import progressview as pv  # noqa: E402
from shinchoku.sheet import sheetmodel as sm  # noqa: E402
from workbooks import MAIN, Staff  # noqa: E402

# the buttons need xlwings' remote engine: where it cannot load, every test here fails
pytestmark = pytest.mark.usefixtures("remote_engine")


@pytest.fixture
def office(addin_office):
    """(central, yamada, sato): conftest's ``addin_office``."""
    return addin_office

REASON = "実績に参加人数を書いてください。"


def cycle_addr(staff: Staff, no: int, dept: str, k: int) -> str:
    """The address of row (No, 主管課)'s k-th cycle column (0 state, 1 comments, 2 new comment)."""
    sheet = staff.xl.sheet(MAIN)
    rows, cols = sheet.size()
    col = next(c for c in range(1, cols + 4)
               if sheet.cells.get((sm.HEADER_ROW, c)) == pv.CYCLE_HEADERS[2]) - 2 + k
    row = next(r for r in range(sm.FIRST_DATA_ROW, rows + 1)
               if sheet.cells.get((r, 1)) == float(no) and sheet.cells.get((r, 3)) == dept)
    return sm.address(row, col)


def state_in_central(central, no: int, dept: str) -> str:
    info = central_value(central, "R2", no, dept, "提出状況") or {}
    return info.get("状態", "未提出")


def test_a_report_goes_round_in_excel(office, tmp_path, monkeypatch):
    from shinchoku import addin

    central, yamada, sato = office
    coord = Staff(tmp_path, central, COORD, monkeypatch=monkeypatch)
    row_cell = yamada.type("R2", 5, "指導室", "実績", "授業を3回実施した。")
    assert "1件のセルを送信しました" in yamada.press(addin.push)[0][0]

    # 提出 of the selected row
    yamada.xl.select(MAIN, row_cell)
    alerts = yamada.press(addin.submit)
    assert "1件の報告を提出しました" in alerts[0][0] and "R2 No.5（指導室）: 未提出 → 提出済" in alerts[0][0]
    assert state_in_central(central, 5, "指導室") == "提出済"
    assert yamada.xl.sheet(MAIN).get(cycle_addr(yamada, 5, "指導室", 0)).startswith("提出済（")

    # 差戻し without a reason is stopped before anything is sent; with one it goes
    coord.press(addin.pull)
    coord.xl.select(MAIN, coord.addr("R2", 5, "指導室", "実績"))
    alerts = coord.press(addin.send_back)
    assert "差戻しには理由が必要です" in alerts[0][0] and alerts[0][2] == "critical"
    assert state_in_central(central, 5, "指導室") == "提出済"
    coord.xl.type(MAIN, cycle_addr(coord, 5, "指導室", 2), REASON)
    alerts = coord.press(addin.send_back)
    assert "1件の報告を差し戻しました" in alerts[0][0]
    assert state_in_central(central, 5, "指導室") == "差戻し"
    assert coord.xl.sheet(MAIN).get(cycle_addr(coord, 5, "指導室", 2)) in (None, "")     # used, emptied

    # the department sees the reason beside the row after 取得
    yamada.press(addin.pull)
    assert yamada.xl.sheet(MAIN).get(cycle_addr(yamada, 5, "指導室", 0)).startswith("差戻し（")
    notes = yamada.xl.sheet(MAIN).get(cycle_addr(yamada, 5, "指導室", 1))
    assert "協働推進課 調整担当（差戻し）: " + REASON in notes

    # fixes and sends: still 差戻し; submits again with a reply
    yamada.type("R2", 5, "指導室", "実績", "授業を3回実施した（参加者120人）。")
    yamada.press(addin.push)
    assert state_in_central(central, 5, "指導室") == "差戻し"
    yamada.xl.type(MAIN, cycle_addr(yamada, 5, "指導室", 2), "参加人数を書きました")
    yamada.xl.select(MAIN, row_cell)
    assert "1件の報告を提出しました" in yamada.press(addin.submit)[0][0]
    comments = central_value(central, "R2", 5, "指導室", "コメント")
    assert [(c["種類"], c["本文"]) for c in comments] == [("差戻し", REASON), ("回答", "参加人数を書きました")]

    # staff cannot approve (not even their own): the server refuses, the clone is back at the central head
    yamada.xl.select(MAIN, row_cell)
    alerts = yamada.press(addin.approve)
    assert alerts[0][2] == "critical" and "確認ができるのは協働推進課（調整担当）だけです" in alerts[0][0]
    assert alerts[0][0].startswith("確認できませんでした（確認は取り消し")
    assert state_in_central(central, 5, "指導室") == "提出済"
    assert git(yamada.root, "rev-parse", "HEAD") == git(central, "rev-parse", "main")
    # another department's report is not theirs to touch at all
    sato.press(addin.pull)
    sato.xl.select(MAIN, sato.addr("R2", 5, "指導室", "実績"))
    alerts = sato.press(addin.approve)
    assert alerts[0][2] == "critical" and "「指導室」の報告を変更できません" in alerts[0][0]

    # the coordinator approves; the 提出状況 sheet counts it
    coord.press(addin.pull)
    coord.xl.select(MAIN, coord.addr("R2", 5, "指導室", "実績"))
    assert "1件の報告を確認しました" in coord.press(addin.approve)[0][0]
    assert state_in_central(central, 5, "指導室") == "確認済"
    coord.press(addin.progress)
    rows = coord.xl.sheet(addin.PROGRESS_SHEET).values()
    assert rows[1][0].startswith("R2年度の提出状況")
    line = next(r for r in rows if r[0] == "指導室")
    assert line[1:5] == [0.0, 0.0, 0.0, 1.0]         # 未提出 提出済 差戻し 確認済
    assert any(r[:4] == ["児童青少年課", 5.0, "次代の協働の担い手の育成", "未提出"] for r in rows)
    used = {a["func"] for x in (yamada, coord, sato) for a in x.xl.actions}
    import xlclient

    assert used <= xlclient.implemented_actions()


def test_submit_without_a_selection_takes_the_users_department(office, tmp_path, monkeypatch):
    from shinchoku import addin

    central, _yamada, _sato = office
    ito = Staff(tmp_path, central, type(COORD)("伊藤 四郎", "ito@city.example"), department="指導室",
                monkeypatch=monkeypatch)
    ito.xl.select(MAIN, "A1")
    alerts = ito.press(addin.submit)
    assert "1件の報告を提出しました" in alerts[0][0]
    assert state_in_central(central, 5, "指導室") == "提出済"

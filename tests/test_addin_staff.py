"""Staff's first impressions of the add-in (issue 13): a misspelt department, closed-year
values Excel would read as numbers, git's English after an unreachable central.  Driven
through xlwings' remote engine with tests/xlclient.py, on the real repositories of
conftest's ``addin_office``."""

from __future__ import annotations

import pytest

# xlwings is a test dependency (pyproject [test]): without it these tests fail, never skip.
import xlwings  # noqa: E402,F401

from conftest import edit_report  # noqa: E402
from gitrepo import COORDINATOR as COORD  # noqa: E402
from gitrepo import central_value, git  # noqa: E402
from shinchoku.sheet import sheetmodel as sm  # noqa: E402
from shinchoku.store import Author  # noqa: E402
from workbooks import MAIN, Staff  # noqa: E402

# the buttons need xlwings' remote engine: where it cannot load, every test here fails
pytestmark = pytest.mark.usefixtures("remote_engine")


@pytest.fixture
def office(addin_office):
    """(central, yamada, sato): conftest's ``addin_office``."""
    return addin_office


def test_a_misspelt_department_in_the_settings_is_named_with_the_real_ones(office, tmp_path, monkeypatch):
    from shinchoku import addin

    central, _yamada, _sato = office
    ito = Staff(tmp_path, central, Author("伊藤 三郎", "ito@city.example"), department="指導", monkeypatch=monkeypatch)
    a = ito.type("R2", 5, "指導室", "備考", "指導室の備考")
    for button in (addin.push, addin.check, addin.pull):
        alerts = ito.press(button)
        assert alerts[0][2] == "critical", alerts
        text = alerts[0][0]
        assert "「指導」という課は、計画（plan.yaml）の主管課にありません" in text
        assert "主管課は 協働推進課・指導室・児童青少年課・産業振興課 です" in text
        assert f"設定ファイル {ito.config} の department を直して" in text
        assert "送信する変更はありません" not in text
    assert ito.xl.sheet(MAIN).get(a) == "指導室の備考"
    assert central_value(central, "R2", 5, "指導室", "備考") is None
    # the right name works
    ito.config.write_text(ito.config.read_text(encoding="utf-8").replace('"指導"', '"指導室"'), encoding="utf-8")
    assert ito.press(addin.push)[0][0] == "1件のセルを送信しました。"


@pytest.mark.parametrize("closed", ["(1)", "¥1,000", "$5"])
def test_a_closed_year_value_excel_would_read_as_a_number_stays_text_after_a_send(office, tmp_path, monkeypatch, closed):
    from shinchoku import addin

    central, _yamada, _sato = office
    coord = tmp_path / "coord"
    git(tmp_path, "clone", "-q", str(central), "coord")
    edit_report(coord, "R1", 5, "指導室", 課題=closed)
    git(coord, "commit", "-q", "-am", "R1 の課題を訂正", who=COORD)
    git(coord, "push", "-q", "origin", "main", user="kyodo")
    ito = Staff(tmp_path, central, Author("伊藤 三郎", "ito@city.example"), monkeypatch=monkeypatch)
    assert ito.cell("R1", 5, "指導室", "課題") == closed
    ito.type("R2", 5, "指導室", "備考", "1回目")
    assert ito.press(addin.push)[0][0] == "1件のセルを送信しました。"
    # the hidden state keeps the closed-year value as text …
    state = sm.read_state(ito.xl.sheet(sm.STATE_SHEET).values())
    col = state.layout.column_of("R1", "課題")
    line = state.lines[(5, "指導室")]
    assert line[col.index - 1] == closed
    # … so the next send of the row is not refused for a cell nobody touched
    ito.type("R2", 5, "指導室", "備考", "2回目")
    alerts = ito.press(addin.push)
    assert alerts[0][0] == "1件のセルを送信しました。", alerts
    assert central_value(central, "R2", 5, "指導室", "備考") == "2回目"


def test_the_state_sheet_is_formatted_as_text(office):
    _central, yamada, _sato = office
    state = yamada.xl.sheet(sm.STATE_SHEET)
    rows, cols = state.size()
    assert all((r, c) in state.text_format for r in range(1, rows + 1) for c in range(1, cols + 1))


def test_an_unreachable_central_is_said_in_japanese_first_with_gits_english_set_apart(office):
    from shinchoku import addin

    central, yamada, _sato = office
    yamada.type("R2", 5, "指導室", "課題", "つながらない")
    away = central.with_name("central-away.git")
    central.rename(away)
    try:
        for button in (addin.push, addin.pull):
            text = button and yamada.press(button)[0][0]
            lines = text.splitlines()
            assert lines[0].startswith("中央のリポジトリに接続できませんでした")
            english = [ln for ln in lines if "fatal" in ln or "repository" in ln]
            # git's words, when shown, come after a Japanese heading and are indented
            for ln in english:
                assert ln.startswith("　　"), ln
                heading = lines[lines.index(ln) - 1]
                assert heading.startswith(("　　", "（git からの詳細")), heading
            assert "シートの内容はそのままです" in text
    finally:
        away.rename(central)


def test_after_a_conflict_pull_keeps_the_users_value_as_the_docs_say(office):
    from pathlib import Path

    from shinchoku import addin

    central, yamada, sato = office
    yamada.type("R2", 1, "協働推進課", "課題", "山田の課題")
    a = sato.type("R2", 1, "協働推進課", "課題", "佐藤の課題")
    yamada.press(addin.push)
    assert "競合 1件" in sato.press(addin.push)[0][0]
    alerts = sato.press(addin.pull)
    assert "まだ送信していない変更 1件" in alerts[0][0]
    assert sato.xl.sheet(MAIN).get(a) == "佐藤の課題"
    conflict = sato.xl.sheet(sm.CONFLICT_SHEET).values()
    assert conflict[3][3] == "山田の課題"
    # what the smoke test and the staff guide tell people to expect
    project = Path(__file__).resolve().parents[1]
    smoke = (project / "addin" / "README.md").read_text(encoding="utf-8")
    assert "**取得** then shows the other value" not in smoke
    assert "**取得** then keeps the user's own value" in smoke
    guide = (project / "docs" / "staff.md").read_text(encoding="utf-8")
    assert "競合のあとで［取得］を押しても、セルは自分の値のまま" in guide


def test_a_refusal_ends_with_advice_that_fits_its_cause(office, tmp_path, monkeypatch):
    from shinchoku import addin

    central, yamada, _sato = office
    # another department's report: take it back, not "fix and send again"
    yamada.type("R2", 5, "児童青少年課", "課題", "よその課の課題")
    text = yamada.press(addin.push)[0][0]
    assert "自分の課ではない報告の変更は元に戻してください" in text
    assert "直してから" not in text
    # a user the access file does not know: ask to be registered, nothing to fix
    kato = Staff(tmp_path, central, Author("加藤 四郎", "kato@city.example"), monkeypatch=monkeypatch)
    kato.type("R2", 5, "指導室", "備考", "加藤の備考")
    text = kato.press(addin.push)[0][0]
    assert "kato さんは records/access.yaml に登録されていない" in text
    assert "協働推進課（調整担当）に records/access.yaml への登録を頼んでください" in text
    assert "直してから" not in text


def test_sync_refused_for_an_unknown_user_gives_no_reset_advice(office, tmp_path, monkeypatch, capsys):
    from shinchoku.cli import main

    central, _yamada, _sato = office
    kato = Staff(tmp_path, central, Author("加藤 四郎", "kato@city.example"), monkeypatch=monkeypatch)
    edit_report(kato.root, "R2", 5, "指導室", 備考="加藤の備考")
    git(kato.root, "commit", "-q", "-am", "R2 No.5 指導室: 備考 を更新", who=kato.who)
    monkeypatch.setenv("REMOTE_USER", "kato")
    capsys.readouterr()
    assert main(["sync", "--repo", str(kato.root)]) == 1
    err = capsys.readouterr().err
    assert "協働推進課（調整担当）に登録してもらってから、もう一度 shinchoku sync を実行してください" in err
    assert "git reset" not in err and "直してから" not in err

"""`shinchoku workbook`: the staff template, read back with openpyxl (and LibreOffice)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import write_small_repo
from shinchoku.cli import main
from shinchoku.model import schema
from shinchoku.sharing import settings
from shinchoku.sheet import published
from shinchoku.sheet import sheetmodel as sm
from workbooks import make_workbook


@pytest.fixture
def book(tmp_path, capsys) -> Path:
    out = make_workbook(write_small_repo(tmp_path / "repo"), tmp_path / "入力用.xlsx")
    assert "入力用.xlsx を作りました（5行）" in capsys.readouterr().out
    return out


def codes(wb) -> list[str]:
    return [c.value or "" for c in wb[sm.STATE_SHEET][sm.STATE_KEY_ROW]]


def col_of(wb, code: str) -> int:
    return codes(wb).index(code) + 1


def row_of(ws, no: int, dept: str) -> int:
    for r in range(sm.FIRST_DATA_ROW, ws.max_row + 1):
        if ws.cell(r, 1).value == no and ws.cell(r, 3).value == dept:
            return r
    raise KeyError((no, dept))


def test_headers_come_from_the_schema_and_the_plan(book):
    wb = load_workbook(book)
    ws = wb[sm.SHEET_NAME]
    assert ws.cell(1, 1).value == "テスト市市民協働推進行動計画(令和元年度～令和3年度) 進行管理シート（入力用）"
    assert [ws.cell(2, c).value for c in range(1, 7)] == ["No", "推進方策・目標・施策", "主管課", "関係課", "事業内容", "計画"]
    assert [ws.cell(3, c).value for c in range(6, 9)] == ["R1", "R2", "R3"]
    first = col_of(wb, "closed:H30:進捗状況")
    assert ws.cell(2, first).value == "H30年度（締切）"
    titles = [schema.field_schema(f).get("title") for f in schema.report_fields() if f != "主管課"]
    assert [ws.cell(3, first + k).value for k in range(5)] == titles
    r2 = col_of(wb, "edit:R2:進捗状況")
    assert ws.cell(2, r2).value == "R2年度（受付中）"
    # the open year's block: 進捗状況, last year's 次年度へ向けた取組 (参考), 実績 …
    assert ws.cell(3, r2 + 1).value == "R1の次年度へ向けた取組（参考）"
    assert ws.cell(3, r2 + 2).value == "実績"
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert "A2:A3" in merged and f"{sm.col_letter(r2)}2:{sm.col_letter(r2 + 5)}2" in merged
    assert ws.freeze_panes == f"{sm.col_letter(r2)}4"        # opens on the open year


def test_the_workbook_opens_on_the_open_year_with_closed_years_folded(book):
    wb = load_workbook(book)
    ws = wb[sm.SHEET_NAME]
    first_open = col_of(wb, "edit:R2:進捗状況")
    closed = [i + 1 for i, c in enumerate(codes(wb)) if c.startswith("closed:")]
    assert closed and all(c < first_open for c in closed)
    for c in closed:
        dim = ws.column_dimensions[sm.col_letter(c)]
        assert dim.outlineLevel == 1 and dim.hidden, sm.col_letter(c)
        assert dim.width == pytest.approx(published.FIELD_WIDTHS[codes(wb)[c - 1].split(":")[2]])
    for c in range(first_open, len(codes(wb)) + 1):
        dim = ws.column_dimensions[sm.col_letter(c)]
        assert not dim.hidden and not dim.outlineLevel
    assert ws.column_dimensions[sm.col_letter(first_open)].collapsed      # the ＋ of the last folded block
    assert ws.freeze_panes == f"{sm.col_letter(first_open)}{sm.FIRST_DATA_ROW}"
    # one line above the header, over the open year, saying where to type
    hint = ws.cell(sm.TITLE_ROW, first_open).value
    assert hint.startswith("▼ 入力は R2年度（受付中）の白いセルへ") and "\n" not in hint
    assert sm.TITLE_ROW < sm.HEADER_ROW


def test_heading_rows_are_locked_in_the_open_year_too(book):
    wb = load_workbook(book)
    ws = wb[sm.SHEET_NAME]
    headings = [r for r in range(sm.FIRST_DATA_ROW, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, str)]
    assert len(headings) == 4
    for r in headings:
        assert all(ws.cell(r, c).protection.locked is not False for c in range(1, ws.max_column + 1)), r


def test_one_row_per_initiative_and_department_between_strategy_and_goal_rows(book):
    wb = load_workbook(book)
    ws = wb[sm.SHEET_NAME]
    col_a = [ws.cell(r, 1).value for r in range(4, ws.max_row + 1)]
    assert col_a == ["推進方策1 市民の協働に対する意識の醸成", "目標(1)効果的な啓発・PR活動の推進", 1, 5, 5,
                     "推進方策2 企業との協働", "目標(1)企業との協働の推進", 9, 9]
    assert [ws.cell(r, 3).value for r in range(6, 9)] == ["協働推進課", "指導室", "児童青少年課"]
    # no merged cells in the body: rows can be sorted and filtered
    assert all(m.min_row < sm.FIRST_DATA_ROW for m in ws.merged_cells.ranges)
    r = row_of(ws, 5, "児童青少年課")
    assert ws.cell(r, 5).value == "事業を実施します。"
    assert ws.cell(r, col_of(wb, "edit:R2:課題")).value == "協力者との情報交換が足りない。"
    # beside the open year's 実績: last year's 次年度へ向けた取組 of the same department
    r1 = row_of(ws, 1, "協働推進課")
    assert ws.cell(r1, col_of(wb, "context:R1:次年度へ向けた取組")).value == "周知を強化する。"


def test_only_the_open_year_is_editable_and_the_status_has_a_dropdown(book):
    wb = load_workbook(book)
    ws = wb[sm.SHEET_NAME]
    assert ws.protection.sheet
    assert ws.protection.formatCells is False        # the add-in may colour cells
    r = row_of(ws, 5, "指導室")
    editable = {c for c in range(1, ws.max_column + 1) if ws.cell(r, c).protection.locked is False}
    fields = {col_of(wb, f"edit:R2:{f}") for f in ("進捗状況", "実績", "課題", "次年度へ向けた取組", "備考")}
    # right of the layout: the cycle's 提出状況, コメント (filled by the add-in) and 新しいコメント
    cycle_cols = {c for c in editable if c > max(fields)}
    assert editable == fields | cycle_cols and len(cycle_cols) == 3
    assert [ws.cell(sm.HEADER_ROW, c).value for c in sorted(cycle_cols)] == ["R2 提出状況", "R2 コメント（やりとり）", "新しいコメント"]
    assert ws.cell(r, col_of(wb, "closed:R1:実績")).fill.fgColor.rgb.endswith("E7E6E6")
    assert ws.cell(r, col_of(wb, "edit:R2:実績")).number_format == "@"
    status = col_of(wb, "edit:R2:進捗状況")
    letter = ws.cell(r, status).column_letter
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1
    assert lists[0].formula1 == '"' + ",".join(schema.status_values()) + '"'
    assert f"{letter}{sm.FIRST_DATA_ROW}" in str(lists[0].sqref)
    assert ws.cell(r, 1).alignment.wrap_text and ws.column_dimensions["E"].width == 28


def test_the_state_sheet_is_hidden_and_holds_every_value_as_written(book):
    wb = load_workbook(book)
    st = wb[sm.STATE_SHEET]
    assert st.sheet_state == "veryHidden"
    values = [[c.value for c in row] for row in st.iter_rows()]
    state = sm.read_state(values)
    assert state is not None and state.base == ""          # not a git clone: pull first
    assert sorted(state.lines) == [(1, "協働推進課"), (5, "児童青少年課"), (5, "指導室"), (9, "協働推進課"), (9, "産業振興課")]
    col = state.layout.column_of("R2", "備考")
    assert state.value((9, "協働推進課"), col) == "0回"


def test_a_department_workbook_has_only_its_rows(tmp_path, capsys):
    repo = write_small_repo(tmp_path / "repo")
    out = tmp_path / "指導室.xlsx"
    assert main(["workbook", str(out), "--repo", str(repo), "--department", "指導室"]) == 0
    ws = load_workbook(out)[sm.SHEET_NAME]
    assert [ws.cell(r, 3).value for r in range(4, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, int)] == ["指導室"]


def test_settings_are_read_and_their_problems_named(tmp_path, monkeypatch):
    cfg = tmp_path / "config.toml"
    monkeypatch.setenv(settings.ENV, str(cfg))
    with pytest.raises(settings.SettingsError, match="がありません"):
        settings.load()
    cfg.write_text('name = "山田"\nemail = "yamada@city.example"\nrepo = "/nowhere"\ncolour = "red"\n', encoding="utf-8")
    with pytest.raises(settings.SettingsError, match="「colour」は使えない項目"):
        settings.load()
    cfg.write_text('name = 山田\n', encoding="utf-8")
    with pytest.raises(settings.SettingsError, match="引用符で囲んで"):
        settings.load()
    cfg.write_text(f'name = "山田"\nemail = "yamada"\nrepo = "{tmp_path}"\ndepartment = "指導室"\n', encoding="utf-8")
    s = settings.load()
    assert s.department == "指導室" and s.repo_path() == tmp_path
    with pytest.raises(settings.SettingsError, match="メールアドレスの形ではありません"):
        s.author()
    cfg.write_text('repo = "/nowhere"\n', encoding="utf-8")
    with pytest.raises(settings.SettingsError, match=r"repo に書かれたフォルダ「/nowhere」が見つかりません"):
        settings.load().repo_path()


def test_cell_texts_survive_excel(book):
    assert sm.to_cell("参加者が少ない") == "参加者が少ない" and sm.to_cell("0回") == "'0回"
    for text in ("3", "１２", "2020-04-01", "4月1日", "R2.4.1", "令和2年4月1日", "=SUM(A1)", "-", "TRUE", "#N/A", "'quoted", "12:30", "50%"):
        assert sm.to_cell(text) == "'" + text
    assert sm.text_of(3.0) == "3" and sm.text_of("  ") is None and sm.text_of("a\r\nb") == "a\nb"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice がありません（apt-get install libreoffice-calc-nogui）")
def test_libreoffice_converts_the_workbook(book, tmp_path):
    done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                           "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(book)],
                          capture_output=True, text=True, timeout=180)
    pdf = tmp_path / "pdf" / (book.stem + ".pdf")
    assert done.returncode == 0 and pdf.is_file(), done.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 5000


def test_a_misspelt_department_is_named_with_the_real_ones_and_no_workbook_is_written(tmp_path, capsys):
    repo = write_small_repo(tmp_path / "repo")
    out = tmp_path / "指導.xlsx"
    assert main(["workbook", str(out), "--repo", str(repo), "--department", "指導"]) == 2
    err = capsys.readouterr().err
    assert "「指導」という課は、計画（plan.yaml）の主管課にありません" in err
    assert "協働推進課・指導室・児童青少年課・産業振興課" in err and "--department" in err
    assert not out.exists()

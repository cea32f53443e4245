"""Export: the published xlsx (read back by import-sheet), PDF through LibreOffice, csv/jsonl."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import SEED, write_small_repo
from shinchoku.cli import main
from shinchoku.importing import importer, xlsxgrid
from shinchoku.importing.importrules import NoteKind
from shinchoku.model import records
from shinchoku.publish import export
from shinchoku.sheet import published


def repo_files(root: Path) -> dict[str, bytes]:
    """Every record file and plan.yaml of a repository, by path relative to records/."""
    base = root / "records"
    return {p.relative_to(base).as_posix(): p.read_bytes()
            for p in sorted(base.rglob("*.yaml"))}


def tricky_records() -> list[dict]:
    """Texts that a spreadsheet likes to change: formulas, numbers, booleans, dates,
    spaces at either end, line breaks, full-width digits."""
    recs = []
    for rec in __import__("conftest").small_records():
        recs.append(rec)
    r = next(x for x in recs if x["No"] == 9 and x["年度"] == "R2")
    r["報告"][0]["実績"] = "=SUM(A1:A3)と書かれた資料を配布した。"
    r["報告"][0]["課題"] = "  前後に空白がある文章  "
    r["報告"][1]["備考"] = "0"
    r["報告"][1]["実績"] = "1.10"
    r["報告"][1]["課題"] = "TRUE"
    r["報告"][1]["次年度へ向けた取組"] = "2021-04-01"
    r5 = next(x for x in recs if x["No"] == 5 and x["年度"] == "R1")
    r5["報告"][1]["実績"] = "１行目：全角の１２３\n\n3行目（空行のあと）\n- 箇条書き"
    return recs


def write_repo(root: Path, recs: list[dict]) -> Path:
    write_small_repo(root)
    for p in (root / "records").rglob("??.yaml"):
        p.unlink()
    for rec in recs:
        records.write_record(root, rec)
    return root


def import_into(xlsx: Path, target: Path) -> int:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(Path(__file__).resolve().parents[1] / "schema", target / "schema", dirs_exist_ok=True)
    return main(["import-sheet", str(xlsx), "--repo", str(target)])


def test_xlsx_export_then_import_sheet_gives_the_same_files(tmp_path, capsys):
    src = write_repo(tmp_path / "src", tricky_records())
    out = tmp_path / "進行管理シート.xlsx"
    assert main(["export", "xlsx", str(out), "--repo", str(src), "--all"]) == 0
    assert "9件の記録" in capsys.readouterr().out
    assert import_into(out, tmp_path / "back") == 0
    before, after = repo_files(src), repo_files(tmp_path / "back")
    assert sorted(before) == sorted(after)
    for name in before:
        assert after[name] == before[name], name          # byte for byte, plan.yaml included


def test_real_sheet_round_trips_through_the_published_layout(tmp_path):
    result = importer.import_file(SEED)
    src = tmp_path / "seed"
    (src / "records").mkdir(parents=True)
    (src / "records" / "plan.yaml").write_text(records.dumps_plan(result.plan), encoding="utf-8")
    for rec in result.records:
        records.write_record(src, rec)
    out = tmp_path / "seed.xlsx"
    count, warnings = export.export(src, "xlsx", out)
    assert count == len(result.records) and warnings == []
    back = xlsxgrid.import_xlsx(out)
    assert {(r["年度"], r["No"]): records.dumps(r) for r in back.records} == \
        {(r["年度"], r["No"]): records.dumps(r) for r in result.records}
    assert records.dumps_plan(back.plan) == records.dumps_plan(result.plan)
    # every non-empty cell is accounted for, and none is left unplaced
    assert len(back.ledger.entries) == back.cell_count
    assert not [e for e in back.ledger.entries.values() if e.kind == "unplaced"]


def test_published_layout(tmp_path, small_repo):
    out = tmp_path / "sheet.xlsx"
    export.export(small_repo, "xlsx", out, ["R1", "R2"], all_states=True)
    ws = load_workbook(out)[published.SHEET_NAME]
    assert ws["A1"].value == "テスト市市民協働推進行動計画(令和元年度～令和3年度) 進行管理シート"
    merged = {str(r) for r in ws.merged_cells.ranges}
    # three-row header: fixed columns merged down, 計画 over R1–R3, 進捗状況 over the years
    assert {"A2:A4", "B2:B4", "C2:C4", "D2:D4", "E2:E4", "F2:H2", "F3:F4"} <= merged
    assert [ws.cell(2, c).value for c in range(1, 7)] == ["No", "推進方策・目標・施策", "主管課", "関係課", "事業内容", "計画"]
    assert ws["I2"].value == "進捗状況" and "I2:R2" in merged
    assert (ws["I3"].value, ws["N3"].value) == ("R1", "R2") and {"I3:M3", "N3:R3"} <= merged
    assert [ws.cell(4, c).value for c in range(9, 14)] == ["進捗状況", "実績", "課題", "次年度へ向けた取組", "備考"]
    # strategy and goal rows across the sheet, then one row per initiative and department
    assert ws["A5"].value == "推進方策1 市民の協働に対する意識の醸成" and "A5:R5" in merged
    assert ws["A6"].value == "目標(1)効果的な啓発・PR活動の推進"
    assert (ws["A7"].value, ws["C7"].value) == (1, "協働推進課")
    assert (ws["A8"].value, ws["C8"].value, ws["C9"].value) == (5, "指導室", "児童青少年課")
    assert {"A8:A9", "B8:B9", "D8:D9"} <= merged and "E8:E9" not in merged   # 事業内容 per department
    assert ws["N9"].value == "計画通りに進んでいない" and ws["P9"].value == "協力者との情報交換が足りない。"
    # A3 landscape, one page wide, the header rows repeated on every page
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 8                     # A3
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$2:$4"
    # a long text gets a row tall enough for it
    assert ws.row_dimensions[8].height >= 2 * published.LINE_HEIGHT


def test_hand_made_sheet_is_read_and_every_cell_accounted_for(tmp_path):
    """A city's own sheet: no merged second row, a year-specific 取組 header, a number typed
    into 備考, a stray note to the right and an extraction-error status."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "R2"
    ws.append(["テスト市協働計画（令和元年度～令和3年度）進行管理シート"])
    ws.append(["No", "推進方策・目標・施策", "主管課", "関係課", "事業内容", "計画", None, "進捗状況"])
    ws.append([None, None, None, None, None, "R1", "R2", "R2年度"])
    ws.append([None] * 7 + ["進捗状況", "実績", "R3年度へ向けた取組", "備考"])
    ws.append(["推進方策１ 意識の醸成"])
    ws.append(["目標（1）啓発の推進"])
    ws.append([5, "担い手の育成", "指導室", "地域コミュニティ課、生涯学習課", "授業を実施します。", "継続実施", "継続実施",
               "計画通りに入っている", "授業を実施した。", "続ける。", 3, None, "メモ：要確認"])
    ws.append([None, None, "児童青少年課", None, "事業を実施します。", None, None, "計画通りに進んでいない"])
    path = tmp_path / "city.xlsx"
    wb.save(path)
    result = xlsxgrid.import_xlsx(path)
    assert result.plan["計画名"] == "テスト市協働計画" and result.plan["計画期間"] == "令和元年度～令和3年度"
    item = result.plan["推進方策"][0]["目標"][0]["施策"][0]
    assert item["主管課"] == ["指導室", "児童青少年課"]
    assert item["関係課"] == ["地域コミュニティ課", "生涯学習課"]
    assert item["事業内容"] == {"指導室": "授業を実施します。", "児童青少年課": "事業を実施します。"}
    assert item["計画"] == {"R1": "継続実施", "R2": "継続実施"}
    assert result.records == [{"No": 5, "年度": "R2", "報告": [
        {"主管課": "指導室", "進捗状況": "計画通りに進んでいる", "実績": "授業を実施した。",
         "次年度へ向けた取組": "続ける。", "備考": "3"},
        {"主管課": "児童青少年課", "進捗状況": "計画通りに進んでいない"}]}]
    assert len(result.ledger.entries) == result.cell_count
    unplaced = [e for e in result.ledger.entries.values() if e.kind == "unplaced"]
    assert [(e.cell.where, e.cell.text) for e in unplaced] == [("M7セル", "メモ：要確認")]
    fixed = [e for e in result.ledger.entries.values() if any(n.kind is NoteKind.NORMALISED for n in e.notes)]
    assert [e.cell.where for e in fixed] == ["H7セル"]


def test_csv_is_excel_friendly_and_has_every_field(tmp_path, small_repo):
    out = tmp_path / "open.csv"
    assert main(["export", "csv", str(out), "--repo", str(small_repo), "--all"]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                       # BOM: Excel reads UTF-8
    assert b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == export.columns()
    assert len(rows) == 3 * (1 + 2 + 2)                          # years × (initiative × department)
    r = next(r for r in rows if r["年度"] == "R1" and r["No"] == "5" and r["主管課"] == "指導室")
    assert r["実績"] == "授業を実施した。\n地域の人材と連携した。"    # line break kept inside the cell
    assert (r["西暦"], r["推進方策"], r["関係課"], r["事業内容"], r["計画"]) == (
        "2019", "市民の協働に対する意識の醸成", "地域コミュニティ課", "授業を実施します。", "継続実施")
    assert r["課題"] == ""


def test_jsonl_one_object_per_line(tmp_path, small_repo):
    out = tmp_path / "open.jsonl"
    assert main(["export", "jsonl", str(out), "--repo", str(small_repo), "--years", "R2", "--all"]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    objs = [json.loads(line) for line in lines]
    assert len(objs) == 5 and all(o["年度"] == "R2" for o in objs)
    o = next(o for o in objs if o["No"] == 9 and o["主管課"] == "協働推進課")
    assert o["備考"] == "0回" and o["実績"] is None and o["事業内容"] is None
    assert "児童青少年課" in out.read_text(encoding="utf-8") and "\\u" not in out.read_text(encoding="utf-8")


def test_unknown_year_is_refused_in_japanese(tmp_path, small_repo, capsys):
    assert main(["export", "csv", str(tmp_path / "x.csv"), "--repo", str(small_repo), "--years", "R9"]) == 1
    assert "年度「R9」は計画（plan.yaml）にありません" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_pdf_without_libreoffice_says_what_to_do(tmp_path, small_repo, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setattr(export, "OFFICE_PLACES", ())
    out = tmp_path / "sheet.pdf"
    assert main(["export", "pdf", str(out), "--repo", str(small_repo)]) == 1
    err = capsys.readouterr().err
    assert "LibreOffice が必要です" in err and "shinchoku export xlsx" in err
    assert not out.exists()


@pytest.mark.skipif(export.find_office() is None, reason="LibreOffice (soffice) がありません")
def test_pdf_through_libreoffice_is_a3_landscape(tmp_path, small_repo):
    out = tmp_path / "sheet.pdf"
    assert main(["export", "pdf", str(out), "--repo", str(small_repo)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)\s*\]", data)
    assert boxes, "no page found in the PDF"
    w, h = (float(v) for v in boxes[0])
    assert (round(w), round(h)) == (1191, 842)                  # A3 landscape in points


@pytest.mark.parametrize("command", [["export", "csv", "x.csv"], ["export", "xlsx", "x.xlsx"], ["report", "--html", "x.html"]])
def test_an_unreadable_record_stops_the_export_instead_of_leaving_it_out(tmp_path, small_repo, capsys, command):
    (small_repo / "records/R2/05.yaml").write_bytes(b"No: 5\n\xe5\xb9\xb4\xe5\xba\xa6: [R2\n")
    out = tmp_path / command[-1]
    assert main([*command[:-1], str(out), "--repo", str(small_repo)]) == 1
    err = capsys.readouterr().err
    assert "読めない記録があるため、書き出していません" in err and "records/R2/05.yaml:" in err
    assert not out.exists()


@pytest.mark.parametrize("plan_text", ["", "- 1\n", "名前: [x\n"])
@pytest.mark.parametrize("command", [["export", "csv", "x.csv"], ["report", "--html", "x.html"], ["status"]])
def test_a_broken_plan_is_named_with_its_line_not_a_traceback(tmp_path, small_repo, capsys, command, plan_text):
    (small_repo / "records/plan.yaml").write_text(plan_text, encoding="utf-8")
    args = [*command[:-1], str(tmp_path / command[-1])] if len(command) > 1 else command
    assert main([*args, "--repo", str(small_repo)]) == 1
    err = capsys.readouterr().err
    assert "records/plan.yaml:" in err and "Traceback" not in err


@pytest.mark.parametrize("command", [["export", "csv"], ["export", "xlsx"], ["report", "--html"], ["workbook"]])
def test_an_output_path_that_is_a_folder_is_named_and_nothing_is_left_behind(tmp_path, small_repo, capsys, command):
    folder = tmp_path / "out"
    folder.mkdir()
    assert main([*command, str(folder), "--repo", str(small_repo)]) == 1
    err = capsys.readouterr().err
    assert "同じ名前のフォルダがあります" in err and "Traceback" not in err
    assert folder.is_dir() and not list(tmp_path.glob("*.tmp"))


def test_only_approved_reports_are_published(tmp_path, small_repo):
    """R2 is open in the small plan and nothing of it was approved: the sheet leaves its
    cells empty and says so; after 確認 of one report, that one is carried."""
    from shinchoku.rules import cycle

    out = tmp_path / "sheet.xlsx"
    count, warnings = export.export(small_repo, "xlsx", out, ["R1", "R2"])
    assert warnings == ["確認済の報告だけを載せています（確認前の報告5件は載せていません）"]
    ws = load_workbook(out)[published.SHEET_NAME]
    assert ws.oddHeader.right.text == warnings[0]
    assert warnings[0] in ws["A1"].comment.text
    cells = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "R1にシンポジウムを開催した。" in cells and "R2にシンポジウムを開催した。" not in cells
    rel = records.record_relpath("R2", 1)
    rec = records.load_record(small_repo / rel)
    cycle.approve(rec, "協働推進課", "鈴木", "2020-06-01T10:00:00+09:00", year_open=True)
    records.write_record(small_repo, rec)
    csv_out = tmp_path / "r2.csv"
    assert main(["export", "csv", str(csv_out), "--repo", str(small_repo), "--years", "R2"]) == 0
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text(encoding="utf-8-sig"), newline="")))
    assert [(r["No"], r["主管課"], r["実績"]) for r in rows] == [("1", "協働推進課", "R2にシンポジウムを開催した。")]
FORMULAS = {"実績": '=HYPERLINK("http://example.invalid/","詳しくはこちら")', "課題": "+1+2",
            "次年度へ向けた取組": "-3", "備考": "@SUM(1,2)"}


def test_csv_neutralises_formula_cells_and_jsonl_stays_exact(tmp_path, small_repo):
    """OWASP CSV injection: a text a spreadsheet would run as a formula gets a ' in front."""
    from conftest import edit_report

    edit_report(small_repo, "R2", 5, "指導室", **FORMULAS)
    edit_report(small_repo, "R2", 1, "協働推進課", 実績="地域で -1℃ の朝に実施した。")   # inside: left alone
    out = tmp_path / "open.csv"
    assert main(["export", "csv", str(out), "--repo", str(small_repo), "--years", "R2", "--all"]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    r = next(r for r in rows if r["No"] == "5" and r["主管課"] == "指導室")
    assert {f: r[f] for f in FORMULAS} == {f: "'" + v for f, v in FORMULAS.items()}
    assert next(r for r in rows if r["No"] == "1")["実績"] == "地域で -1℃ の朝に実施した。"
    assert r["No"] == "5" and r["西暦"] == "2020"                 # numbers are not touched
    assert [export.csv_cell(v) for v in ("\tx", "\rx", "x=1", 5, None)] == ["'\tx", "'\rx", "x=1", 5, ""]
    jl = tmp_path / "open.jsonl"
    assert main(["export", "jsonl", str(jl), "--repo", str(small_repo), "--years", "R2", "--all"]) == 0
    o = next(json.loads(line) for line in jl.read_text(encoding="utf-8").splitlines()
             if '"No": 5' in line and "指導室" in line)
    assert {f: o[f] for f in FORMULAS} == FORMULAS


@pytest.mark.skipif(export.find_office() is None, reason="LibreOffice (soffice) がありません")
def test_libreoffice_opening_the_csv_evaluates_no_formula(tmp_path, small_repo):
    from conftest import edit_report

    edit_report(small_repo, "R2", 5, "指導室", **FORMULAS)
    out = tmp_path / "open.csv"
    assert main(["export", "csv", str(out), "--repo", str(small_repo), "--years", "R2", "--all"]) == 0
    profile = tmp_path / "lo-profile"
    done = subprocess.run([export.find_office(), f"-env:UserInstallation=file://{profile}", "--headless",
                           "--infilter=CSV:44,34,76,1,,,,,,,,-1", "--convert-to", "xlsx", "--outdir", str(tmp_path),
                           str(out)], capture_output=True, timeout=240)
    assert done.returncode == 0, done.stderr
    sheet = load_workbook(tmp_path / "open.xlsx").active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True)
               if r[header.index("No")] in (5, "5") and r[header.index("主管課")] == "指導室")
    for f, v in FORMULAS.items():
        cell = row[header.index(f)]
        assert isinstance(cell, str) and cell.endswith(v) and not cell.startswith("="), (f, cell)


@pytest.mark.skipif(export.find_office() is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (soffice) か pdftotext がありません")
def test_default_pdf_has_the_years_with_reports_in_readable_print(tmp_path, small_repo):
    """The default PDF had every year (the just-opened empty one too) on one A3 width,
    body text about 2.9 pt."""
    assert main(["year", "open", "R3", "--yes", "--repo", str(small_repo)]) == 0     # empty: not printed
    out = tmp_path / "sheet.pdf"
    assert main(["export", "pdf", str(out), "--repo", str(small_repo), "--all"]) == 0
    pages = []
    for k in range(1, 20):
        done = subprocess.run(["pdftotext", "-f", str(k), "-l", str(k), "-layout", str(out), "-"],
                              capture_output=True, text=True)
        if done.returncode != 0:
            break
        pages.append(done.stdout)
    # one page per year here: H30, R1, R2 (each year's own records), no page for R3
    assert len(pages) == 3, [p[:200] for p in pages]
    for year, page in zip(("H30", "R1", "R2"), pages):
        assert f"{year}にシンポジウムを開催した。" in page
        assert all(f"{other}にシンポジウムを開催した。" not in page for other in ("H30", "R1", "R2") if other != year)
    bbox = subprocess.run(["pdftotext", "-bbox", str(out), "-"], capture_output=True, text=True).stdout
    heights = sorted(float(b) - float(a) for a, b in re.findall(r'yMin="([0-9.]+)" xMax="[0-9.]+" yMax="([0-9.]+)"', bbox))
    body = heights[len(heights) // 2]                          # the median word: body text
    assert body >= 6.0, body
    # asked for, the empty year is printed
    assert main(["export", "pdf", str(out), "--repo", str(small_repo), "--years", "R2,R3"]) == 0
    assert subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout.count("Pages:") == 1


def test_print_groups_keep_body_text_readable(small_repo):
    from shinchoku.publish import printout

    plan, recs = export.load(small_repo)
    years = ["H30", "R1", "R2"]
    assert printout.body_points(plan, years) < 6                  # all at once: too small
    parts = printout.groups(plan, years)
    assert [y for part in parts for y in part] == years
    assert all(printout.body_points(plan, part) >= printout.MIN_BODY_PT for part in parts)

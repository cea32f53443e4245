"""The importer on the real seed sheet: every non-empty cell is accounted for."""

from __future__ import annotations

import re

import pytest

from shinchoku import importer, importreport, records, validate
from shinchoku.importer import STATUS_FIX

from conftest import SEED


@pytest.fixture(scope="module")
def result():
    return importer.import_file(SEED)


def source_cells() -> dict[tuple[int, int], str]:
    out = {}
    for number, line in enumerate(SEED.read_text(encoding="utf-8").split("\n"), start=1):
        for col, text in enumerate(line.split("\t")):
            if text.strip():
                out[(number, col)] = text
    return out


def test_every_non_empty_cell_is_accounted_for(result):
    cells = source_cells()
    assert len(cells) == result.cell_count > 1000
    assert set(result.ledger.entries) == set(cells)
    for key, entry in result.ledger.entries.items():
        assert entry.cell.text == cells[key]
        assert entry.kind in ("placed", "heading", "unplaced")
        if entry.kind == "unplaced":
            assert entry.notes, f"{entry.cell.where} is unplaced without a reason"


def _field_value(recs, target: str):
    m = re.fullmatch(r"records/(\w+)/(\d+)\.yaml 報告\[(.+)\]\.(.+)", target)
    assert m, target
    year, no, dept, field = m.group(1), int(m.group(2)), m.group(3), m.group(4)
    rec = recs[(year, no)]
    report = next(r for r in rec["報告"] if r["主管課"] == dept)
    return report.get(field)


def test_placed_cells_hold_the_source_text_exactly(result):
    recs = {(r["年度"], r["No"]): r for r in result.records}
    placed = [e for e in result.ledger.entries.values() if e.kind == "placed" and e.target.startswith("records/")]
    assert len(placed) > 400
    for e in placed:
        value = _field_value(recs, e.target)
        expected = STATUS_FIX.get(e.cell.text, e.cell.text)
        assert value == expected, e.cell.where
        if e.cell.text in STATUS_FIX:
            assert any("直しました" in n for n in e.notes)
    # and every record value comes from exactly one placed cell
    n_values = sum(len(r) - 1 for rec in result.records for r in rec["報告"])
    assert n_values == len(placed)


def test_report_lists_every_cell_not_placed_with_certainty(result):
    text = importreport.render(result)
    for e in result.ledger.entries.values():
        if importreport.categories(e):
            assert f"| {e.cell.where} |" in text
    total = re.search(r"\*\*合計（元のファイルの空でないセル）\*\* \| \*\*(\d+)\*\*", text)
    assert total and int(total.group(1)) == result.cell_count
    assert "読み取りの誤り「計画通りに入っている」を「計画通りに進んでいる」に直しました" in text


def test_plan_shape_matches_the_sheet(result):
    plan = result.plan
    assert plan["計画名"] == "府中市市民協働推進行動計画"
    assert plan["計画期間"] == "平成30年度～令和3年度"
    assert [s["番号"] for s in plan["推進方策"]] == list(range(1, 11))
    initiatives = {i["No"]: i for s in plan["推進方策"] for g in s["目標"] for i in g["施策"]}
    assert sorted(initiatives) == list(range(1, 36))
    assert initiatives[5]["主管課"] == ["指導室", "児童青少年課"]
    assert initiatives[9]["主管課"] == ["産業振興課", "協働推進課"]
    assert initiatives[10]["主管課"] == ["職員課", "協働推進課"]
    assert initiatives[15]["施策名"] == "市民協働のまちづくりカフェの実施"
    assert initiatives[17]["施策名"] == "市民協働推進員の設置"
    assert isinstance(initiatives[5]["事業内容"], dict) and set(initiatives[5]["事業内容"]) == {"指導室", "児童青少年課"}
    years = {y["年度"]: y["状態"] for y in plan["年度"]}
    assert years == {"H29": "締切", "H30": "締切", "R1": "締切", "R2": "締切", "R3": "受付中"}
    assert initiatives[32]["計画"] == {"R2": "実施", "R3": "実施"}


def test_records_cover_every_initiative_department_and_year(result):
    got = {(r["年度"], r["No"]): [x["主管課"] for x in r["報告"]] for r in result.records}
    assert len(got) == 35 * 4
    assert got[("H29", 9)] == ["産業振興課", "協働推進課"]
    nine = next(r for r in result.records if r["年度"] == "H29" and r["No"] == 9)
    assert nine["報告"][1]["進捗状況"] == "計画通りに進んでいない"   # from the second department's row


def test_import_sheet_command_writes_a_clean_repository(tmp_path, capsys):
    from shinchoku.cli import main

    root = tmp_path / "repo"
    root.mkdir()
    assert main(["import-sheet", str(SEED), "--repo", str(root)]) == 0
    assert (root / "records" / "IMPORT_REPORT.md").is_file()
    assert len(list(records.iter_record_files(root))) == 140
    assert validate.check_paths(root, canonical=True) == []
    # a second import refuses to overwrite without --force, and changes nothing
    before = (root / "records" / "R2" / "05.yaml").read_bytes()
    assert main(["import-sheet", str(SEED), "--repo", str(root)]) == 1
    assert "--force" in capsys.readouterr().err
    assert (root / "records" / "R2" / "05.yaml").read_bytes() == before


def test_bundled_records_are_the_import_of_the_seed(result):
    """records/ in this repository is exactly what the importer makes of the seed."""
    from conftest import PROJECT

    bundled = {p.relative_to(PROJECT).as_posix(): p.read_text(encoding="utf-8")
               for p in records.iter_record_files(PROJECT)}
    made = {records.record_relpath(r["年度"], r["No"]): records.dumps(r) for r in result.records}
    assert bundled == made
    assert (PROJECT / "records" / "plan.yaml").read_text(encoding="utf-8") == records.dumps_plan(result.plan)


@pytest.mark.parametrize("name, content, words", [
    ("sheet.tsv", b"No\t\xe6\x96\xbd\xe7\xad\x96\n\x00\x01\x02\xff" * 50, "バイナリ"),
    ("sheet.tsv", b"No\tx\n\x81\x7f\xff\tc\n", "sheet.tsv:2: 文字コード"),
    ("sheet.xlsx", b"PK\x03\x04 not really a zip", "Excel のブック（.xlsx）として開けません"),
])
def test_a_file_that_is_not_a_sheet_is_refused_in_japanese(tmp_path, capsys, name, content, words):
    from shinchoku.cli import main

    src = tmp_path / name
    src.write_bytes(content)
    assert main(["import-sheet", str(src), "--repo", str(tmp_path / "repo")]) == 1
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not (tmp_path / "repo" / "records").exists()

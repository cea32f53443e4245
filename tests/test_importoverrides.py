"""records/import-overrides.yaml: the coordinator corrects a placement without editing YAML."""

from __future__ import annotations

import pytest

from conftest import SEED
from shinchoku.cli import main
from shinchoku.importing import importer, importreport
from shinchoku.importing.importoverrides import Override
from shinchoku.importing.importrules import NoteKind, SetAside
from shinchoku.model import records, schema
from shinchoku.rules import sidefiles, validate

# line 89, column 18 (1-based): No 24's H30 problem repeated by the export
REPEATED = (89, 18)
TEXT = "庁内からのテーマ応募が少なく、提案数も減少傾向にある。"


def _record(result, year, no, dept):
    rec = next(r for r in result.records if r["年度"] == year and r["No"] == no)
    return next(x for x in rec["報告"] if x["主管課"] == dept)


def test_an_override_places_a_cell_where_the_coordinator_says():
    before = importer.import_file(SEED)
    assert before.ledger.entries[(89, 17)].kind == "unplaced"
    o = Override(1, *REPEATED[:1], REPEATED[1] - 1, 24, "R1", "協働推進課", "課題", "原本で確認")
    result = importer.import_file(SEED, [o])
    assert _record(result, "R1", 24, "協働推進課")["課題"] == TEXT
    entry = result.ledger.entries[(89, 17)]
    assert entry.kind == "placed" and entry.target == "records/R1/24.yaml 報告[協働推進課].課題"
    assert [n.kind for n in entry.notes] == [NoteKind.OVERRIDDEN]
    text = importreport.render(result)
    assert "## 取り込みの指定で置いたセル（1件）" in text
    assert "| 89行目・18列目 |" in text and "import-overrides.yaml の1件目" in text and "原本で確認" in text
    # every cell is still accounted for, once
    assert set(result.ledger.entries) == set(before.ledger.entries)


def test_an_override_onto_a_filled_field_sets_the_old_cell_aside_with_the_reason():
    result = importer.import_file(SEED)
    old = next(e for e in result.ledger.entries.values()
               if e.target == "records/R2/10.yaml 報告[協働推進課].実績")
    moved = importer.import_file(SEED, [Override(1, 41, 22, 10, "R2", "協働推進課", "実績")])  # 41行目・23列目
    assert _record(moved, "R2", 10, "協働推進課")["実績"] == moved.ledger.entries[(41, 22)].cell.text
    displaced = moved.ledger.entries[(old.cell.line, old.cell.col)]
    assert displaced.kind == "unplaced" and displaced.reason is SetAside.CONFLICT
    assert "import-overrides.yaml の1件目" in displaced.notes[0].text


@pytest.mark.parametrize("override, words", [
    (Override(1, 41, 23, 10, "R2", "協働推進課", "実績"), "41行目・24列目は空のセルです"),
    (Override(2, 41, 22, 99, "R2", "協働推進課", "実績"), "No 99 の施策はこのシートにありません"),
    (Override(3, 41, 22, 10, "R2", "広報課", "実績"), "「広報課」は No 10 の主管課ではありません"),
    (Override(4, 41, 22, 10, "R5", "協働推進課", "実績"), "年度「R5」はこのシートにありません"),
    (Override(5, 41, 22, 10, "R2", "協働推進課", "進捗状況"), "進捗状況の値ではありません"),
])
def test_an_override_that_cannot_be_honoured_is_refused_in_japanese(override, words):
    with pytest.raises(importer.SheetError) as exc:
        importer.import_file(SEED, [override])
    assert words in str(exc.value) and f"{override.number}件目" in str(exc.value)


def test_the_schema_knows_the_record_fields():
    whole = schema.load(sidefiles.OVERRIDES_SCHEMA)
    assert whole["$defs"]["指定"]["properties"]["項目"]["enum"] == [
        f for f in schema.report_fields() if f != "主管課"]


OVERRIDES = """\
指定:
  - 行: 89
    列: 18
    No: 24
    年度: R1
    主管課: 協働推進課
    項目: 課題
    メモ: 原本で確認
"""


def test_a_re_import_honours_the_overrides_file_and_check_validates_it(tmp_path, capsys):
    root = tmp_path / "repo"
    root.mkdir()
    assert main(["import-sheet", str(SEED), "--repo", str(root)]) == 0
    path = root / records.RECORDS / "R1" / "24.yaml"
    assert TEXT not in path.read_text(encoding="utf-8")
    (root / sidefiles.OVERRIDES_RELPATH).write_text(OVERRIDES, encoding="utf-8")
    assert validate.check_paths(root) == []
    assert main(["import-sheet", str(SEED), "--repo", str(root), "--force"]) == 0
    assert f"課題: {TEXT}" in path.read_text(encoding="utf-8")
    assert (root / sidefiles.OVERRIDES_RELPATH).read_text(encoding="utf-8") == OVERRIDES   # kept as written
    assert "取り込みの指定で置いたセル（1件）" in (root / records.RECORDS / "IMPORT_REPORT.md").read_text(encoding="utf-8")
    # a broken file is named in Japanese by `shinchoku check` and refused by the import
    (root / sidefiles.OVERRIDES_RELPATH).write_text(OVERRIDES.replace("項目: 課題", "項目: 感想"), encoding="utf-8")
    problems = validate.check_paths(root)
    assert [p.path for p in problems] == [sidefiles.OVERRIDES_RELPATH]
    assert "「感想」は使えません" in problems[0].message
    before = path.read_bytes()
    capsys.readouterr()
    assert main(["import-sheet", str(SEED), "--repo", str(root), "--force"]) == 1
    err = capsys.readouterr().err
    assert "取り込みの指定を使えません" in err and "「感想」は使えません" in err and "Traceback" not in err
    assert path.read_bytes() == before


def test_an_override_pointing_at_an_empty_cell_changes_nothing(tmp_path, capsys):
    root = tmp_path / "repo"
    root.mkdir()
    assert main(["import-sheet", str(SEED), "--repo", str(root)]) == 0
    before = {p: p.read_bytes() for p in records.iter_record_files(root)}
    other = tmp_path / "指定.yaml"
    other.write_text(OVERRIDES.replace("列: 18", "列: 13"), encoding="utf-8")
    capsys.readouterr()
    assert main(["import-sheet", str(SEED), "--repo", str(root), "--force", "--overrides", str(other)]) == 1
    assert "89行目・13列目は空のセルです" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in records.iter_record_files(root)} == before

"""The importer on the real seed sheet: every non-empty cell is accounted for."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from conftest import SEED
from shinchoku.importing import importer, importreport
from shinchoku.importing.importer import STATUS_FIX
from shinchoku.importing.importrules import NoteKind, Rule, SetAside, is_continuation
from shinchoku.model import records
from shinchoku.rules import validate


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
    """Every record value is its cell's text (a continuation joined to its neighbour)."""
    recs = {(r["年度"], r["No"]): r for r in result.records}
    placed = [e for e in result.ledger.entries.values() if e.kind == "placed" and e.target.startswith("records/")]
    assert len(placed) > 400
    by_target: dict[str, list] = {}
    for e in sorted(placed, key=lambda e: (e.cell.line, e.cell.col)):
        by_target.setdefault(e.target, []).append(e)
        if e.cell.text in STATUS_FIX:
            assert any(n.kind is NoteKind.NORMALISED for n in e.notes)
    for target, entries in by_target.items():
        expected = " ".join(STATUS_FIX.get(e.cell.text, e.cell.text) for e in entries)
        assert _field_value(recs, target) == expected, entries[0].cell.where
        for later in entries[1:]:
            assert Rule.CONTINUATION in importreport.rules_of(later) and is_continuation(later.cell.text)
    # and every record value comes from placed cells
    n_values = sum(len(r) - 1 for rec in result.records for r in rec["報告"])
    assert n_values == len(by_target)


def test_report_lists_every_cell_not_placed_with_certainty(result):
    text = importreport.render(result)
    for e in result.ledger.entries.values():
        if importreport.categories(e):
            assert f"| {e.cell.where} |" in text
    total = re.search(r"\*\*合計（元のファイルの空でないセル）\*\* \|[ |]*\*\*(\d+)\*\*", text)
    assert total and int(total.group(1)) == result.cell_count
    assert "読み取りの誤り「計画通りに入っている」を「計画通りに進んでいる」に直しました" in text
    # the summary at the top: certain + guessed + overridden + headings + set aside = every cell
    rows = dict(re.findall(r"^\| ([^|]+?) \|[^|\n]*\|[^|\n]*\| \**(\d+)\** \|$", text, re.M))
    parts = ["確実に置いた（見出しの列どおり）", "推定して置いた（規則による）", "取り込みの指定で置いた", "表題・見出し", "置かなかった"]
    assert sum(int(rows[k]) for k in parts) == result.cell_count
    guessed = [e for e in result.ledger.entries.values() if e.kind == "placed" and e.guessed]
    assert guessed and all(importreport.rules_of(e) for e in guessed)    # every guess names its rule
    for rule in {r for e in guessed for r in importreport.rules_of(e)}:
        assert f"| {rule.value} |" in text


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


def test_a_record_value_not_reported_as_guessed_sits_at_its_header_column(result):
    """A clerk who checks only the guessed cells finds every doubtful one."""
    imp = importer.SheetImporter(SEED.read_text(encoding="utf-8"))
    imp._split_pages()
    imp._settle_blocks()
    rows = {}
    for page in imp.pages:
        imp._calibrate(page)
        for row in page.rows:
            rows[row[0].line] = (page, row)
    certain = 0
    for e in result.ledger.entries.values():
        if e.kind != "placed" or not e.target.startswith("records/") or e.guessed:
            continue
        m = re.fullmatch(r"records/(\w+)/\d+\.yaml 報告\[.+\]\.(.+)", e.target)
        page, row = rows[e.cell.line]
        block = next(b for b in page.blocks if b.year == m.group(1))
        offset, _placement, _rest = imp._split_row(page, row)
        assert e.cell.col - offset == block.start + block.fields.index(m.group(2)), e.cell.where
        certain += 1
    assert certain > 50


# The fiscal year a text names, written out again here (independently of importrules):
# an era year in 【…】 or before に/は/末, a bare "3年度に", an "as of" date, an event.
_ERA = {"平成": 1988, "令和": 2018, "H": 1988, "R": 2018}


def _named_years(text: str) -> list[int]:
    years = []
    for pattern in (r"(平成|令和)(\d+|元)年度(?=に|は|末)", r"【[^】]*?(平成|令和)(\d+|元)年度[^】]*】"):
        for era, n in re.findall(pattern, text):
            years.append(_ERA[era] + (1 if n == "元" else int(n)))
    for n in re.findall(r"(?<![0-9成和])(\d)年度に", text):
        years.append(2018 + int(n))
    for era, n, month in re.findall(r"(H|R)(\d+)\.(\d+)\.\d+現在", text):
        years.append(_ERA[era] + int(n) - (1 if int(month) < 4 else 0))
    if "緊急事態" in text:
        years.append(2020)
    if "コロナ" in text:
        years.append(2019)
    return years


def test_no_result_names_a_later_year_and_no_action_looks_more_than_a_year_ahead(result):
    from shinchoku.model.plan import western_year

    checked = 0
    for rec in result.records:
        slot = western_year(rec["年度"])
        for report in rec["報告"]:
            for field, limit in (("実績", slot), ("課題", slot), ("次年度へ向けた取組", slot + 1)):
                named = _named_years(report.get(field, ""))
                checked += bool(named)
                assert all(y <= limit for y in named), (rec["年度"], rec["No"], report["主管課"], field, named)
    assert checked > 20


def test_no_text_set_aside_as_a_repeat_is_unique_in_the_source(result):
    texts = Counter(source_cells().values())
    repeats = [e for e in result.ledger.entries.values() if e.reason is SetAside.REPEAT]
    assert len(repeats) > 20
    for e in repeats:
        assert texts[e.cell.text] > 1, e.cell.where
        # and the same text is placed for the same department and year
        twin = re.search(r"（(\d+)行目・(\d+)列目）", e.notes[0].text)
        assert twin, e.notes[0].text
        placed = result.ledger.entries[(int(twin.group(1)), int(twin.group(2)) - 1)]
        assert placed.kind == "placed" and placed.cell.text == e.cell.text


def _placed_at(result, line: int, col1: int) -> str:
    e = result.ledger.entries[(line, col1 - 1)]
    return e.target if e.kind == "placed" else ""


def test_the_misplacements_the_issue_found_are_gone(result):
    recs = {(r["年度"], r["No"]): {x["主管課"]: x for x in r["報告"]} for r in result.records}
    # No 21's R2 action is an action, its result the result
    assert not recs[("R2", 21)]["政策課"]["次年度へ向けた取組"].endswith("拡充を図った。")
    assert recs[("R2", 21)]["政策課"]["実績"].endswith("拡充を図った。")
    # No 30's R2: the statement of a problem is the problem
    assert recs[("R2", 30)]["政策課"]["課題"].endswith("改善が困難である。")
    assert not recs[("R2", 30)]["政策課"]["次年度へ向けた取組"].endswith("困難である。")
    # No 10's 協働推進課 texts in line 41, columns 26 and 29, are unique and placed in R2
    assert _placed_at(result, 41, 26) == "records/R2/10.yaml 報告[協働推進課].実績"
    assert _placed_at(result, 41, 29) == "records/R2/10.yaml 報告[協働推進課].次年度へ向けた取組"
    # No 6 H29: 「また、…」 continues the action, the remark keeps its place
    six = recs[("H29", 6)]["協働推進課"]
    assert six["備考"].startswith("平成29年度より指定管理者業務に移管")
    assert " また、引き続きすでに活動している層" in six["次年度へ向けた取組"]
    # No 4: the plans 「3年度に」 are neither an R1 result nor an H30 remark
    for col in (18, 19):
        assert _placed_at(result, 14, col) not in ("records/R1/04.yaml 報告[協働推進課].実績",
                                                    "records/H30/04.yaml 報告[協働推進課].備考")
    # No 16: the FY2019 result is R1's, not an H30 remark
    assert _placed_at(result, 60, 18) == "records/R1/16.yaml 報告[協働推進課].実績"
    # No 5 指導室: the COVID texts are R2's result and action
    assert _placed_at(result, 21, 27) == "records/R2/05.yaml 報告[指導室].実績"
    assert _placed_at(result, 21, 28) == "records/R2/05.yaml 報告[指導室].次年度へ向けた取組"

"""The rules the importer reads a row's year blocks by, each on small synthetic rows."""

from __future__ import annotations

import pytest

from shinchoku.importing import importer
from shinchoku.importing.importer import Block, Cell
from shinchoku.importing.importrules import Rule, align_year_blocks, content_scores, dated, is_continuation, year_allows

S = "計画通りに進んでいる"
FIELDS = ["進捗状況", "実績", "課題", "次年度へ向けた取組", "備考"]


def blocks(*years: str, width: int = 5, start: int = 8, fields: list[str] | None = None) -> list[Block]:
    out, col = [], start
    for y in years:
        out.append(Block(y, col, list(fields or FIELDS)))
        col += width
    return out


def row(*cells: tuple[int, str]) -> list[Cell]:
    return [Cell(10, col, text) for col, text in cells]


def read(cells, bl, offset=0):
    """(action, year, field) per cell."""
    ds = align_year_blocks(cells, bl, offset, importer.is_status)
    return [(d.action, bl[d.block].year if d.block >= 0 else "", d.field_name) for d in ds], ds


# ----------------------------------------------------------------------------- named years


@pytest.mark.parametrize("text, named, asof, earliest", [
    ("平成30年度は3回開催した。", 2018, None, None),
    ("【令和2年度提案事業数】2事業", 2020, None, None),
    ("【令和元年度提案事業数】3事業", 2019, None, None),
    ("何らかの形で3年度にシニア向け講座を開催する。", 2021, None, None),
    ("28年度に作った事例集を紹介した。", 2016, None, None),
    ("令和3年度末で計画期間が満了したため、検討を行う。", 2021, None, None),
    ("令和元年5月に見直しを行った。", 2019, None, None),
    ("R2.4.1現在50.9%(前年比+5.8%)", None, 2020, None),
    ("H31.3.31現在45.1%", None, 2018, None),
    ("コロナ禍のため中止した。", None, None, 2019),
    ("緊急事態宣言の発令により中止とした。", None, None, 2020),
    ("令和8年度の「はなれ」供用開始に向け、工事を進める。", None, None, None),   # a target, not its own period
    ("平成29年度より指定管理者業務に移管", None, None, None),
])
def test_the_fiscal_year_a_text_names(text, named, asof, earliest):
    d = dated(text)
    assert (d.named, d.asof, d.earliest) == (named, asof, earliest)
    assert bool(d) == any(v is not None for v in (named, asof, earliest))


def test_a_result_names_no_later_year_and_an_action_at_most_one_more():
    plan_r3 = dated("何らかの形で3年度にシニア向け講座を開催する。")
    assert not year_allows(plan_r3, "実績", "R1")
    assert not year_allows(plan_r3, "実績", "R2")
    assert not year_allows(plan_r3, "次年度へ向けた取組", "R1")
    assert year_allows(plan_r3, "次年度へ向けた取組", "R2")
    covid = dated("新型コロナウイルス感染症の影響により中止した。")
    assert not year_allows(covid, "実績", "H30") and year_allows(covid, "実績", "R1")
    assert year_allows(covid, "次年度へ向けた取組", "H30")
    assert not year_allows(covid, "備考", "H29") and year_allows(covid, "備考", "H30")
    assert year_allows(dated("平成33年度着工、平成35年度に完成予定。"), "備考", "H29")   # remarks name plans


def test_what_a_text_says():
    assert max(content_scores("講座を3回開催した。"), key=content_scores("講座を3回開催した。").get) == "実績"
    problem = content_scores("改善が困難である。")
    assert max(problem, key=problem.get) == "課題"
    action = content_scores("引き続き、周知を行う。")
    assert max(action, key=action.get) == "次年度へ向けた取組"
    assert content_scores("※指定管理者業務に移管")["備考"] > 0
    assert is_continuation("また、講座を展開していく。") and not is_continuation("講座を展開していく。また、")


# ----------------------------------------------------------------------------- alignment


def test_status_cells_at_the_header_columns_place_everything_certainly():
    bl = blocks("H29", "H30")
    cells = row((8, S), (9, "講座を開催した。"), (11, "引き続き開催する。"), (13, S), (14, "講座を開催した。"))
    got, ds = read(cells, bl)
    assert got == [("status", "H29", ""), ("field", "H29", "実績"), ("field", "H29", "次年度へ向けた取組"),
                   ("status", "H30", ""), ("field", "H30", "実績")]
    assert all(d.certain and not d.rules for d in ds)


def test_a_missing_status_cell_makes_the_next_year_not_the_remark():
    """Cells beyond a year's fields belong to the next year, whose 進捗状況 was dropped."""
    bl = blocks("H29", "H30", "R1")
    cells = row((8, S), (9, "講座を開催した。"), (10, "参加者が少ない。"), (11, "周知を工夫する。"),
                (12, "講座を2回開催した。"), (13, "参加者の確保が課題である。"), (14, "引き続き開催する。"),
                (18, S), (19, "講座を開催した。"))
    got, ds = read(cells, bl)
    assert got[4:7] == [("field", "H30", "実績"), ("field", "H30", "課題"), ("field", "H30", "次年度へ向けた取組")]
    assert got[7] == ("status", "R1", "")
    assert all(Rule.MISSING_STATUS in d.rules and not d.certain for d in ds[4:7])


def test_a_text_naming_a_later_year_is_not_an_earlier_result():
    bl = blocks("R1", "R2", fields=["進捗状況", "実績", "次年度へ向けた取組", "備考"], width=4)
    cells = row((8, S), (9, "講座を開催した。"), (10, "オンライン講座を準備した。"),
                (11, "何らかの形で3年度に講座を開催する。"))
    got, ds = read(cells, bl)
    placed = {d.cell.text: (bl[d.block].year, d.field_name) for d in ds if d.action == "field"}
    year, name = placed["何らかの形で3年度に講座を開催する。"]
    assert (year, name) == ("R2", "次年度へ向けた取組")
    assert Rule.NAMED_YEAR in next(d for d in ds if d.cell.text.startswith("何らかの")).rules


def test_field_order_fills_the_result_first_when_nothing_else_tells():
    bl = blocks("H29", "H30")   # H30's 進捗状況 sits left of its column: cells were dropped
    got, ds = read(row((8, S), (9, "市民活動センター"), (10, "協働事例集"), (12, S)), bl)
    got, ds = got[:3], ds[:3]
    assert [g[2] for g in got[1:]] == ["実績", "課題"]
    assert all(Rule.FIELD_ORDER in d.rules for d in ds[1:])


def test_content_chooses_the_field_when_cells_were_dropped():
    bl = blocks("H29", "H30")
    cells = row((8, S), (9, "講座を開催した。"), (10, "引き続き講座を開催する。"), (13, S))
    got, ds = read(cells, bl)
    assert got[2] == ("field", "H29", "次年度へ向けた取組")
    assert Rule.CONTENT in ds[2].rules
    # a problem stated after the action is still the problem (the export swapped them)
    cells = row((7, S), (8, "R2.4.1現在50.9%"), (9, "関係課に働きかけていく。"), (10, "改善が困難である。"))
    got, _ = read(cells, blocks("R2"))
    assert [g[2] for g in got[1:]] == ["実績", "次年度へ向けた取組", "課題"]


def test_a_continuation_joins_its_neighbour_and_the_remark_keeps_its_place():
    bl = blocks("H29", "H30")
    cells = row((8, S), (9, "講座を開催した。"), (10, "効果が見えていない。"), (11, "声掛けを継続していく。"),
                (12, "また、新たな講座を展開していく。"), (13, "平成29年度より指定管理者業務に移管"), (14, S))
    got, ds = read(cells, bl)
    assert got[4] == ("join", "H29", "次年度へ向けた取組")
    assert got[5] == ("field", "H29", "備考")
    assert ds[4].rules == [Rule.CONTINUATION]


def test_a_repeat_is_only_a_text_already_placed_for_the_same_year():
    bl = blocks("H29", "H30")
    a = "講座を開催した。"
    cells = row((8, S), (9, a), (10, S), (11, a), (13, S), (14, "新しい講座を始めた。"))
    got, ds = read(cells, bl)
    assert got[2:4] == [("repeat", "H29", "")] * 2            # the group again: the export repeated it
    assert got[4:6] == [("status", "H30", ""), ("field", "H30", "実績")]
    # the same text in another year is that year's text, not a repeat
    cells = row((8, S), (9, a), (13, S), (14, a))
    got, _ = read(cells, bl)
    assert got[3] == ("field", "H30", "実績")


def test_unique_texts_in_surplus_groups_are_placed_not_set_aside():
    """No 10 (line 41): six groups for four years; the last two hold unique texts."""
    bl = blocks("H29", "H30", "R1", "R2")
    cells = row((8, S), (9, "協議を行った。"), (10, "差がある。"), (11, "検討する。"),
                (13, S), (14, "19団体に派遣した。"),
                (16, S), (17, "要件の見直しを検討する。"),
                (21, S), (22, "6団体に派遣した。"),
                (24, S), (25, "実践的な研修を実施した。"),
                (27, S), (28, "研修内容を検討し、実施していく。"))
    got, ds = read(cells, bl)
    placed = {d.cell.text: bl[d.block].year for d in ds if d.action == "field"}
    assert placed["実践的な研修を実施した。"] == "R2"
    assert placed["研修内容を検討し、実施していく。"] == "R2"
    assert all(d.action in ("field", "status", "repeat") for d in ds)
    assert all(d.action != "repeat" or importer.is_status(d.cell.text) for d in ds)

"""export xlsx writes its body rows as XML directly (published.SheetBody); what a user
opens must be what openpyxl's own cells give (published.CellsBody, the reference):
every cell's value, type, font, fill, border, alignment and protection, the merged
ranges, row heights, column widths, the sheet's dimension and print setup."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from shinchoku.publish import export
from shinchoku.sheet import published

PROJECT = Path(__file__).resolve().parents[1]


def _seen(path: Path):
    wb = load_workbook(path)
    ws = wb.active
    cells = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None and not c.has_style:
                continue
            cells[c.coordinate] = (c.value, c.data_type, type(c).__name__, repr(c.font), repr(c.fill),
                                   repr(c.border), repr(c.alignment), repr(c.protection), c.number_format)
    return {
        "cells": cells,
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "heights": {k: v.height for k, v in ws.row_dimensions.items() if v.height},
        "widths": {k: v.width for k, v in ws.column_dimensions.items()},
        "dimension": ws.dimensions,
        "freeze": ws.freeze_panes,
        "titles": ws.print_title_rows,
        "setup": (ws.page_setup.orientation, ws.page_setup.paperSize, ws.page_setup.fitToWidth),
        "properties": [(p.name, p.value) for p in wb.custom_doc_props.props],
    }


@pytest.mark.parametrize("years", [None, ["R2"]])
def test_fast_body_is_what_openpyxl_cells_give(tmp_path, years):
    plan, recs = export.load(PROJECT)
    chosen = export.choose_years(plan, recs, years)
    # a text with what XML and Excel treat specially, and an initiative's number
    recs = dict(recs)
    rec = recs[("R2", 5)] = {**recs[("R2", 5)]}
    rec["報告"] = [dict(r) for r in rec["報告"]]
    rec["報告"][0]["備考"] = "  <前後の空白> & \"引用\" '一重'\n2行目 =1+1 "
    fast, slow = tmp_path / "fast.xlsx", tmp_path / "slow.xlsx"
    w1 = published.write_workbook(fast, plan, recs, chosen, PROJECT)
    w2 = published.write_workbook(slow, plan, recs, chosen, PROJECT, body_class=published.CellsBody)
    assert w1 == w2
    a, b = _seen(fast), _seen(slow)
    assert len(a["cells"]) > 500 and len(a["merged"]) > 50
    for key in a:
        assert a[key] == b[key], key
    if "R2" in chosen:
        assert [v for v, *_ in a["cells"].values() if v == rec["報告"][0]["備考"]], "the text came back changed"

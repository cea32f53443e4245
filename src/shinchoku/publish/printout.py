"""The published sheet for printing (``export pdf``): readable on paper.

All years side by side on one A3 width shrank body text to about 3 pt.  The printout
puts as many years on a sheet as fit at ``MIN_BODY_PT`` or more after LibreOffice's
one-page-wide scaling, one worksheet per group of years, so more years mean more pages,
not smaller print.  By default it shows the years that have reports (a year just opened,
with nothing entered yet, is left out).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shinchoku.model import schema
from shinchoku.model.fields import DEPARTMENT, Record
from shinchoku.model.plan import Plan
from shinchoku.sheet import published

MIN_BODY_PT = 6.5                 # body text on paper; 6 pt is the least readable, with margin
A3_LANDSCAPE_PT = 1190.55
# Printable width: A3 landscape less the margins published.write_sheet sets (0.4 in each side).
PRINTABLE_PT = A3_LANDSCAPE_PT - 2 * 0.4 * 72


def column_points(width_chars: float) -> float:
    """A column of ``width_chars`` (Excel's unit) in points, as LibreOffice prints it."""
    return (width_chars * 7 + 5) * 0.75


def body_points(plan: Plan, years: list[str], root: Path | None = None) -> float:
    """The body text size on paper when ``years`` share one page width."""
    cols = published.Columns.build(plan.plan_years, years, list(schema.shape(root).reported))
    total = sum(column_points(cols.width(c)) for c in range(1, cols.last + 1))
    return published.FONT_SIZE * min(1.0, PRINTABLE_PT / total)


def groups(plan: Plan, years: list[str], root: Path | None = None) -> list[list[str]]:
    """``years`` in consecutive groups, each as large as still prints at MIN_BODY_PT."""
    out: list[list[str]] = []
    for year in years:
        if out and body_points(plan, out[-1] + [year], root) >= MIN_BODY_PT:
            out[-1].append(year)
        else:
            out.append([year])
    return out


def has_reports(record: dict[str, Any]) -> bool:
    """Did any department enter anything (a field besides 主管課) in ``record``?"""
    return any(k != DEPARTMENT and v not in (None, "") for r in Record(record).reports().values() for k, v in r.items())


def years_with_reports(plan: Plan, recs: dict[tuple[str, int], dict[str, Any]]) -> list[str]:
    return [y for y in plan.year_labels if any(k[0] == y and has_reports(r) for k, r in recs.items())]


def write_workbook(path: Path, plan: Plan, recs: dict[tuple[str, int], dict[str, Any]],
                   years: list[str], root: Path | None = None, note: str = "") -> tuple[list[str], list[list[str]]]:
    """The print workbook: one sheet per group of years.  (warnings, groups).  ``note``
    (what the sheet leaves out, shinchoku.rules.cycle) goes into every page's header."""
    from openpyxl import Workbook

    from shinchoku.fileout import write_atomic

    wb = Workbook()
    wb.remove(wb.active)
    warnings: list[str] = []
    parts = groups(plan, years, root)
    for part in parts:
        ws = wb.create_sheet(title=("・".join(part))[:31])
        for w in published.write_sheet(ws, plan, recs, part, root):
            if w not in warnings:
                warnings.append(w)
        if note:
            ws.oddHeader.right.text = note
    wb.properties.title = published.title(plan)
    wb.properties.creator = "shinchoku"
    write_atomic(path, wb.save)
    return warnings, parts

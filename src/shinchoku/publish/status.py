"""Progress counts per strategy and fiscal year, and the initiatives behind plan."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from shinchoku.model.fields import Record
from shinchoku.model.plan import Plan
from shinchoku.model.schema import Shape

NOT_REPORTED = "未記入"
ISSUE = "課題"          # the field that says what holds a report back (listed with the ones behind plan)


@dataclass
class YearSummary:
    year: str
    # (strategy number, status) -> reports
    counts: Counter = field(default_factory=Counter)
    behind: list[tuple[int, str, str, str]] = field(default_factory=list)  # (No, 施策名, 主管課, 課題)

    def total(self, status: str) -> int:
        return sum(n for (s, st), n in self.counts.items() if st == status)


def summarise(plan: Plan, records: dict[tuple[str, int], dict[str, Any]], shape: Shape,
              years: list[str] | None = None, department: str | None = None) -> list[YearSummary]:
    """One summary per fiscal year that has records (or the given years), in plan order.

    Counts are per report (initiative × lead department) of the progress status
    (``shape.status``); a lead department with none that year counts as 未記入.  The
    reports whose status is the one behind plan (``shape.behind``, the schema's
    x-behind-plan) are listed with their 課題.
    """
    wanted = years or [y for y in plan.year_labels if any(k[0] == y for k in records)]
    out = []
    for year in wanted:
        summary = YearSummary(year)
        for initiative in plan.initiatives():
            reports = Record(records.get((year, initiative.no))).reports()
            for dept in initiative.departments:
                if department and dept != department:
                    continue
                report = reports.get(dept, {})
                status = report.get(shape.status) or NOT_REPORTED
                summary.counts[(initiative.strategy_no, status)] += 1
                if shape.behind is not None and status == shape.behind:
                    summary.behind.append((initiative.no, initiative.name, dept, report.get(ISSUE, "")))
        out.append(summary)
    return out

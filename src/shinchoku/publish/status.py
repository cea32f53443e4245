"""Progress counts per strategy and fiscal year, and the initiatives behind plan."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from shinchoku.model.plan import Plan

NOT_REPORTED = "未記入"


@dataclass
class YearSummary:
    year: str
    # (strategy number, status) -> reports
    counts: Counter = field(default_factory=Counter)
    behind: list[tuple[int, str, str, str]] = field(default_factory=list)  # (No, 施策名, 主管課, 課題)

    def total(self, status: str) -> int:
        return sum(n for (s, st), n in self.counts.items() if st == status)


def summarise(plan: Plan, records: dict[tuple[str, int], dict[str, Any]], statuses: list[str],
              years: list[str] | None = None, department: str | None = None) -> list[YearSummary]:
    """One summary per fiscal year that has records (or the given years), in plan order.

    Counts are per report (initiative × lead department); a lead department with no
    進捗状況 that year counts as 未記入.
    """
    behind_status = statuses[1] if len(statuses) > 1 else None  # 計画通りに進んでいない
    wanted = years or [y for y in plan.year_labels if any(k[0] == y for k in records)]
    out = []
    for year in wanted:
        summary = YearSummary(year)
        for initiative in plan.initiatives():
            rec = records.get((year, initiative.no))
            reports = {r.get("主管課"): r for r in (rec or {}).get("報告", []) if isinstance(r, dict)}
            for dept in initiative.departments:
                if department and dept != department:
                    continue
                report = reports.get(dept, {})
                status = report.get("進捗状況") or NOT_REPORTED
                summary.counts[(initiative.strategy_no, status)] += 1
                if status == behind_status:
                    summary.behind.append((initiative.no, initiative.name, dept, report.get("課題", "")))
        out.append(summary)
    return out

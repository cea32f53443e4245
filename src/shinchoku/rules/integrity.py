"""Checks JSON Schema cannot express: records against the plan, the plan against itself.

Each check returns ``(path, message)`` pairs, ``path`` being the key/index path of the
offending value inside the document (used to find its line and to name the field).
"""

from __future__ import annotations

from typing import Any

from shinchoku.model.fields import DEPARTMENT, NO, REPORTS, YEAR
from shinchoku.model.plan import Plan
from shinchoku.model.records import parse_relpath

Finding = tuple[tuple[Any, ...], str]


def record_findings(relpath: str, data: dict[str, Any], plan: Plan | None,
                    initiatives: dict[int, Any] | None = None,
                    year_labels: list[str] | None = None) -> list[Finding]:
    """``relpath`` is relative to ``records/`` (e.g. ``R2/05.yaml``); ``initiatives`` and
    ``year_labels`` are the plan's, when the caller has them already (every record asks)."""
    out: list[Finding] = []
    named = parse_relpath(relpath)
    no, year = data.get(NO), data.get(YEAR)
    if named is None:
        out.append(((), "ファイルの場所が正しくありません（records/<年度>/<No 2桁>.yaml に置いてください）"))
    else:
        f_year, f_no = named
        if isinstance(year, str) and year != f_year:
            out.append(((YEAR,), f"年度「{year}」がフォルダ名「{f_year}」と合っていません"))
        if isinstance(no, int) and not isinstance(no, bool) and no != f_no:
            # Which initiative is meant is unclear: say so, and check nothing against the plan.
            out.append(((NO,), f"No {no} がファイル名「{f_no:02d}.yaml」と合っていません"))
            return out
    if plan is None:
        return out
    labels = plan.year_labels if year_labels is None else year_labels
    if isinstance(year, str) and year not in labels:
        out.append(((YEAR,), f"年度「{year}」は計画の年度（{'・'.join(labels)}）にありません"))
    if initiatives is None:
        initiatives = plan.by_no()
    initiative = initiatives.get(no) if isinstance(no, int) else None
    if isinstance(no, int) and initiative is None:
        out.append(((NO,), f"No {no} の施策は計画（plan.yaml）にありません"))
    reports = data.get(REPORTS)
    if not isinstance(reports, list):
        return out
    seen: dict[str, int] = {}
    for index, report in enumerate(reports):
        if not isinstance(report, dict):
            continue
        dept = report.get(DEPARTMENT)
        if not isinstance(dept, str):
            continue
        if dept in seen:
            out.append(((REPORTS, index, DEPARTMENT), f"「{dept}」の報告が2件あります（{seen[dept] + 1}件目と{index + 1}件目）"))
        else:
            seen[dept] = index
        if initiative is not None and dept not in initiative.departments:
            out.append((
                (REPORTS, index, DEPARTMENT),
                f"「{dept}」はNo {no}（{initiative.name}）の主管課ではありません（主管課：{'・'.join(initiative.departments)}）",
            ))
    if initiative is not None and len(seen) == len(reports) and all(d in initiative.departments for d in seen):
        order = [d for d in initiative.departments if d in seen]
        if list(seen) != order:
            out.append(((REPORTS,), f"報告の順番が計画の主管課の順（{'・'.join(order)}）と違います"))
    return out


def plan_findings(plan: Plan) -> list[Finding]:
    out: list[Finding] = []
    labels: dict[str, int] = {}
    for index, y in enumerate(plan.data.get("年度", []) or []):
        if not isinstance(y, dict):
            continue
        label = y.get("年度")
        if label in labels:
            out.append((("年度", index, "年度"), f"年度「{label}」が2回書かれています"))
        labels.setdefault(label, index)
    nos: dict[int, tuple[Any, ...]] = {}
    for path, _strategy, _goal, i in plan.items():
        no = i.get(NO)
        if no in nos:
            out.append(((*path, NO), f"施策 No {no} が2回書かれています"))
        nos.setdefault(no, path)
        content = i.get("事業内容")
        if isinstance(content, dict):
            for dept in content:
                if dept not in (i.get(DEPARTMENT) or []):
                    out.append(((*path, "事業内容", dept), f"事業内容の「{dept}」は主管課にありません"))
        for year in (i.get("計画") or {}):
            if year not in plan.plan_years:
                out.append(((*path, "計画", year), f"計画の年度「{year}」は計画年度にありません"))
    return out

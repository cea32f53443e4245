"""The fiscal-year cycle: open a year for reporting, close it when the reports are in.

``open_year`` adds the year to ``plan.yaml`` (with its 西暦) if it is not there, marks it
受付中, and creates the year's records: one per initiative, with one report per lead
department holding only 主管課, so that every department finds its row waiting.
Records that already exist are left exactly as they are.

``close_year`` marks the year 締切; after that only the coordinator may change it (the
server hook enforces this).

These functions compute and write files; committing them is the command's business
(through :mod:`shinchoku.store`).
"""

from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shinchoku.errors import ShinchokuError
from shinchoku.model import plan as plan_mod
from shinchoku.model import records

OPEN, CLOSED = "受付中", "締切"
_LABEL = re.compile(r"^([HR])([0-9]{1,2})$")


class YearError(ShinchokuError):
    """A request that cannot be done (message in Japanese)."""


@dataclass
class Outcome:
    year: str
    plan_changed: bool
    message: str                                               # what was done, in Japanese
    created: list[dict[str, Any]] = field(default_factory=list)  # new records
    kept: int = 0                                              # records that already existed
    paths: list[str] = field(default_factory=list)             # repo-relative paths written


def normalise_label(text: str) -> str:
    """「r3」「Ｒ３」「R3年度」 → "R3"; YearError for anything else."""
    t = unicodedata.normalize("NFKC", text).strip().upper().removesuffix("年度")
    m = _LABEL.match(t)
    if not m:
        raise YearError(f"「{text}」は年度として読めません（R3、H30 のように書いてください）")
    return f"{m.group(1)}{int(m.group(2))}"


def _load_plan(root: Path) -> dict[str, Any]:
    """The plan's data as it is written (PlanUnavailable when there is none to read)."""
    return plan_mod.load_repository(root).data


def with_state(plan_data: dict[str, Any], label: str, state: str, add: bool) -> tuple[dict[str, Any], bool]:
    """``plan_data`` with year ``label`` set to ``state`` (added in 西暦 order when ``add``);
    and whether anything changed."""
    data = copy.deepcopy(plan_data)
    years = [y for y in data.get("年度", []) if isinstance(y, dict)]
    entry = next((y for y in years if y.get("年度") == label), None)
    if entry is None:
        if not add:
            known = "・".join(str(y.get("年度")) for y in years)
            raise YearError(f"年度「{label}」は計画（plan.yaml）にありません（ある年度: {known}）")
        years.append({"年度": label, "西暦": plan_mod.western_year(label), "状態": state})
        years.sort(key=lambda y: int(y.get("西暦", 0)))
        data["年度"] = years
        return data, True
    if entry.get("状態") == state:
        return data, False
    entry["状態"] = state
    return data, True


def blank_records(plan: plan_mod.Plan, label: str) -> list[dict[str, Any]]:
    """One record per initiative for year ``label``: a report per lead department with
    only 主管課."""
    return [{"No": i.no, "年度": label, "報告": [{"主管課": d} for d in i.departments]}
            for i in plan.initiatives()]


def open_year(root: Path, text: str) -> Outcome:
    label = normalise_label(text)
    data, changed = with_state(_load_plan(root), label, OPEN, add=True)
    plan = plan_mod.Plan(data)
    outcome = Outcome(label, changed, "")
    if changed:
        _write_plan(root, data)
        outcome.paths.append(f"{records.RECORDS}/{plan_mod.PLAN_FILE}")
    for rec in blank_records(plan, label):
        rel = records.record_relpath(label, rec["No"])
        if (root / rel).exists():
            outcome.kept += 1
            continue
        records.write_record(root, rec)
        outcome.created.append(rec)
        outcome.paths.append(rel)
    parts = []
    if changed:
        parts.append(f"{label}年度（{plan_mod.western_year(label)}年度）を受付中にしました")
    else:
        parts.append(f"{label}年度はすでに受付中です")
    parts.append(f"記録を{len(outcome.created)}件作りました" if outcome.created else "新しく作る記録はありません")
    if outcome.kept:
        parts.append(f"すでにある記録{outcome.kept}件はそのままです")
    outcome.message = "。".join(parts)
    return outcome


def close_year(root: Path, text: str) -> Outcome:
    label = normalise_label(text)
    data, changed = with_state(_load_plan(root), label, CLOSED, add=False)
    outcome = Outcome(label, changed, "")
    if changed:
        _write_plan(root, data)
        outcome.paths.append(f"{records.RECORDS}/{plan_mod.PLAN_FILE}")
        outcome.message = f"{label}年度を締切にしました。これからは協働推進課（調整担当）だけが変更できます"
    else:
        outcome.message = f"{label}年度はすでに締切です"
    return outcome


def _write_plan(root: Path, data: dict[str, Any]) -> None:
    path = root / records.RECORDS / plan_mod.PLAN_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(records.dumps_plan(data, root), encoding="utf-8", newline="\n")
    tmp.replace(path)


def commit(store, outcome: Outcome, action: str) -> str | None:
    """Commit what ``open_year``/``close_year`` wrote, as the repository's git user.
    Returns the commit; sending it is :func:`shinchoku.sharing.sync.sync`'s job (the central
    repository may have moved since the last fetch)."""
    verb = "受付開始" if action == "open" else "締切"
    message = f"{outcome.year}年度の{verb}\n\n{outcome.message}\n"
    return store.commit(outcome.paths, store.author_from_config(), message)


def check_open(root: Path, text: str) -> tuple[str, bool, int]:
    """Before ``open_year``: (label, whether the year becomes 受付中 now, records it would
    create).  :class:`YearError` when the year fits neither the plan nor the year after its
    latest one: `year open R33` once published 35 records for 2051."""
    label = normalise_label(text)
    data = _load_plan(root)
    plan = plan_mod.Plan(data)
    known = {y.label: y for y in plan.years}
    if label not in known and label not in plan.plan_years:
        latest = max((y.western for y in plan.years), default=None)
        western = plan_mod.western_year(label)
        if latest is None or western != latest + 1:
            period = "・".join(plan.plan_years)
            following = (latest or 0) + 1
            nxt = f"R{following - 2018}" if following >= 2019 else f"H{following - 1988}"
            raise YearError(
                f"{label}年度（{western}年度）は、計画期間の年度（{period or 'なし'}）でも、"
                f"計画にある最後の年度の次（{nxt}年度）でもないため、受付を始めませんでした。"
                "年度を確かめてください（計画期間を延ばすときは、先に records/plan.yaml の「計画年度」を直してください）")
    entry = known.get(label)
    becomes_open = entry is None or not entry.open
    missing = sum(1 for rec in blank_records(plan_mod.Plan(data), label)
                  if not (root / records.record_relpath(label, rec["No"])).exists())
    return label, becomes_open, missing

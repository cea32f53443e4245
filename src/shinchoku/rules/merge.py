"""Field-level three-way merge of records and of the plan.

Reports are matched by 主管課 and plan items by their number, never by position, so
edits to different fields — or to different departments' reports — of the same record
merge cleanly.  The same field changed two different ways is a :class:`Conflict`.

A conflict between two texts keeps **both** values inside the field, between
git-style markers::

    課題: |-
      <<<<<<< 自分の変更
      参加者が少ない。
      =======
      参加者が減っている。
      >>>>>>> 相手の変更

so nothing is lost, and such a value can never be committed by accident: the validator
rejects any value holding these markers.  A conflict that cannot be written inside one
text (a report removed on one side and edited on the other, a changed list in the plan)
is "hard": the merge driver then leaves git's own whole-file conflict, as git would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shinchoku.model.fields import DEPARTMENT, NO, REPORTS
from shinchoku.rules.fielddiff import IDENTITY

OURS_MARK = "<<<<<<< 自分の変更"
SPLIT_MARK = "======="
THEIRS_MARK = ">>>>>>> 相手の変更"

# A step of a conflict's place: a mapping's key (KEY, key), or a list entry matched by
# its identity (ITEM, identity key, value), e.g. the report of (ITEM, 主管課, 指導室).
KEY, ITEM = "key", "item"
Step = tuple[Any, ...]


@dataclass(frozen=True)
class Conflict:
    where: tuple[Step, ...]   # ((KEY, 報告), (ITEM, 主管課, 児童青少年課), (KEY, 課題))
    base: Any
    ours: Any
    theirs: Any
    hard: bool = False        # cannot be written inside one text value

    @property
    def path(self) -> str:
        """``報告[児童青少年課].課題``, as check and ``git log -p`` name the place."""
        out = ""
        for step in self.where:
            if step[0] == ITEM:
                out += f"[No {step[2]}]" if step[1] == NO else f"[{step[2]}]"
            else:
                out += f".{step[1]}" if out else str(step[1])
        return out

    @property
    def department(self) -> str:
        """The report's 主管課, when the conflict is inside one report."""
        w = self.where
        if len(w) >= 2 and w[0] == (KEY, REPORTS) and w[1][0] == ITEM and w[1][1] == DEPARTMENT:
            return str(w[1][2])
        return ""

    @property
    def field(self) -> str:
        """The report's field (or the last key of the place), "" for a whole entry."""
        if self.department and len(self.where) >= 3:
            return str(self.where[2][1]) if self.where[2][0] == KEY else ""
        return str(self.where[-1][1]) if self.where and self.where[-1][0] == KEY else ""


def conflict_text(ours: str | None, theirs: str | None) -> str:
    return "\n".join([OURS_MARK, ours or "", SPLIT_MARK, theirs or "", THEIRS_MARK])


def has_conflict_markers(value: str) -> bool:
    lines = value.split("\n")
    return OURS_MARK in lines and THEIRS_MARK in lines


def _merge(base: Any, ours: Any, theirs: Any, where: tuple[Step, ...], key: str, conflicts: list[Conflict]) -> Any:
    if ours == theirs:
        return ours
    if ours == base:
        return theirs
    if theirs == base:
        return ours
    if isinstance(ours, dict) and isinstance(theirs, dict):
        b = base if isinstance(base, dict) else {}
        out: dict[str, Any] = {}
        for k in list(dict.fromkeys([*ours, *theirs])):
            value = _merge(b.get(k), ours.get(k), theirs.get(k), (*where, (KEY, k)), k, conflicts)
            if value is not None:
                out[k] = value
        return out
    ident = IDENTITY.get(key)
    if ident and _keyed(ours, ident) and _keyed(theirs, ident) and (base is None or _keyed(base, ident)):
        return _merge_keyed(base or [], ours, theirs, where, ident, conflicts)
    both_text = all(isinstance(v, str) or v is None for v in (ours, theirs))
    conflicts.append(Conflict(where, base, ours, theirs, hard=not both_text))
    return conflict_text(ours, theirs) if both_text else ours


def _keyed(items: Any, ident: str) -> bool:
    return isinstance(items, list) and all(isinstance(i, dict) and ident in i for i in items)


def _merge_keyed(base: list, ours: list, theirs: list, where: tuple[Step, ...], ident: str,
                 conflicts: list[Conflict]) -> list:
    b = {i[ident]: i for i in base}
    o = {i[ident]: i for i in ours}
    t = {i[ident]: i for i in theirs}
    order = list(dict.fromkeys([*o, *t]))
    out = []
    for k in order:
        sub = (*where, (ITEM, ident, k))
        bi, oi, ti = b.get(k), o.get(k), t.get(k)
        if oi is None or ti is None:
            present = oi if oi is not None else ti
            if bi is None:
                out.append(present)               # added on one side
            elif present == bi:
                continue                          # removed on one side, unchanged on the other
            else:
                conflicts.append(Conflict(sub, bi, oi, ti, hard=True))
                out.append(present)
            continue
        out.append(_merge(bi, oi, ti, sub, "", conflicts))
    return out


def merge_records(base: dict | None, ours: dict, theirs: dict,
                  department_order: list[str] | None = None) -> tuple[dict, list[Conflict]]:
    """Merge two versions of one record against their common ancestor.

    ``department_order`` (the plan's lead departments) orders the merged reports.
    """
    conflicts: list[Conflict] = []
    merged = _merge(base, ours, theirs, (), "", conflicts)
    if department_order and isinstance(merged.get(REPORTS), list):
        rank = {d: i for i, d in enumerate(department_order)}
        merged[REPORTS] = sorted(merged[REPORTS], key=lambda r: rank.get(r.get(DEPARTMENT), len(rank)))
    return merged, conflicts


def merge_plan(base: dict | None, ours: dict, theirs: dict) -> tuple[dict, list[Conflict]]:
    """Merge two versions of ``plan.yaml`` (strategies and goals by 番号, initiatives by No, years by 年度)."""
    conflicts: list[Conflict] = []
    merged = _merge(base, ours, theirs, (), "", conflicts)
    return merged, conflicts

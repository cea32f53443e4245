"""The action plan (``records/plan.yaml``): years, strategies, goals, initiatives."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from shinchoku import words
from shinchoku.errors import Kind, ShinchokuError
from shinchoku.model import yamlio
from shinchoku.model.fields import DEPARTMENT, NO

PLAN_FILE = "plan.yaml"
PLAN_RELPATH = f"records/{PLAN_FILE}"      # its path in the repository (records.RECORDS is "records")
# The plan's tree (schema/plan.schema.json): 推進方策 → 目標 → 施策, each initiative with its
# No and its lead departments under the same words a record uses (fields.NO, fields.DEPARTMENT).
STRATEGIES, GOALS, INITIATIVES = "推進方策", "目標", "施策"


@dataclass(frozen=True)
class Initiative:
    no: int
    name: str
    departments: tuple[str, ...]
    related: tuple[str, ...]
    strategy_no: int
    strategy_name: str
    goal_no: int
    goal_name: str
    content: Any = None
    schedule: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def content_for(self, department: str) -> str:
        if isinstance(self.content, dict):
            return self.content.get(department, "")
        return self.content or ""


@dataclass(frozen=True)
class Year:
    label: str
    western: int
    open: bool


@dataclass
class Plan:
    data: dict[str, Any]

    @property
    def name(self) -> str:
        return self.data.get("計画名", "")

    @property
    def period(self) -> str:
        return self.data.get("計画期間", "")

    @property
    def plan_years(self) -> list[str]:
        return list(self.data.get("計画年度", []))

    @property
    def years(self) -> list[Year]:
        return [
            Year(y["年度"], int(y["西暦"]), y.get("状態") == "受付中")
            for y in self.data.get("年度", [])
            if isinstance(y, dict) and "年度" in y and "西暦" in y
        ]

    def year(self, label: str) -> Year | None:
        return next((y for y in self.years if y.label == label), None)

    @property
    def year_labels(self) -> list[str]:
        return [y.label for y in self.years]

    def strategies(self) -> Iterator[dict[str, Any]]:
        yield from self.data.get(STRATEGIES, [])

    def items(self) -> Iterator[tuple[tuple[Any, ...], dict[str, Any], dict[str, Any], dict[str, Any]]]:
        """(key path, strategy, goal, initiative) of every initiative entry in plan order,
        as the file has them (an entry that is no mapping is passed over: the schema
        check names it)."""
        for si, s in _entries(self.data.get(STRATEGIES)):
            for gi, g in _entries(s.get(GOALS)):
                for ii, i in _entries(g.get(INITIATIVES)):
                    yield (STRATEGIES, si, GOALS, gi, INITIATIVES, ii), s, g, i

    def initiatives(self) -> Iterator[Initiative]:
        yield from self._initiatives()

    def _initiatives(self) -> tuple[Initiative, ...]:
        # Built once per plan: every command asks for initiatives (or one by No) many
        # times, and a plan is read-only once loaded (a changed plan is a new Plan).
        cached = self.__dict__.get("_cache_initiatives")
        if cached is not None and cached[0] is self.data.get(STRATEGIES):
            return cached[1]
        built = tuple(Initiative(
            no=i[NO],
            name=i.get("施策名", ""),
            departments=tuple(i.get(DEPARTMENT, [])),
            related=tuple(i.get("関係課", [])),
            strategy_no=s.get("番号", 0),
            strategy_name=s.get("名称", ""),
            goal_no=g.get("番号", 0),
            goal_name=g.get("名称", ""),
            content=i.get("事業内容"),
            schedule=dict(i.get("計画", {}) or {}),
        ) for _path, s, g, i in self.items())
        self.__dict__["_cache_initiatives"] = (self.data.get(STRATEGIES), built)
        self.__dict__.pop("_cache_by_no", None)
        return built

    def or_none(self) -> "Plan | None":
        """None for a plan file that held no mapping."""
        return self if self.data else None

    def by_no(self) -> dict[int, Initiative]:
        """{No: initiative}, built once per plan (do not change the returned dict)."""
        initiatives = self._initiatives()
        cached = self.__dict__.get("_cache_by_no")
        if cached is None or cached[0] is not initiatives:
            cached = (initiatives, {i.no: i for i in initiatives})
            self.__dict__["_cache_by_no"] = cached
        return cached[1]

    def departments(self) -> list[str]:
        """Every lead department, in order of first appearance."""
        seen: dict[str, None] = {}
        for i in self.initiatives():
            for d in i.departments:
                seen.setdefault(d, None)
        return list(seen)


def _entries(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, entry) of the mappings in one of the plan's lists (anything else passed over)."""
    if isinstance(value, list):
        for index, entry in enumerate(value):
            if isinstance(entry, dict):
                yield index, entry


_MEMO: dict[str, "Plan"] = {}


def load_cached(raw: bytes, cache_dir: Path | None = None) -> Plan:
    """The plan in ``raw``, remembered by content hash in memory and, when given, under
    ``cache_dir`` (the repository's git folder): a large plan takes 0.1 s to parse and
    every hook and push needs it.  Raises :class:`yamlio.YamlError` like :func:`load_text`."""
    import hashlib
    import pickle

    key = hashlib.sha256(raw).hexdigest()
    if key in _MEMO:
        return _MEMO[key]
    path = cache_dir / f"plan-{key[:32]}.pickle" if cache_dir is not None else None
    data = None
    if path is not None and path.is_file():
        try:
            cached = pickle.loads(path.read_bytes())
            data = cached["data"] if cached.get("sha256") == key else None
        except Exception:
            data = None
    if data is None:
        data = yamlio.load(raw)
        if path is not None and isinstance(data, dict):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_bytes(pickle.dumps({"sha256": key, "data": data}, protocol=pickle.HIGHEST_PROTOCOL))
                tmp.replace(path)
            except OSError:
                pass                              # a cache that cannot be written is only slower
    plan = Plan(data if isinstance(data, dict) else {})
    _MEMO[key] = plan
    return plan


def load_text(text: str | bytes) -> Plan:
    """The plan in ``text``; :class:`yamlio.YamlError` when it is unreadable or not a plan
    (an empty plan would make every record look like it belongs to nothing)."""
    data = yamlio.load(text)
    if not isinstance(data, dict):
        raise yamlio.YamlError(1, words.NOT_A_PLAN)
    return Plan(data)


def load(records_dir: Path) -> Plan:
    return load_text((records_dir / PLAN_FILE).read_bytes())


class PlanUnavailable(ShinchokuError):
    """The repository has no readable plan: ``kind`` is ``NO_REPOSITORY`` (no
    records/plan.yaml there) or ``PLAN_UNREADABLE`` (message with file:line)."""


def require_repository(root: Path, *, exit_code: int | None = None) -> Path:
    """``records/plan.yaml`` of the repository at ``root``; :class:`PlanUnavailable`
    (``NO_REPOSITORY``, exit 1 unless ``exit_code``) when there is none."""
    path = root / "records" / PLAN_FILE
    if not path.is_file():
        raise PlanUnavailable(words.no_repository(root), kind=Kind.NO_REPOSITORY, exit_code=exit_code)
    return path


def unreadable(exc: yamlio.YamlError) -> PlanUnavailable:
    """The one wording for a plan that cannot be read (``PLAN_UNREADABLE``)."""
    return PlanUnavailable(words.plan_unreadable(exc.line, exc.message), kind=Kind.PLAN_UNREADABLE)


def load_repository(root: Path) -> Plan:
    """The plan of the records repository at ``root``, or :class:`PlanUnavailable`
    saying that there is no repository there or on which line its plan cannot be read."""
    try:
        return load_text(require_repository(root).read_bytes())
    except yamlio.YamlError as exc:
        raise unreadable(exc) from None


def western_year(label: str) -> int:
    """H29 → 2017, R2 → 2020 (the calendar year the fiscal year starts in)."""
    era, num = label[0], int(label[1:])
    return {"H": 1988, "R": 2018}[era] + num

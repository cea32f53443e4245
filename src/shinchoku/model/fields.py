"""A record, a report, a field and a change to one: the one model every layer passes.

* :class:`FieldRef` names one field of one report: (年度, No, 主管課, 項目).  Problems,
  edits, conflicts and history all point at a field with one.
* :class:`FieldChange` is a change of one field: before, after and, when it comes from
  history, the :class:`Commit` that made it.  A cell edited in Excel, a field a commit
  changed, a conflict's two sides and a line of the coordinator's review are all one.
* :class:`Record` wraps the mapping a record file holds (its keys are the sheet's own
  words, as the schema names them) and gives its reports by department.

The record's structural keys (``No``, ``年度``, ``報告``, ``主管課``) are named here once;
:func:`shinchoku.model.schema.shape` checks that the schema has them, and it is the
schema that names every other field, its label and its allowed values.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

# The shape of a record file (schema/record.schema.json): {No, 年度, 報告: [{主管課, …}]}.
NO = "No"
YEAR = "年度"
REPORTS = "報告"
DEPARTMENT = "主管課"


def text_or_none(value: Any) -> str | None:
    """A field's value as text, or None where it is absent or empty (a record leaves an
    empty field out, and the sheet shows it as an empty cell)."""
    return None if value in (None, "") else str(value)


@dataclass(frozen=True, order=True)
class FieldRef:
    """One field of one report: ``FieldRef("R2", 5, "児童青少年課", "課題")``."""

    year: str
    no: int
    department: str
    field: str

    @property
    def record(self) -> tuple[str, int]:
        """(年度, No): the record the field is in."""
        return self.year, self.no

    @property
    def relpath(self) -> str:
        """``records/R2/05.yaml``: the file the field is in."""
        from shinchoku.model.records import record_relpath

        return record_relpath(self.year, self.no)

    @property
    def path(self) -> str:
        """``報告[児童青少年課].課題``: where the field is inside its record, as
        ``shinchoku check``, the hooks and ``git log -p`` (textconv) name it."""
        return f"{REPORTS}[{self.department}].{self.field}"

    def label(self, title: str | None = None) -> str:
        """``R2 No.5 児童青少年課 課題`` (``title``: the field's label, when it differs)."""
        return f"{self.year} No.{self.no} {self.department} {title or self.field}"

    @classmethod
    def at(cls, relpath: str, path: str) -> "FieldRef | None":
        """The field that ``path`` (``報告[課].項目``) names in the record file ``relpath``
        (``records/R2/05.yaml``): how a problem line read back from the central
        repository's answer is put on its cell.  None for anything else (the plan, a
        record's own ``No``, a nested key)."""
        from shinchoku.model.records import record_key

        head = f"{REPORTS}["
        parsed = record_key(relpath)
        if parsed is None or not path.startswith(head) or "]." not in path:
            return None
        department, _, field = path[len(head):].partition("].")
        if not department or not field or "." in field or "[" in field:
            return None
        return cls(parsed[0], parsed[1], department, field)


@dataclass(frozen=True)
class Commit:
    """Who made a change and when: one commit, as the store reads it from git."""

    sha: str
    author: str
    email: str
    when: _dt.datetime
    subject: str
    body: str = ""
    parents: tuple[str, ...] = ()
    abbrev: str = ""            # git's own abbreviation, where the store asked git for it

    @property
    def short(self) -> str:
        """git's abbreviation when the store read it (the server hook's headings), else
        the first seven characters."""
        return self.abbrev or self.sha[:7]

    @property
    def when_text(self) -> str:
        """``2026-05-10 09:30`` in this machine's time zone."""
        return self.when.astimezone().strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class FieldChange:
    """One field changed from ``before`` to ``after`` (None: absent or empty), by
    ``commit`` when the change comes from history (None for an edit not sent yet)."""

    ref: FieldRef
    before: str | None
    after: str | None
    commit: Commit | None = None

    # The ref's parts, for readers that sort and group changes.
    @property
    def year(self) -> str:
        return self.ref.year

    @property
    def no(self) -> int:
        return self.ref.no

    @property
    def department(self) -> str:
        return self.ref.department

    @property
    def field(self) -> str:
        return self.ref.field

    @property
    def author(self) -> str:
        return self.commit.author if self.commit else ""

    @property
    def when(self) -> _dt.datetime | None:
        return self.commit.when if self.commit else None

    def as_json(self) -> dict[str, Any]:
        """The change as ``shinchoku history --json`` and ``blame --json`` write it."""
        c = self.commit
        return {"commit": c.sha if c else "", "author": c.author if c else "", "email": c.email if c else "",
                "when": c.when.isoformat() if c else None, "before": self.before, "after": self.after,
                "subject": c.subject if c else "", "department": self.department, "field": self.field,
                "path": self.ref.relpath}


class Record:
    """A record file's mapping with its reports by department.  Wraps the mapping (does
    not copy it): what :meth:`set` changes is what the YAML writer writes."""

    __slots__ = ("data",)

    def __init__(self, data: Mapping[str, Any] | None):
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}

    @classmethod
    def new(cls, year: str, no: int) -> "Record":
        return cls({NO: no, YEAR: year, REPORTS: []})

    @property
    def year(self) -> str | None:
        value = self.data.get(YEAR)
        return value if isinstance(value, str) else None

    @property
    def no(self) -> int | None:
        value = self.data.get(NO)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def key(self) -> tuple[str, int] | None:
        """(年度, No), or None when the record does not say both."""
        return (self.year, self.no) if self.year is not None and self.no is not None else None

    def reports(self) -> dict[str, dict[str, Any]]:
        """{主管課: report} in the record's order (entries without a department left out)."""
        out: dict[str, dict[str, Any]] = {}
        for report in self.data.get(REPORTS) or []:
            if isinstance(report, dict) and isinstance(report.get(DEPARTMENT), str):
                out.setdefault(report[DEPARTMENT], report)
        return out

    def report(self, department: str) -> dict[str, Any] | None:
        """The report of ``department``, or None."""
        for report in self.data.get(REPORTS) or []:
            if isinstance(report, dict) and report.get(DEPARTMENT) == department:
                return report
        return None

    def departments(self) -> list[str]:
        return list(self.reports())

    def value(self, department: str, field: str) -> str | None:
        """The text of one field (None: no such report, or the field absent or empty)."""
        report = self.report(department)
        return text_or_none(report.get(field)) if report is not None else None

    def set(self, department: str, field: str, value: str | None, order: Sequence[str] = ()) -> None:
        """Give one field ``value`` (None or empty: leave the field out).  A report the
        record lacks is added, and the reports are kept in ``order`` (the plan's lead
        departments)."""
        report = self.report(department)
        if report is None:
            report = {DEPARTMENT: department}
            reports = self.data.setdefault(REPORTS, [])
            reports.append(report)
            rank = {d: i for i, d in enumerate(order)}
            reports.sort(key=lambda r: rank.get(r.get(DEPARTMENT) if isinstance(r, dict) else None, len(rank)))
        if value in (None, ""):
            report.pop(field, None)
        else:
            report[field] = value


def changes(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, fields: Sequence[str] | None = None,
            *, key: tuple[str, int] | None = None, commit: Commit | None = None) -> list[FieldChange]:
    """The report fields that differ between two versions of one record (either may be
    None: added or removed), as :class:`FieldChange`; 主管課 itself is never a change (a
    report added or removed shows through its fields).

    Departments follow the new version's order (then removed ones); fields follow
    ``fields`` (the schema's order) when given.  ``key``: (年度, No) when neither version
    says it (a record that does not parse as one)."""
    before, after = Record(old), Record(new)
    key = key or after.key or before.key
    if key is None:
        return []
    b_reports, a_reports = before.reports(), after.reports()
    out: list[FieldChange] = []
    for department in [*a_reports, *(d for d in b_reports if d not in a_reports)]:
        b, a = b_reports.get(department, {}), a_reports.get(department, {})
        names = fields if fields is not None else list(dict.fromkeys([*a, *b]))
        for name in names:
            if name == DEPARTMENT:
                continue
            bv, av = b.get(name), a.get(name)
            if bv != av:
                out.append(FieldChange(FieldRef(key[0], key[1], department, name),
                                       None if bv is None else str(bv), None if av is None else str(av), commit))
    return out

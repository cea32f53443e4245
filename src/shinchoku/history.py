"""Who changed which field, and when: history and blame read from git.

One ``git log --raw`` names, for every commit that touched a record, the blob before
and after; the blobs come through the store's long-lived ``cat-file`` process, each
read and parsed once.  A merge commit counts only for the fields whose merged value
differs from every parent's (the resolution of a conflict), so merging someone else's
work in is never mistaken for changing it.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass
from typing import Any, Iterator

from . import fielddiff, records, yamlio
from .store import Store

_SEP, _REC = "\x1f", "\x1e"
_NULL = "0" * 40


@dataclass(frozen=True)
class FieldChange:
    commit: str
    author: str
    email: str
    when: _dt.datetime
    before: str | None
    after: str | None
    subject: str
    department: str
    field: str = ""
    path: str = ""

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["when"] = self.when.isoformat()
        return out


@dataclass(frozen=True)
class _Entry:
    commit: str
    author: str
    email: str
    when: _dt.datetime
    subject: str
    path: str
    befores: tuple[str, ...]     # one blob per parent (NULL when the file was absent)
    after: str


def _log(store: Store, paths: list[str], follow: bool, rev: str) -> Iterator[_Entry]:
    fmt = _REC + _SEP.join(["%H", "%an", "%ae", "%aI", "%s"])
    args = ["log", "--raw", "--no-abbrev", "--no-renames" if not follow else "--follow",
            "--diff-merges=combined", f"--format={fmt}", rev, "--", *paths]
    out = store.git(*args)
    for chunk in out.split(_REC):
        if not chunk.strip():
            continue
        head, _, raw = chunk.partition("\n")
        sha, name, email, when, subject = (head.split(_SEP) + [""] * 5)[:5]
        stamp = _dt.datetime.fromisoformat(when)
        for line in raw.splitlines():
            if not line.startswith(":"):
                continue
            meta, _, names = line.partition("\t")
            colons = len(meta) - len(meta.lstrip(":"))
            fields = meta.lstrip(":").split()
            # ':mode.. sha.. STATUS' — `colons` parents; the last sha is the result.
            shas = fields[colons + 1: colons + 1 + colons + 1]
            path = names.split("\t")[-1]
            yield _Entry(sha, name, email, stamp, subject, path, tuple(shas[:-1]), shas[-1])


class _Blobs:
    """Parsed records by blob sha, each read and parsed once."""

    def __init__(self, store: Store):
        self.store = store
        self.cache: dict[str, dict[str, Any] | None] = {_NULL: None}

    def __call__(self, sha: str) -> dict[str, Any] | None:
        if sha not in self.cache:
            raw = self.store.read_object(sha)
            try:
                data = yamlio.load(raw) if raw is not None else None
            except yamlio.YamlError:
                data = None
            self.cache[sha] = data if isinstance(data, dict) else None
        return self.cache[sha]


def _value(record: dict[str, Any] | None, department: str, field: str) -> str | None:
    report = fielddiff.reports_by_department(record).get(department)
    if report is None:
        return None
    value = report.get(field)
    return None if value in (None, "") else str(value)


def _changes_in(entry: _Entry, blobs: _Blobs) -> list[fielddiff.FieldChange]:
    new = blobs(entry.after)
    parents = [blobs(b) for b in entry.befores] or [None]
    found = fielddiff.changes(parents[0], new)
    if len(parents) == 1:
        return found
    # a merge: only what differs from every parent
    return [fc for fc in found
            if all(_value(p, fc.department, fc.field) != fc.after for p in parents[1:])]


def field_history(store: Store, year: str, no: int, field: str, department: str | None = None,
                  rev: str = "HEAD") -> list[FieldChange]:
    """Every change of ``field`` (of every or one department) in record (year, no), newest first."""
    path = records.record_relpath(year, no)
    blobs = _Blobs(store)
    out: list[FieldChange] = []
    for entry in _log(store, [path], True, rev):
        for fc in _changes_in(entry, blobs):
            if fc.field != field or (department and fc.department != department):
                continue
            out.append(FieldChange(entry.commit, entry.author, entry.email, entry.when, fc.before, fc.after,
                                   entry.subject, fc.department, fc.field, entry.path))
    return out


def blame(store: Store, year: str, no: int | None = None, rev: str = "HEAD") -> list[FieldChange]:
    """For each report field of the year's records (or one record) as ``rev`` has them:
    its last change.  Ordered by No, then department and field as the record has them."""
    scope = records.record_relpath(year, no) if no is not None else f"{records.RECORDS}/{year}/"
    current: dict[str, dict[str, Any]] = {}
    for path, sha in store.tree_entries(rev, scope).items():
        if records.is_record_path(path):
            current[path] = _Blobs(store)(sha) or {}
    wanted = {(path, dept, f) for path, rec in current.items()
              for dept, report in fielddiff.reports_by_department(rec).items()
              for f, v in report.items() if f != "主管課" and v not in (None, "")}
    found: dict[tuple[str, str, str], FieldChange] = {}
    blobs = _Blobs(store)
    for entry in _log(store, [scope], False, rev):
        if entry.path not in current:
            continue
        for fc in _changes_in(entry, blobs):
            key = (entry.path, fc.department, fc.field)
            if key in wanted and key not in found:
                found[key] = FieldChange(entry.commit, entry.author, entry.email, entry.when, fc.before,
                                         fc.after, entry.subject, fc.department, fc.field, entry.path)
        if len(found) == len(wanted):
            break
    order = []
    for path in sorted(current):
        for dept, report in fielddiff.reports_by_department(current[path]).items():
            for f in report:
                if (path, dept, f) in found:
                    order.append(found[(path, dept, f)])
    return order

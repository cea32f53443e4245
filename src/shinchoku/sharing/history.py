"""Who changed which field, and when: history and blame read from git.

One ``git log --raw`` (:meth:`shinchoku.store.Store.file_log`) names, for every commit
that touched a record, the blob before and after; the blobs come in one
``cat-file --batch``, each read and parsed once.  A merge commit counts only for the
fields whose merged value differs from every parent's (the resolution of a conflict), so
merging someone else's work in is never mistaken for changing it.  Every change is a
:class:`shinchoku.model.fields.FieldChange` carrying its commit.
"""

from __future__ import annotations

from typing import Any

from shinchoku.model import fieldspans, records
from shinchoku.model.fields import DEPARTMENT, Commit, FieldChange, FieldRef, Record, changes
from shinchoku.store import NULL, FileChange, Store


class Blobs:
    """Parsed records by blob sha, each read and parsed once."""

    def __init__(self, store: Store, raw: dict[str, bytes] | None = None):
        self.store = store
        self.raw = raw or {}
        self.cache: dict[str, dict[str, Any] | None] = {NULL: None}

    def __call__(self, sha: str) -> dict[str, Any] | None:
        if sha not in self.cache:
            raw = self.raw[sha] if sha in self.raw else self.store.read_object(sha)
            self.cache[sha] = records.mapping_or_none(raw)
        return self.cache[sha]


def _key(path: str, default: tuple[str, int] | None = None) -> tuple[str, int] | None:
    """(年度, No) of a record path (the name it had in that commit), else ``default``."""
    return records.record_key(path) or default


def _changes_in(commit: Commit, change: FileChange, blobs: Blobs, key: tuple[str, int] | None) -> list[FieldChange]:
    new = blobs(change.after)
    parents = [blobs(b) for b in change.befores] or [None]
    found = changes(parents[0], new, key=key, commit=commit)
    if len(parents) == 1:
        return found
    # a merge: only what differs from every parent
    return [fc for fc in found if all(Record(p).value(fc.department, fc.field) != fc.after for p in parents[1:])]


def field_history(store: Store, year: str, no: int, field: str, department: str | None = None,
                  rev: str = "HEAD", started=None) -> list[FieldChange]:
    """Every change of ``field`` (of every or one department) in record (year, no), newest first.

    Only the field's own lines are compared; a value is parsed only where they differ."""
    path = records.record_relpath(year, no)
    logged = store.file_log([path], follow=True, rev=rev, started=started)
    raw = store.read_objects(sha for _c, files in logged for ch in files for sha in (ch.after, *ch.befores)
                             if sha != NULL)
    blobs = Blobs(store, raw)
    spans = {sha: fieldspans.field_spans(data, field) for sha, data in raw.items()}
    spans[NULL] = {}
    decoded: dict[bytes | None, str | None] = {None: None}

    def value(span: bytes | None) -> str | None:
        if span not in decoded:
            decoded[span] = fieldspans.decode(span, field)
        return decoded[span]

    keys: dict[str, tuple[str, int] | None] = {}
    out: list[FieldChange] = []
    for commit, files in logged:
        for change in files:
            key = keys.get(change.path) or keys.setdefault(change.path, _key(change.path, (year, no)))
            after, befores = spans.get(change.after), [spans.get(b) for b in change.befores] or [{}]
            if after is None or any(b is None for b in befores):
                out.extend(fc for fc in _changes_in(commit, change, blobs, key)
                           if fc.field == field and (not department or fc.department == department))
                continue
            depts = [department] if department else list(dict.fromkeys(d for sp in (after, *befores) for d in sp))
            for dept in depts:
                a = after.get(dept)
                if any(a == b.get(dept) for b in befores):
                    continue                      # unchanged against (some) parent
                old, new = value(befores[0].get(dept)), value(a)
                if old != new:
                    out.append(FieldChange(FieldRef(key[0], key[1], dept, field), old, new, commit))
    return out


def blame(store: Store, year: str, no: int | None = None, rev: str = "HEAD") -> list[FieldChange]:
    """For each report field of the year's records (or one record) as ``rev`` has them:
    its last change.  Ordered by No, then department and field as the record has them."""
    scope = records.record_relpath(year, no) if no is not None else f"{records.RECORDS}/{year}/"
    blobs = Blobs(store)          # the current versions are the newest commits' afters: parsed once
    current: dict[str, dict[str, dict[str, Any]]] = {}
    for path, sha in store.tree_entries(rev, scope).items():
        if records.is_record_path(path):
            current[path] = Record(blobs(sha)).reports()
    wanted = {(path, dept, f) for path, reports in current.items() for dept, report in reports.items()
              for f, v in report.items() if f != DEPARTMENT and v not in (None, "")}
    found: dict[tuple[str, str, str], FieldChange] = {}
    for commit, files in store.file_log([scope], rev=rev):
        for change in files:
            if change.path not in current:
                continue
            for fc in _changes_in(commit, change, blobs, _key(change.path)):
                k = (change.path, fc.department, fc.field)
                if k in wanted and k not in found:
                    found[k] = fc
            if len(found) == len(wanted):
                break
        if len(found) == len(wanted):
            break
    return [found[(path, dept, f)] for path in sorted(current) for dept, report in current[path].items()
            for f in report if (path, dept, f) in found]

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

from shinchoku.model import records, yamlio
from shinchoku.rules import fielddiff
from shinchoku.store import Store, collect
from shinchoku.store.gitlog import REC as _REC
from shinchoku.store.gitlog import SEP as _SEP
from shinchoku.store.gitlog import log_args

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


def _log(store: Store, paths: list[str], follow: bool, rev: str, started=None) -> Iterator[_Entry]:
    if started is not None:                 # a `git log` the caller started early (see commands/history)
        out = collect(started)
    else:
        out = store.git(*log_args(paths, follow, rev))
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

    def __init__(self, store: Store, raw: dict[str, bytes] | None = None):
        self.store = store
        self.raw = raw or {}
        self.cache: dict[str, dict[str, Any] | None] = {_NULL: None}

    def __call__(self, sha: str) -> dict[str, Any] | None:
        if sha not in self.cache:
            raw = self.raw[sha] if sha in self.raw else self.store.read_object(sha)
            self.cache[sha] = records.mapping_or_none(raw)
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


_REPORT = "\n  - 主管課: ".encode("utf-8")
_REPORTS = "\n報告:\n".encode("utf-8")
_NOT_PLAIN = tuple(b"'\"|>!&*%@`[{#?-:")


def _field_spans(raw: bytes | None, field: str) -> dict[str, bytes] | None:
    """{department: the lines of ``field``} of a record in canonical layout (which the
    hooks guarantee for every commit), found with ``bytes.find``; None when the record is
    laid out otherwise (it is then parsed whole)."""
    if raw is None:
        return {}
    reports = raw.find(_REPORTS)
    if reports < 0:
        return None
    key = b"\n    " + field.encode("utf-8") + b":"
    out: dict[str, bytes] = {}
    start = raw.find(_REPORT, reports)
    if start < 0 and raw.strip().endswith(b"[]"):
        return {}
    while start >= 0:
        following = raw.find(_REPORT, start + 1)
        section_end = following if following >= 0 else len(raw)
        name_end = raw.find(b"\n", start + 1)
        name = raw[start + len(_REPORT):name_end if name_end >= 0 else len(raw)]
        if not name or name[0] in _NOT_PLAIN:
            return None
        at = raw.find(key, start, section_end)
        if at >= 0:
            end = raw.find(b"\n", at + 1)
            while end >= 0 and (raw.startswith(b"      ", end + 1) or raw.startswith(b"\n", end + 1)):
                end = raw.find(b"\n", end + 1)
            try:
                dept = name.decode("utf-8")
            except UnicodeDecodeError:
                return None                       # not UTF-8: parsed whole (and skipped)
            out[dept] = raw[at + 1:end if end >= 0 else len(raw)]
        start = following
    return out


def _decode(span: bytes | None, field: str) -> str | None:
    """The value of one field from its lines (plain one-line values without a parser)."""
    if span is None:
        return None
    rest = span[4 + len(field.encode("utf-8")) + 1:]
    if b"\n" not in span and rest.startswith(b" ") and len(rest) > 1:
        text = rest[1:]
        try:
            if text[0] not in _NOT_PLAIN and b": " not in text and b" #" not in text and not text.endswith(b" "):
                return text.decode("utf-8")
            if len(text) >= 2 and text[:1] == text[-1:] == b"'":
                return text[1:-1].replace(b"''", b"'").decode("utf-8") or None   # '' is its only escape
        except UnicodeDecodeError:
            return None                           # a value that is not UTF-8 is no value
    lines = [line[4:] for line in span.split(b"\n")]
    try:
        data = yamlio.load(b"\n".join(lines) + b"\n")
    except yamlio.YamlError:
        return None
    value = data.get(field) if isinstance(data, dict) else None
    return None if value in (None, "") else str(value)


def field_history(store: Store, year: str, no: int, field: str, department: str | None = None,
                  rev: str = "HEAD", started=None) -> list[FieldChange]:
    """Every change of ``field`` (of every or one department) in record (year, no), newest first.

    Only the field's own lines are compared; a value is parsed only where they differ."""
    path = records.record_relpath(year, no)
    entries = list(_log(store, [path], True, rev, started))
    raw = store.read_objects(sha for e in entries for sha in (e.after, *e.befores) if sha != _NULL)
    blobs = _Blobs(store, raw)
    spans = {sha: _field_spans(data, field) for sha, data in raw.items()}
    spans[_NULL] = {}
    decoded: dict[bytes | None, str | None] = {None: None}

    def value(span: bytes | None) -> str | None:
        if span not in decoded:
            decoded[span] = _decode(span, field)
        return decoded[span]

    out: list[FieldChange] = []
    for entry in entries:
        after, befores = spans.get(entry.after), [spans.get(b) for b in entry.befores] or [{}]
        if after is None or any(b is None for b in befores):
            found = [(fc.department, fc.before, fc.after) for fc in _changes_in(entry, blobs)
                     if fc.field == field and (not department or fc.department == department)]
        else:
            depts = [department] if department else list(dict.fromkeys(d for sp in (after, *befores) for d in sp))
            found = []
            for dept in depts:
                a = after.get(dept)
                if any(a == b.get(dept) for b in befores):
                    continue                      # unchanged against (some) parent
                old, new = value(befores[0].get(dept)), value(a)
                if old != new:
                    found.append((dept, old, new))
        for dept, old, new in found:
            out.append(FieldChange(entry.commit, entry.author, entry.email, entry.when, old, new,
                                   entry.subject, dept, field, entry.path))
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

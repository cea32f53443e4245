"""A canonical record's fields read straight from its bytes.

In canonical form (:mod:`shinchoku.model.records`, which the hooks require of every
commit) a record's reports follow ``報告:``, each starting with a line
``  - 主管課: <department>``, and each field is a line ``    <field>: …`` followed by its
continuation lines (indented deeper, or empty).  History and the review compare two
versions of a record one field at a time: :func:`report_spans` finds each field's lines
with ``bytes.find``, two versions are compared span by span, and only a span that differs
is decoded (:func:`decode`: a plain one-line value without a parser, anything else through
the YAML reader).

Every reader here answers None where the bytes are laid out otherwise (or a department
is written twice, or a value needs the parser's judgement): the caller then parses the
record whole (:func:`shinchoku.model.fields.changes`), which is always right, only slower.
"""

from __future__ import annotations

import re
from typing import Sequence

from shinchoku.model import yamlio
from shinchoku.model.fields import DEPARTMENT, Commit, FieldChange, FieldRef

_REPORTS = "\n報告:\n".encode("utf-8")
_REPORT = "\n  - 主管課: ".encode("utf-8")
_EMPTY_REPORTS = "報告:".encode("utf-8")
_NOT_PLAIN = tuple(b"'\"|>!&*%@`[{#?-:")          # first bytes a plain YAML scalar cannot have
_KEYS: dict[str, bytes] = {}
_INDENT = b" " * 6                                  # a literal block's lines in a report field


def _key(field: str) -> bytes:
    key = _KEYS.get(field)
    if key is None:
        key = _KEYS[field] = b"\n    " + field.encode("utf-8") + b":"
    return key


def report_sections(raw: bytes | None) -> dict[str, bytes] | None:
    """{department: its report's bytes after ``主管課: <department>``} of a record in
    canonical layout; {} for an absent record (``b""``); None for any other layout, or
    when unknown (``raw`` None).  Two versions' reports compare by these bytes."""
    if raw is None:
        return None
    if not raw:
        return {}
    at = raw.find(_REPORTS)
    if at < 0:
        return None
    start = raw.find(_REPORT, at)
    if start < 0:
        return {} if raw[at:].strip() == _EMPTY_REPORTS else None
    if start != at + len(_REPORTS) - 1:
        return None
    out: dict[str, bytes] = {}
    for section in raw[start + len(_REPORT):].split(_REPORT):
        name_end = section.find(b"\n")
        name = section[:name_end] if name_end >= 0 else section
        if not name or name[0] in _NOT_PLAIN or b": " in name or name.endswith(b" "):
            return None
        try:
            dept = name.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if dept in out:
            return None                     # a department twice: the parser says which counts
        out[dept] = section
    return out


def section_spans(section: bytes, fields: Sequence[str]) -> dict[str, bytes]:
    """{field: its lines} of one report (a value of :func:`report_sections`), for
    ``fields`` (a field the report lacks is left out)."""
    spans: dict[str, bytes] = {}
    end = len(section)
    for field in fields:
        k = section.find(_key(field))
        if k < 0:
            continue
        stop = section.find(b"\n", k + 1)
        while 0 <= stop < end and (section.startswith(b"      ", stop + 1) or section.startswith(b"\n", stop + 1)):
            stop = section.find(b"\n", stop + 1)
        spans[field] = section[k + 1:stop if stop >= 0 else end]
    return spans


def report_spans(raw: bytes | None, fields: Sequence[str]) -> dict[str, dict[str, bytes]] | None:
    """{department: {field: its lines}} of a record in canonical layout, for ``fields``
    (a field the report lacks is left out); {} for an absent record (``b""``); None for
    any other layout, or when unknown (``raw`` None)."""
    sections = report_sections(raw)
    if sections is None:
        return None
    return {dept: section_spans(section, fields) for dept, section in sections.items()}


def field_spans(raw: bytes | None, field: str) -> dict[str, bytes] | None:
    """{department: the lines of ``field``} (see :func:`report_spans`)."""
    reports = report_spans(raw, (field,))
    if reports is None:
        return None
    return {dept: spans[field] for dept, spans in reports.items() if field in spans}


def decode(span: bytes | None, field: str) -> str | None:
    """The value of one field from its lines (None: absent or empty); a plain one-line
    value is read without a parser."""
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
    if b"\n" in span:
        text = _literal(span)
        if text is not None:
            return text or None
    lines = [line[4:] for line in span.split(b"\n")]
    try:
        data = yamlio.load(b"\n".join(lines) + b"\n")
    except yamlio.YamlError:
        return None
    value = data.get(field) if isinstance(data, dict) else None
    return None if value in (None, "") else str(value)


# What the YAML reader would not take as it stands in a literal block (control characters,
# line breaks other than "\n", a BOM …): such a value is left to the parser.
_NOT_LITERAL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def _literal(span: bytes) -> str | None:
    """The text of a field written as the canonical writer writes a multi-line text (a
    ``|`` or ``|-`` block, each line indented six spaces, an empty line empty), or None
    for anything else (the parser then reads it)."""
    header, _, body = span.partition(b"\n")
    if header.endswith(b": |-"):
        keep_end = False
    elif header.endswith(b": |"):
        keep_end = True
    else:
        return None
    lines = body.split(b"\n")
    if not lines[0].startswith(_INDENT) or lines[0][6:7] in (b" ", b""):
        return None                      # an indentation the reader would have to work out
    for line in lines:
        if line and (not line.startswith(_INDENT) or not line.strip()):
            return None
    try:
        text = b"\n".join(line[6:] for line in lines).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _NOT_LITERAL.search(text):
        return None
    text = text.rstrip("\n")
    return text + "\n" if keep_end else text


def changes(old: bytes | None, new: bytes | None, fields: Sequence[str], *, key: tuple[str, int],
            commit: Commit | None = None) -> list[FieldChange] | None:
    """What :func:`shinchoku.model.fields.changes` finds between two versions of record
    ``key`` (``b""``: absent), comparing each report's and then each field's bytes and
    decoding only the fields that differ; None when either is laid out otherwise, or a
    value needs the parser's judgement (the caller parses)."""
    return compare(report_sections(old), report_sections(new), fields, key=key, commit=commit)


def compare(before: dict[str, bytes] | None, after: dict[str, bytes] | None, fields: Sequence[str], *,
            key: tuple[str, int], commit: Commit | None = None) -> list[FieldChange] | None:
    """:func:`changes` of two versions already cut by :func:`report_sections` (a reader of
    many versions cuts each once)."""
    if before is None or after is None:
        return None
    out: list[FieldChange] = []
    year, no = key
    for dept in [*after, *(d for d in before if d not in after)]:
        b_section, a_section = before.get(dept), after.get(dept)
        if b_section == a_section:
            continue                    # the same report, byte for byte
        b = section_spans(b_section, fields) if b_section is not None else {}
        a = section_spans(a_section, fields) if a_section is not None else {}
        for name in fields:
            bs, as_ = b.get(name), a.get(name)
            if bs == as_ or name == DEPARTMENT:
                continue
            bv, av = decode(bs, name), decode(as_, name)
            if (bs is not None and bv is None) or (as_ is not None and av is None) or bv == av:
                return None             # an empty or odd value, or the same value written otherwise
            out.append(FieldChange(FieldRef(year, no, dept, name), bv, av, commit))
    return out

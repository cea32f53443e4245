"""Initiative-year records: where they live and how they are read and written.

A records repository looks like::

    schema/record.schema.json, schema/plan.schema.json
    records/plan.yaml
    records/<年度>/<No, two digits>.yaml      e.g. records/R2/05.yaml

This module owns paths and (de)serialisation; it knows nothing of git or Excel.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from shinchoku.model import fields, schema, yamlio
from shinchoku.model import plan as plan_mod

RECORDS = "records"
_RECORD_NAME = re.compile(r"^(?P<year>[HR][0-9]{1,2})/(?P<no>[0-9]{2,4})\.yaml$")


def find_root(start: Path | None = None) -> Path:
    """The records repository containing ``start`` (the folder holding ``records/``)."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / RECORDS / plan_mod.PLAN_FILE).is_file():
            return candidate
    return here


def record_relpath(year: str, no: int) -> str:
    """``records/R2/05.yaml`` for (R2, 5): the path inside the repository, with '/'."""
    return f"{RECORDS}/{year}/{no:02d}.yaml"


def parse_relpath(relpath: str) -> tuple[str, int] | None:
    """(年度, No) named by a record path relative to ``records/``, or None."""
    m = _RECORD_NAME.match(relpath)
    if not m:
        return None
    return m.group("year"), int(m.group("no"))


def record_key(repo_relpath: str) -> tuple[str, int] | None:
    """(年度, No) named by a record's path in the repository (``records/R2/05.yaml`` →
    ("R2", 5)), None for any other path (the plan, a side file, a deeper folder)."""
    top, sep, rest = repo_relpath.partition("/")
    return parse_relpath(rest) if top == RECORDS and sep else None


def is_record_path(repo_relpath: str) -> bool:
    return record_key(repo_relpath) is not None


@dataclass(frozen=True)
class Listing:
    """The YAML files under ``records/``, found by one walk of the folder."""

    records: tuple[Path, ...]       # every records/<year>/*.yaml, in a stable order
    others: tuple[Path, ...]        # every other .yaml/.yml but the plan: the side files
                                    # (access.yaml, contacts.yaml, …) and misplaced ones


def scan(root: Path) -> Listing:
    """Every YAML file under ``root/records`` but the plan, each folder listed once: the
    records (``<year>/*.yaml``), and the others — a file straight in ``records/`` (the
    side files), a ``.yml``, a file in a sub-folder — which a whole-repository check
    must not pass over silently."""
    base = root / RECORDS
    if not base.is_dir():
        return Listing((), ())
    found: list[Path] = []
    others: list[Path] = []
    for entry in sorted(os.scandir(base), key=lambda e: e.name):
        if entry.is_file():
            if entry.name.endswith((".yaml", ".yml")) and entry.name != plan_mod.PLAN_FILE:
                others.append(Path(entry.path))
        elif entry.is_dir():
            for inner in sorted(os.scandir(entry.path), key=lambda e: e.name):
                if inner.name.endswith(".yaml"):        # what a glob of <year>/*.yaml lists
                    found.append(Path(inner.path))
                    continue
                if inner.is_dir():
                    others.extend(sorted(p for p in Path(inner.path).rglob("*") if p.suffix in (".yaml", ".yml")))
                elif inner.name.endswith(".yml"):
                    others.append(Path(inner.path))
    return Listing(tuple(found), tuple(others))


def iter_record_files(root: Path) -> Iterator[Path]:
    """Every ``records/<year>/*.yaml`` file, in a stable order."""
    yield from scan(root).records


def canonical_data(kind: str, data: Any, root: Path | None = None) -> Any:
    """``data`` as canonical form writes it: schema key order; in a record, the empty
    fields of each report left out."""
    if kind != schema.PLAN and isinstance(data, dict):
        cleaned = dict(data)
        reports = cleaned.get(fields.REPORTS)
        if isinstance(reports, list):
            cleaned[fields.REPORTS] = [
                {k: v for k, v in r.items() if v not in (None, "")} if isinstance(r, dict) else r
                for r in reports
            ]
        data = cleaned
    return schema.canonical(data, schema.PLAN if kind == schema.PLAN else schema.RECORD, root)


def dumps(record: dict[str, Any], root: Path | None = None) -> str:
    """Canonical text of a record: schema key order, empty fields left out."""
    return yamlio.dump(canonical_data(schema.RECORD, record, root))


def dumps_plan(plan: dict[str, Any], root: Path | None = None) -> str:
    return yamlio.dump(canonical_data(schema.PLAN, plan, root))


def canonical_text(kind: str, data: Any, root: Path | None = None) -> str:
    return dumps_plan(data, root) if kind == schema.PLAN else dumps(data, root)


def is_canonical(kind: str, text: str | bytes, data: Any, root: Path | None = None) -> bool:
    """True when ``text`` (a document that loaded as ``data``) is in canonical form,
    i.e. ``text == canonical_text(kind, data, root)``, decided without PyYAML's
    pure-Python writer for the shapes records and plans have (see
    :func:`shinchoku.model.yamlio.fast_dump`).  The server hook and ``check --canonical`` call
    this on every document."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return False
    # Canonical text reads back as data already in schema order with no empty report
    # field (the YAML layer's round trip): data otherwise is not from canonical text, and
    # data so is its own canonical form, which then need not be built.
    name = schema.PLAN if kind == schema.PLAN else schema.RECORD
    if not schema.in_order(data, name, root) or (kind != schema.PLAN and _has_empty_field(data)):
        return False
    return yamlio.is_canonical(text, data)


def _has_empty_field(data: Any) -> bool:
    """A report field left empty (canonical form leaves it out)."""
    reports = data.get(fields.REPORTS) if isinstance(data, dict) else None
    if not isinstance(reports, list):
        return False
    return any(v is None or v == "" for r in reports if isinstance(r, dict) for v in r.values())


def mapping_or_none(raw: bytes | None) -> dict[str, Any] | None:
    """A document read from git (or anywhere) as a mapping; None when absent, unreadable
    or not a mapping (the validator says why; readers of history just skip it)."""
    if raw is None:
        return None
    try:
        data = yamlio.load(raw)
    except yamlio.YamlError:
        return None
    return data if isinstance(data, dict) else None


MAX_FILE_BYTES = 16 * 1024 * 1024    # a record is a few KB; a bigger file is not one


def special_file_problem(path: Path) -> str | None:
    """Why ``path`` is not a plain file that can be read as a record (a symbolic link, a
    FIFO, a device, a huge file), in Japanese; None when it is one.  Reading a FIFO
    waits forever and a link to /dev/zero never ends: such files are named, not read."""
    import stat

    try:
        st = path.lstat()
    except OSError:
        return None                      # the reader says it is missing
    if stat.S_ISLNK(st.st_mode):
        return "シンボリックリンクです。記録は通常のファイルにしてください（リンクは読みません）"
    if not stat.S_ISREG(st.st_mode):
        return "通常のファイルではありません（FIFO・デバイスなど）。records/ から取り除いてください（読みません）"
    if st.st_size > MAX_FILE_BYTES:
        return f"ファイルが大きすぎます（{st.st_size // 1024 // 1024} MB）。記録のファイルではないため読みません"
    return None


def read_regular(path: Path) -> bytes:
    """The bytes of a plain file; :class:`yamlio.YamlError` (line 0) naming why a special
    file is not read (see :func:`special_file_problem`)."""
    problem = special_file_problem(path)
    if problem:
        raise yamlio.YamlError(0, problem)
    return path.read_bytes()


def load_record(path: Path) -> dict[str, Any]:
    data = yamlio.load(read_regular(path))
    if not isinstance(data, dict):
        raise yamlio.YamlError(1, "記録の形になっていません（No・年度・報告 を持つ対応表が必要です）")
    return data


def write_record(root: Path, record: dict[str, Any]) -> Path:
    return write_text(root, record_relpath(record[fields.YEAR], int(record[fields.NO])), dumps(record, root))


def write_text(root: Path, relpath: str, text: str) -> Path:
    """Write a record's canonical ``text`` to ``relpath`` whole or not at all."""
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".yaml.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        tmp.replace(path)
    finally:                     # a full disk must not leave a half-written stray file behind
        tmp.unlink(missing_ok=True)
    return path


def load_keyed(root: Path) -> tuple[dict[tuple[str, int], dict[str, Any]], list[str]]:
    """({(年度, No): record}, ``file:line: message`` of each record that cannot be read):
    for readers that must say what they could not read rather than leave it out."""
    found: dict[tuple[str, int], dict[str, Any]] = {}
    unreadable: list[str] = []
    for path in iter_record_files(root):
        try:
            rec = load_record(path)
        except yamlio.YamlError as exc:
            where = f"{path.relative_to(root).as_posix()}:{exc.line}" if exc.line else path.relative_to(root).as_posix()
            unreadable.append(f"{where}: {exc.message}")
            continue
        key = fields.Record(rec).key
        if key is not None:
            found[key] = rec
    return found, unreadable


def load_all(root: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(path, record) for every readable record; unreadable ones are skipped (see check)."""
    for path in iter_record_files(root):
        try:
            yield path, load_record(path)
        except yamlio.YamlError:
            continue

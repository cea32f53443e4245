"""The repository's files beside the records, each checked against its own schema.

* ``records/contacts.yaml``: the yearly cycle's e-mail addresses (:mod:`shinchoku.sharing.notify`);
* ``records/import-overrides.yaml``: the coordinator's corrections to the importer
  (:mod:`shinchoku.importing.importoverrides`).

(``records/access.yaml`` has rules of its own, :mod:`shinchoku.rules.access`.)  One
routine, :meth:`SideFile.problems`, validates such a file against its schema and places
each problem on its line, in the checker's wording (:func:`shinchoku.rules.validate.finding`);
a file's own :class:`SideFile` says only where its wording or naming differs.  The
checker (:mod:`shinchoku.rules.validate`) asks here, so ``shinchoku check``, the hooks
and the commands that read these files judge them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shinchoku.model import schema, yamlio
from shinchoku.model.records import RECORDS
from shinchoku.rules import validate
from shinchoku.rules.validate import Problem

CONTACTS_FILE = "contacts.yaml"
CONTACTS_RELPATH = f"{RECORDS}/{CONTACTS_FILE}"
CONTACTS_SCHEMA = "contacts"
OVERRIDES_FILE = "import-overrides.yaml"
OVERRIDES_RELPATH = f"{RECORDS}/{OVERRIDES_FILE}"
OVERRIDES_SCHEMA = "import-overrides"


@dataclass(frozen=True)
class SideFile:
    """A file beside the records and how its problems are worded."""

    relpath: str
    schema: str                                   # its schema's name (schema/<name>.schema.json)
    wording: validate.Wording = field(default_factory=dict)   # its own message for these keywords
    name: validate.Namer = validate.field_name    # how a place in it is named
    not_mapping: str | None = None                # said (line 1) of a document that is no mapping

    def problems(self, content: bytes, root: Path | None = None, relpath: str | None = None) -> list[Problem]:
        """Everything wrong with the file's shape, each problem on its line (empty when usable)."""
        relpath = relpath or self.relpath
        try:
            data = yamlio.load(content)
        except yamlio.YamlError as exc:
            return [Problem(relpath, exc.line, "", exc.message)]
        if self.not_mapping is not None and not isinstance(data, dict):
            return [Problem(relpath, 1, "", self.not_mapping)]
        findings = [validate.finding(err, self.wording) for err in schema.validator(self.schema, root).iter_errors(data)]
        return validate.locate(relpath, content, data, findings, self.name)


def _numbered(path: tuple[Any, ...], data: Any) -> str:
    """``指定・1件目・項目``: entries are counted, not named (two may share a 主管課)."""
    return "・".join(f"{p + 1}件目" if isinstance(p, int) else str(p) for p in path) or "全体"


CONTACTS = SideFile(
    CONTACTS_RELPATH, CONTACTS_SCHEMA,
    {"pattern": lambda err: f"「{err.instance}」はメールアドレスとして読めません"},
    validate.dotted)

OVERRIDES = SideFile(
    OVERRIDES_RELPATH, OVERRIDES_SCHEMA,
    {"enum": lambda err: f"「{err.instance}」は使えません（使える値: {'・'.join(map(str, err.validator_value))}）"},
    _numbered,
    "取り込みの指定の形になっていません（「指定:」の下に1件ずつ並べてください）")

BY_RELPATH = {f.relpath: f for f in (CONTACTS, OVERRIDES)}


def contact_problems(content: bytes, root: Path | None = None, relpath: str = CONTACTS_RELPATH) -> list[Problem]:
    """Problems of a contacts file (empty when usable)."""
    return CONTACTS.problems(content, root, relpath)


def override_problems(content: bytes, root: Path | None = None, relpath: str = OVERRIDES_RELPATH) -> list[Problem]:
    """Problems of an overrides file (empty when usable)."""
    return OVERRIDES.problems(content, root, relpath)

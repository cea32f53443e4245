"""Who may change what on the central repository (``records/access.yaml``).

::

    調整担当: [kyodo-suzuki]          # coordinators: may change anything
    担当:
      yamada: [指導室]                 # server user name -> departments they report for
      sato: [児童青少年課, 協働推進課]

User names are the names the server knows the pusher by (GitLab, Gitea, or the web
server in front of ``git http-backend``).  This module reads and checks the file and
answers :meth:`Access.may_edit` and :meth:`Access.is_coordinator`; the pre-receive hook
(:mod:`shinchoku.receive`) applies the rules to pushed commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import records, schema, yamlio
from .plan import Plan
from .errors import ShinchokuError

ACCESS_FILE = "access.yaml"
ACCESS_RELPATH = f"{records.RECORDS}/{ACCESS_FILE}"
COORDINATORS = "調整担当"
STAFF = "担当"


class AccessError(ShinchokuError):
    """An access file that cannot be used; ``problems`` say why (file:line: field: message)."""

    def __init__(self, problems: list):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Access:
    coordinators: frozenset[str] = frozenset()
    staff: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)

    def is_coordinator(self, user: str | None) -> bool:
        return bool(user) and user in self.coordinators

    def departments(self, user: str | None) -> tuple[str, ...]:
        """The departments whose reports ``user`` may change (coordinators: not listed, all)."""
        return self.staff.get(user or "", ())

    def may_edit(self, user: str | None, department: str) -> bool:
        """May ``user`` change the report of ``department`` (in a year that is open)?"""
        return self.is_coordinator(user) or department in self.departments(user)

    def knows(self, user: str | None) -> bool:
        return self.is_coordinator(user) or (user or "") in self.staff


def _schema_dir(root: Path | None) -> Path:
    """The folder with access.schema.json: the repository's, else the packaged one
    (repositories made before access control have no access schema of their own)."""
    here = schema.schema_dir(root)
    if (here / f"{schema.ACCESS}.schema.json").is_file():
        return here
    return schema.schema_dir(None)


@lru_cache(maxsize=None)
def _validator(directory: str):
    from jsonschema import Draft202012Validator

    with open(Path(directory) / f"{schema.ACCESS}.schema.json", encoding="utf-8") as fh:
        return Draft202012Validator(json.load(fh))


def problems(content: bytes, plan: Plan | None = None, root: Path | None = None,
             relpath: str = ACCESS_RELPATH) -> list:
    """Problems of an access file (empty when usable): schema, and departments the plan
    does not have as lead departments (when ``plan`` is given)."""
    from .validate import Problem, _message

    try:
        data = yamlio.load(content)
    except yamlio.YamlError as exc:
        return [Problem(relpath, exc.line, "", exc.message)]
    if not isinstance(data, dict):
        return [Problem(relpath, 1, "", "「調整担当:」と「担当:」を書いた対応表にしてください")]
    findings: list[tuple[tuple[Any, ...], str]] = []
    for err in _validator(str(_schema_dir(root))).iter_errors(data):
        if err.validator == "pattern":
            where = tuple(err.absolute_path)
            if where == (STAFF,):
                where = (STAFF, err.instance)      # a user name (a key) of 担当
            findings.append((where, f"利用者名「{err.instance}」に空白や制御文字は使えません"))
        else:
            findings.append(_message(err))
    if plan is not None and isinstance(data.get(STAFF), dict):
        known = set(plan.departments())
        for user, depts in data[STAFF].items():
            for index, dept in enumerate(depts if isinstance(depts, list) else []):
                if isinstance(dept, str) and dept and dept not in known:
                    findings.append(((STAFF, user, index),
                                     f"「{dept}」は計画（plan.yaml）のどの施策の主管課でもありません"))
    if not findings:
        return []
    root_node = yamlio.compose(content.decode("utf-8"))
    out = {Problem(relpath, yamlio.line_of(root_node, path) if root_node is not None else 0,
                   _field(path, data), message) for path, message in findings}
    return sorted(out, key=lambda p: (p.line, p.field, p.message))


def _field(path: tuple[Any, ...], data: Any) -> str:
    """``担当.yamada`` rather than ``担当.yamada[1]`` (the list is the user's departments)."""
    from .validate import field_name

    if len(path) >= 3 and path[0] == STAFF and isinstance(path[2], int):
        return f"{STAFF}.{path[1]}"
    return field_name(path, data)


def parse(content: bytes, plan: Plan | None = None, root: Path | None = None,
          relpath: str = ACCESS_RELPATH) -> Access:
    """The rules of an access file; :class:`AccessError` when it has problems."""
    found = problems(content, plan, root, relpath)
    if found:
        raise AccessError(found)
    data = yamlio.load(content)
    staff = {str(user): tuple(depts) for user, depts in (data.get(STAFF) or {}).items()}
    return Access(frozenset(data.get(COORDINATORS) or ()), staff)


def load(root: Path, plan: Plan | None = None) -> Access | None:
    """The rules of the repository at ``root`` (None when it has no access file)."""
    path = root / ACCESS_RELPATH
    if not path.is_file():
        return None
    return parse(path.read_bytes(), plan, root)


def template() -> str:
    """The commented template ``shinchoku init`` copies to records/access.yaml."""
    return (Path(__file__).resolve().parent / "templates" / ACCESS_FILE).read_text(encoding="utf-8")

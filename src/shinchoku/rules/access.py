"""Who may change what on the central repository (``records/access.yaml``).

::

    調整担当: [kyodo-suzuki]          # coordinators: may change anything
    担当:
      yamada: [指導室]                 # server user name -> departments they report for
      sato: [児童青少年課, 協働推進課]

User names are the names the server knows the pusher by (GitLab, Gitea, or the web
server in front of ``git http-backend``).  This module reads and checks the file and
answers :meth:`Access.may_edit` and :meth:`Access.is_coordinator`.

The permission decisions of the pre-receive hook (:mod:`shinchoku.hooks.receive`, which
only reads the push and asks here) are this module's:

* :func:`pusher_problem`: is the pusher named, and known?
* :func:`ref_problem`: may the pusher move this ref (main only, forward only, for staff)?
* :func:`judge`: given the files that differ between main before a push and main after
  it (whatever commits and merges carry the change), what may the pusher not change
  (another department's report, a closed year, the plan, the schema …)?

Rules on other aspects of a change (e.g. the states of a report) belong beside them,
with the same inputs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

from shinchoku import PACKAGE_DIR
from shinchoku.errors import Kind, ShinchokuError
from shinchoku.model import plan as plan_mod
from shinchoku.model import records, schema, yamlio
from shinchoku.model.fields import Record, changes
from shinchoku.model.plan import Plan

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


def is_staff(rules: Access | None, user: str | None) -> bool:
    """Whether the access rules in force (None: no access file) hold ``user`` to staff's
    limits rather than a coordinator's."""
    return rules is not None and not rules.is_coordinator(user)


def pusher_problem(rules: Access | None, user: str | None, names: tuple[str, ...]) -> str | None:
    """Why a push is refused before anything it brings is read (the line to say, with its
    newline), or None: with an access file in force, the pusher must be named (by one of
    the environment variables ``names``) and be in one of its lists."""
    if rules is None:
        return None
    if user is None:
        return ("送った人の利用者名が分からないため、受け付けませんでした"
                f"（サーバーが {'・'.join(names)} のどれにも名前を渡していません）。"
                "サーバーの管理者にご連絡ください\n")
    if not rules.knows(user):
        return unknown_user_message(user)
    return None


def unknown_user_message(user: str) -> str:
    """The one line a pusher who is in neither list is refused with."""
    return (f"{user} さんは records/access.yaml に登録されていないため、送信を受け付けませんでした。"
            "協働推進課（調整担当）に records/access.yaml への登録を頼んでください"
            f"（管理者が「{STAFF}:」に {user} と担当する課を、調整担当にするときは「{COORDINATORS}:」に "
            f"{user} を追加します）。送ろうとした内容はそのまま送れます\n")


# ----------------------------------------------------------------------------- refs

MAIN = "refs/heads/main"
BRANCHES = "refs/heads/"
TAGS = "refs/tags/"
REVIEWED_TAGS = "refs/tags/reviewed/"


def _short(ref: str) -> str:
    for prefix in (BRANCHES, TAGS):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref


def ref_problem(rules: Access | None, user: str | None, ref: str, *, old: str, new: str,
                fast_forward: Callable[[], bool]) -> str | None:
    """Why ``user`` may not move ``ref`` from ``old`` to ``new`` (forty zeros: absent), or
    None.  main is never deleted; staff push main only, and only forward
    (``fast_forward``: asked only when it matters); coordinators push any other ref
    (``reviewed/*`` tags …)."""
    name = _short(ref)
    if ref == MAIN and not new.strip("0"):
        return "main（記録の本体）は削除できません"
    if not is_staff(rules, user):
        return None
    if ref.startswith(REVIEWED_TAGS):
        return f"確認済みの印（{name}）を付けたり消したりできるのは調整担当だけです"
    if ref != MAIN:
        kind = "ブランチ" if ref.startswith(BRANCHES) else "タグ" if ref.startswith(TAGS) else ""
        return (f"{kind}{'「' + name + '」' if kind else ref}には送れません（担当の方が送れるのは main だけです）。"
                "shinchoku sync（または git push origin HEAD:main）で送ってください")
    if old.strip("0") and not fast_forward():
        return ("main の履歴を書き換える送信（強制送信）はできません。"
                "中央の変更を取り込んでから（shinchoku sync または git pull）送ってください")
    return None


# ----------------------------------------------------------------------------- judging a change

PLAN_RELPATH = plan_mod.PLAN_RELPATH
ONLY = Kind.COORDINATOR_ONLY        # the kind of a change only the coordinator may make (hooks.advice)


def judge(old: Mapping[str, bytes | None], new: Mapping[str, bytes | None], user: str | None,
          rules: Access, plan: Plan | None,
          line_of: Callable[[str, bytes | None, tuple[Any, ...]], int] | None = None) -> list:
    """What ``user`` may not change in going from ``old`` to ``new``.

    ``old`` and ``new`` map repository paths to their content in main before and after
    the push (None: absent); only paths that differ need to be given.  ``plan`` is the
    plan in force (the server's, before the push) and says which years are open.
    Coordinators may change anything; staff may change the report fields of their own
    departments in open (受付中) years, nothing else.  Problems name the field
    (``報告[児童青少年課].課題``) with its line in the new version (``line_of``)."""
    from shinchoku.rules.validate import Problem

    if rules.is_coordinator(user):
        return []
    line_of = line_of or _line_of
    name = user or ""
    out: list[Problem] = []
    for path in sorted(set(old) | set(new)):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        if not records.is_record_path(path):
            out.append(Problem(path, 0, "", _only_coordinators(path), ONLY))
            continue
        if after is None:
            out.append(Problem(path, 0, "", "記録のファイルを削除できるのは調整担当だけです", ONLY))
            continue
        if before is None:
            out.append(Problem(path, 0, "", "記録のファイルを新しく作れるのは調整担当だけです"
                                            "（年度の受付を始めると、各課の記録が用意されます）"))
            continue
        was, now = records.mapping_or_none(before), records.mapping_or_none(after)
        if was is None or now is None:
            out.append(Problem(path, 0, "", "記録として読めない内容への変更（または読めない記録の変更）は"
                                            "調整担当だけができます"))
            continue
        changed = department_changes(was, now)
        top = [k for k in dict.fromkeys([*now, *was]) if k != "報告" and was.get(k) != now.get(k)]
        year = path.split("/")[1]
        y = plan.year(year) if plan is not None else None
        if y is None or not y.open:
            why = (f"{year}年度の受付は締め切られています（変更できるのは調整担当だけです）" if y is not None
                   else f"{year}年度は受付中の年度ではありません（変更できるのは調整担当だけです）")
            kind = Kind.CLOSED_YEAR if y is not None else ONLY
            out += [Problem(path, line_of(path, after, where), label, why, kind) for label, _dept, where in changed]
            out += [Problem(path, line_of(path, after, (key,)), key, why, kind) for key in top]
            continue
        mine = "・".join(rules.departments(name)) or "なし"
        for label, dept, where in changed:
            if not rules.may_edit(name, dept):
                out.append(Problem(path, line_of(path, after, where), label,
                                   f"{name} さんは「{dept}」の報告を変更できません（変更できる課: {mine}）",
                                   Kind.OTHER_DEPARTMENT))
        out += [Problem(path, line_of(path, after, (key,)), key, f"記録の「{key}」を変更できるのは調整担当だけです", ONLY)
                for key in top]
    return out


def department_changes(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str, tuple[Any, ...]]]:
    """(field label, department, key path in ``new``) of every report change: each field
    that differs, and each department's report entry added or removed (even an empty one)."""
    before, after = Record(old).reports(), Record(new).reports()
    index = {dept: i for i, dept in enumerate(after)}
    out = []
    for fc in changes(old, new, key=("", 0)):
        where = ("報告", index[fc.department], fc.field) if fc.department in index else ("報告",)
        out.append((fc.ref.path, fc.department, where))
    for dept in [d for d in after if d not in before] + [d for d in before if d not in after]:
        where = ("報告", index[dept]) if dept in index else ("報告",)
        out.append((f"報告[{dept}]", dept, where))
    return out


def _line_of(path: str, content: bytes | None, where: tuple[Any, ...]) -> int:
    if not content:
        return 0
    try:
        root = yamlio.compose(content.decode("utf-8", "replace"))
    except yamlio.YamlError:
        return 0
    return yamlio.line_of(root, where) if root is not None else 0


def _only_coordinators(path: str) -> str:
    if path == PLAN_RELPATH:
        return "計画（plan.yaml）を変更できるのは調整担当だけです"
    if path == ACCESS_RELPATH:
        return "変更できる人の表（access.yaml）を変更できるのは調整担当だけです"
    if path.startswith("schema/"):
        return "スキーマ（schema/）を変更できるのは調整担当だけです"
    return "各課の報告（records/<年度>/<No>.yaml）以外のファイルを変更できるのは調整担当だけです"


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
    from shinchoku.rules.validate import Problem, finding, locate

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
            findings.append(finding(err))
    if plan is not None and isinstance(data.get(STAFF), dict):
        known = set(plan.departments())
        for user, depts in data[STAFF].items():
            for index, dept in enumerate(depts if isinstance(depts, list) else []):
                if isinstance(dept, str) and dept and dept not in known:
                    findings.append(((STAFF, user, index),
                                     f"「{dept}」は計画（plan.yaml）のどの施策の主管課でもありません"))
    return locate(relpath, content, data, findings, _field)


def _field(path: tuple[Any, ...], data: Any) -> str:
    """``担当.yamada`` rather than ``担当.yamada[1]`` (the list is the user's departments)."""
    from shinchoku.rules.validate import field_name

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
    return (PACKAGE_DIR / "templates" / ACCESS_FILE).read_text(encoding="utf-8")

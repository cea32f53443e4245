"""Validation of records and the plan: one :class:`Problem` per finding, in Japanese.

Works on bytes with a repository-relative path, so that the same checks run on the
working tree (``shinchoku check``), the index (pre-commit) and pushed commits
(pre-receive).  Line numbers are only worked out when there is a problem to report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from shinchoku.errors import Kind
from shinchoku.model import fields, records, schema, yamlio
from shinchoku.model.fastcheck import json_type
from shinchoku.model.fields import FieldRef
from shinchoku.model.plan import PLAN_RELPATH, Plan
from shinchoku.rules import integrity

ACCESS_RELPATH = f"{records.RECORDS}/access.yaml"   # who may change what (shinchoku.rules.access)

# (key path inside the document, Japanese message[, Kind for code that must tell the problem apart])
Finding = tuple[tuple[Any, ...], str] | tuple[tuple[Any, ...], str, Kind]


@dataclass(frozen=True, order=True)
class Problem:
    """One finding: the file (repository-relative), its line (0: the whole file), where
    inside the document (``報告[児童青少年課].課題``, "" for the whole document) and the
    Japanese message.  :attr:`ref` is the report field it concerns, if it is one, so the
    add-in puts it on the field's cell."""

    path: str
    line: int
    field: str
    message: str
    kind: Kind | None = field(default=None, compare=False)   # for code that must tell problems apart

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"

    @property
    def ref(self) -> FieldRef | None:
        return FieldRef.at(self.path, self.field) if self.field else None

    @classmethod
    def parse(cls, line: str) -> "Problem | None":
        """The problem a line written by :meth:`__str__` names (the central repository's
        refusal comes back as text), or None for any other line."""
        m = _PROBLEM_LINE.match(line.strip())
        if m is None:
            return None
        return cls(m.group("path"), int(m.group("line") or 0), m.group("field") or "", m.group("message").strip())


_PROBLEM_LINE = re.compile(r"^(?P<path>(?:records|schema)/[^\s:]+?)(?::(?P<line>\d+))?: "
                           rf"(?:(?P<field>{re.escape(fields.REPORTS)}\[[^\]]+\]\.[^\s:]+|[^\s:]+): )?(?P<message>.+)$")


# ----------------------------------------------------------------------------- where

def field_name(path: Iterable[Any], data: Any) -> str:
    """``報告[児童青少年課].課題`` for ('報告', 1, '課題') (a report's field is named as
    :attr:`FieldRef.path` names it); a list item is named by its 主管課 or No, else by
    its 1-based index."""
    out, node = "", data
    for step in path:
        if isinstance(step, int) and not isinstance(node, dict):
            item = _item(node, step)
            name = None
            if isinstance(item, dict):
                dept = item.get(fields.DEPARTMENT)
                name = dept if isinstance(dept, str) and dept else item.get(fields.NO)
            out += f"[{name if name is not None else step + 1}]"
        else:
            out += ("." if out else "") + str(step)
        node = _child(node, step)
    return out


def _child(node: Any, step: Any) -> Any:
    try:
        return node[step]
    except (KeyError, IndexError, TypeError):
        return None


def _item(node: Any, index: Any) -> Any:
    return node[index] if isinstance(node, list) and isinstance(index, int) and 0 <= index < len(node) else None


def dotted(path: Iterable[Any], data: Any) -> str:
    """``課.指導室.0``: every step as it is (a side file's own naming)."""
    return ".".join(str(step) for step in path)


Namer = Callable[[tuple[Any, ...], Any], str]


def locate(relpath: str, content: bytes, data: Any, findings: Iterable[Finding],
           name: Namer = field_name) -> list[Problem]:
    """The findings of one document as :class:`Problem` s, each on its line (the file is
    composed only when there is something to place), named by ``name(path, data)``,
    in line order, each once."""
    findings = list(findings)
    if not findings:
        return []
    node = yamlio.compose(content.decode("utf-8"))
    out = {Problem(relpath, yamlio.line_of(node, tuple(path)) if node is not None else 0, name(tuple(path), data), message,
                   *kind)
           for path, message, *kind in findings}
    return sorted(out, key=lambda p: (p.line, p.field, p.message))


# ----------------------------------------------------------------------------- wording

_TYPE_NAMES = {
    "string": "文字列", "integer": "整数", "number": "数値", "array": "一覧（- で始まる行）",
    "object": "項目と値の対応表", "boolean": "真偽値", "null": "空",
}

Wording = Mapping[str, Callable[[Any], str]]     # a jsonschema keyword → its message for one kind of file


def finding(err, wording: Wording | None = None) -> Finding:
    """The key path and Japanese message of one jsonschema ValidationError.  ``wording``
    gives a file's own message for some keywords (an e-mail address's pattern, …)."""
    path = tuple(err.absolute_path)
    kw, val, inst = err.validator, err.validator_value, err.instance
    if wording and kw in wording:
        return path, wording[kw](err)
    if kw == "enum":
        return path, _not_a_choice(inst, val)
    if kw == "type":
        want = _TYPE_NAMES.get(val, str(val)) if isinstance(val, str) else "・".join(_TYPE_NAMES.get(v, v) for v in val)
        got = json_type(inst)
        if val == "string" and got in ("integer", "number", "boolean"):
            return path, f"{inst} が数値などとして読まれています。文字列にするには引用符で囲んでください"
        return path, f"{want}で書いてください（今は{_TYPE_NAMES.get(got, got)}です）"
    if kw == "required":
        missing = [k for k in val if isinstance(inst, dict) and k not in inst]
        return path, f"「{'」「'.join(missing)}」がありません"
    if kw == "additionalProperties":
        allowed = list(err.schema.get("properties", {}))
        extra = [k for k in inst if k not in allowed] if isinstance(inst, dict) else []
        key = extra[0] if extra else ""
        hint = f"（使える項目：{'・'.join(allowed)}）" if allowed else ""
        return (*path, key), f"「{key}」という項目はありません{hint}"
    if kw == "maxLength":
        return path, _too_long(val, inst)
    if kw == "minLength":
        if inst == "":
            return path, "空になっています。書くことがなければ項目ごと省いてください"
        return path, f"{val}文字以上にしてください"
    if kw == "pattern":
        return path, _pattern_message(path, val, inst)
    if kw == "minItems":
        return path, f"少なくとも{val}件必要です"
    if kw == "minimum":
        return path, f"{val}以上にしてください（今は{inst}）"
    if kw == "maximum":
        return path, f"{val}以下にしてください（今は{inst}）"
    if kw == "uniqueItems":
        return path, "同じ値が2回書かれています"
    if kw == "oneOf":
        return path, "書き方が違います（文字列か、課名ごとの対応表にしてください）"
    if kw == "propertyNames":
        return path, "項目名が正しくありません"
    return path, err.message




def _not_a_choice(value: Any, choices: Iterable[Any]) -> str:
    return f"「{value}」は選べる値ではありません（{'／'.join(map(str, choices))}）"


def _too_long(limit: int, text: str) -> str:
    return f"{limit}文字以内にしてください（今は{len(text)}文字）"


_CONTROL = "使えない制御文字（タブなど）が入っています"
_DATE_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T"      # how the schemas' 日時 and 日付 patterns begin
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _pattern_message(path: tuple[Any, ...], pattern: str, value: Any) -> str:
    """What is wrong with a text that does not match its schema pattern, by what the
    pattern asks for: a year label, a date and time, a date, or no control characters."""
    text = str(value)
    if (path and path[-1] == fields.YEAR) or pattern == schema.shape().year_pattern:
        return f"「{text}」は年度の書き方ではありません（H29、R2 のように書いてください）"
    if pattern.startswith(_DATE_TIME):
        return f"「{text}」は日時の書き方ではありません（2026-05-10T09:30:00+09:00 のように書いてください）"
    if pattern == _DATE:
        return f"「{text}」は日付の書き方ではありません（2026-05-31 のように書いてください）"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        return _CONTROL
    if any(c.isspace() for c in text):
        return f"「{text}」には空白を入れられません"
    return f"「{text}」は決められた書き方になっていません"


def value_problem(spec: schema.FieldSpec, text: str) -> str | None:
    """Why ``text`` cannot be the value of the report field ``spec``, in the checker's
    words (None: it can): for a value typed into a cell before it becomes a record."""
    if spec.choices and text not in spec.choices:
        return _not_a_choice(text, spec.choices)
    if spec.max_length is not None and len(text) > spec.max_length:
        return _too_long(spec.max_length, text)
    if spec.pattern and re.search(spec.pattern, text) is None:
        return _CONTROL
    return None


class Checker:
    """Checks documents of one records repository (schema from ``root``, the given plan)."""

    def __init__(self, root: Path | None = None, plan: Plan | None = None):
        self.root = root
        self.plan = plan
        self._initiatives = plan.by_no() if plan is not None else None
        self._year_labels = plan.year_labels if plan is not None else None
        self._record_fast = schema.fast_validator(schema.RECORD, root)
        self._plan_fast = schema.fast_validator(schema.PLAN, root)

    # -- one document -------------------------------------------------------------------
    def check(self, relpath: str, content: bytes, *, canonical: bool = False, data: Any = None) -> list[Problem]:
        """Problems of the document at repository-relative ``relpath`` with ``content``
        (``data``: the document already loaded from ``content``, to parse it only once)."""
        is_plan = relpath == PLAN_RELPATH
        if relpath == ACCESS_RELPATH:
            from shinchoku.rules import access

            return access.problems(content, self.plan, self.root, relpath)
        from shinchoku.rules import sidefiles

        side = sidefiles.BY_RELPATH.get(relpath)        # contacts.yaml, import-overrides.yaml
        if side is not None:
            return side.problems(content, self.root, relpath)
        if not is_plan and not records.is_record_path(relpath):
            if relpath.startswith(f"{records.RECORDS}/") and relpath.endswith((".yaml", ".yml")):
                return [Problem(relpath, 0, "", "ファイルの場所か名前が正しくありません（records/<年度>/<No 2桁>.yaml に置いてください）")]
            return []
        if data is None:
            try:
                data = yamlio.load(content)
            except yamlio.YamlError as exc:
                return [Problem(relpath, exc.line, "", exc.message)]
        if not isinstance(data, dict):
            kind = "計画" if is_plan else "記録"
            return [Problem(relpath, 1, "", f"{kind}の形になっていません（項目と値の対応表が必要です）")]
        findings: list[Finding] = []
        fast = self._plan_fast if is_plan else self._record_fast
        if fast is None or not fast(data):
            validator = schema.validator(schema.PLAN if is_plan else schema.RECORD, self.root)
            # Only documents the fast pre-check cannot vouch for go to jsonschema,
            # which also words the messages.
            findings.extend(finding(err) for err in validator.iter_errors(data))
        conflicts = list(_conflict_paths(data))
        if conflicts:
            # An unresolved merge: say so once per field, not also "not an allowed value".
            findings = [f for f in findings if not any(f[0][: len(c)] == c for c in conflicts)]
            findings += [(c, "競合が解決されていません（自分の変更と相手の変更の両方が入っています。どちらかに直してから保存してください）",
                          Kind.CONFLICT) for c in conflicts]
        if is_plan:
            findings.extend(integrity.plan_findings(Plan(data)))
        else:
            findings.extend(integrity.record_findings(relpath[len(records.RECORDS) + 1:], data, self.plan,
                                                      self._initiatives, self._year_labels))
        problems = locate(relpath, content, data, findings)
        if canonical and not problems:
            kind = schema.PLAN if is_plan else schema.RECORD
            if not records.is_canonical(kind, content, data, self.root):
                text = content.decode("utf-8")
                want = records.canonical_text(kind, data, self.root)
                problems.append(Problem(relpath, _first_difference(text, want), "",
                                        "決められた書式になっていません（`shinchoku fmt` で直せます）"))
        return problems


def _conflict_paths(data: Any, path: tuple[Any, ...] = ()):
    """Paths of text values still holding merge conflict markers (see shinchoku.rules.merge)."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _conflict_paths(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _conflict_paths(v, (*path, i))
    elif isinstance(data, str) and "\n" in data:
        from shinchoku.rules.merge import has_conflict_markers

        if has_conflict_markers(data):
            yield path


def _first_difference(a: str, b: str) -> int:
    for number, (x, y) in enumerate(zip(a.splitlines(), b.splitlines()), start=1):
        if x != y:
            return number
    return min(len(a.splitlines()), len(b.splitlines())) + 1


def load_plan_for_check(root: Path, *, check: bool = True,
                        canonical: bool = False) -> tuple[Plan | None, list[Problem]]:
    """The plan of ``root`` and (when ``check``) the problems found in it (None when
    unreadable); the file is read and parsed once."""
    path = root / PLAN_RELPATH
    special = records.special_file_problem(path)
    if special:
        return None, [Problem(PLAN_RELPATH, 0, "", special)]
    if not path.is_file():
        return None, [Problem(PLAN_RELPATH, 0, "", "計画ファイル（records/plan.yaml）がありません")]
    content = path.read_bytes()
    try:
        data = yamlio.load(content)
    except yamlio.YamlError as exc:
        return None, ([Problem(PLAN_RELPATH, exc.line, "", exc.message)] if check else [])
    problems = Checker(root, None).check(PLAN_RELPATH, content, canonical=canonical, data=data) if check else []
    return (Plan(data) if isinstance(data, dict) else None), problems


def check_paths(root: Path, paths: list[Path] | None = None, *, canonical: bool = False) -> list[Problem]:
    """Check the whole repository (``paths`` None) or just the given files.

    The plan is always read (records are checked against it); its own problems are
    reported when the whole repository or the plan itself is checked.
    """
    return check_repository(root, paths, canonical=canonical)[0]


def check_repository(root: Path, paths: list[Path] | None = None, *,
                     canonical: bool = False) -> tuple[list[Problem], int]:
    """(problems, number of files checked), as :func:`check_paths`; the records folder is
    listed once and every file read and parsed once (the plan too)."""
    if paths is None:
        listing = records.scan(root)
        targets = [*listing.records, *listing.others]       # the side files and misplaced ones too
    else:
        targets = list(paths)
    names = [relpath_of(root, p) for p in targets]
    check_plan = paths is None or PLAN_RELPATH in names
    plan, plan_problems = load_plan_for_check(root, check=check_plan, canonical=canonical)
    checker = Checker(root, plan)
    problems: list[Problem] = plan_problems if check_plan else []
    checked = len(targets) if paths is not None else len(targets) + 1      # + records/plan.yaml
    for path, rel in zip(targets, names):
        if rel == PLAN_RELPATH:
            continue
        special = records.special_file_problem(path)
        if special:
            problems.append(Problem(rel, 0, "", special))
            continue
        try:
            content = path.read_bytes()
        except OSError:
            problems.append(Problem(rel, 0, "", "ファイルを読めません"))
            continue
        problems.extend(checker.check(rel, content, canonical=canonical))
    return problems, checked


def relpath_of(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()

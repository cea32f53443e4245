"""The JSON Schemas: where they are found, and what the rest of the tool reads from them.

``schema/`` at the top of a records repository is the single source of truth for
field names, their order, labels (``title``), allowed values and length limits.
A repository without one (or code running outside any repository) falls back to the
copy shipped inside the package.
"""

from __future__ import annotations

import json
import os
from functools import cached_property, lru_cache
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Callable

from shinchoku.model import fields as fields_model

RECORD = "record"
PLAN = "plan"
ACCESS = "access"



def schema_dir(root: Path | None = None) -> Path:
    """The schema folder for a records repository rooted at ``root``."""
    return Path(_directory(root))


def _directory(root: Path | None) -> str:
    # os.path rather than pathlib: check --canonical asks once per file.
    if root is not None:
        here = os.path.join(root, "schema")
        if os.path.isfile(os.path.join(here, "record.schema.json")):
            return here
    return _bundled()


@lru_cache(maxsize=None)
def _bundled() -> str:
    from shinchoku import bundled

    return str(bundled("schema"))


@lru_cache(maxsize=None)
def _load(directory: str, name: str) -> dict[str, Any]:
    with open(Path(directory) / f"{name}.schema.json", encoding="utf-8") as fh:
        return json.load(fh)


def _folder(name: str, root: Path | None) -> str:
    """The folder holding schema ``name`` for ``root``: the repository's schema folder,
    or the bundled one for a side file's schema a repository made before it existed
    (``contacts``, ``access``, ``import-overrides``).  The record and plan schemas are
    always the repository's when it has a schema folder."""
    here = _directory(root)
    if name not in (RECORD, PLAN) and not os.path.isfile(os.path.join(here, f"{name}.schema.json")):
        here = _bundled()
    return here


def load(name: str, root: Path | None = None) -> dict[str, Any]:
    return _load(_folder(name, root), name)


@lru_cache(maxsize=None)
def _validator(directory: str, name: str):
    from jsonschema import Draft202012Validator

    # The schemas themselves are checked against the meta-schema in the tests; doing it
    # here on every run would cost more than checking one record.
    return Draft202012Validator(_load(directory, name))


def validator(name: str, root: Path | None = None):
    """The jsonschema validator of schema ``name`` (the reference: it words the problems)."""
    return _validator(_folder(name, root), name)


@lru_cache(maxsize=None)
def _fast(directory: str, name: str):
    from shinchoku.model.fastcheck import compile_schema

    return compile_schema(_load(directory, name))


def fast_validator(name: str, root: Path | None = None):
    """A predicate True only for documents certainly valid (None: always ask jsonschema)."""
    return _fast(_folder(name, root), name)


def resolve(node: dict[str, Any], whole: dict[str, Any]) -> dict[str, Any]:
    """Follow local ``$ref``s (``#/$defs/...``) and merge the sibling keywords."""
    seen = 0
    while "$ref" in node and seen < 20:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            break
        target: Any = whole
        for part in ref[2:].split("/"):
            target = target[part]
        merged = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **merged}
        seen += 1
    return node


_RESOLVED: dict[tuple[int, int], tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {}


def _resolved(node: dict[str, Any], whole: dict[str, Any]) -> dict[str, Any]:
    """:func:`resolve`, remembered per schema node (the loaded schemas are never changed)."""
    if "$ref" not in node:
        return node                     # nothing to resolve (and no entry for a caller's temporary {})
    key = (id(node), id(whole))
    hit = _RESOLVED.get(key)
    if hit is None or hit[0] is not node or hit[1] is not whole:
        hit = _RESOLVED[key] = (node, whole, resolve(node, whole))
    return hit[2]


def ordered(data: Any, node: dict[str, Any], whole: dict[str, Any]) -> Any:
    """``data`` with mapping keys in schema order (unknown keys last, in their own order)."""
    node = _resolved(node, whole)
    if isinstance(data, dict):
        props = node.get("properties", {})
        extra = node.get("additionalProperties")
        out: dict[str, Any] = {}
        for key in props:
            if key in data:
                out[key] = ordered(data[key], props[key], whole)
        for key, value in data.items():
            if key not in out:
                sub = extra if isinstance(extra, dict) else {}
                out[key] = ordered(value, sub, whole)
        return out
    if isinstance(data, list):
        items = node.get("items", {})
        return [ordered(v, items if isinstance(items, dict) else {}, whole) for v in data]
    return data


Walk = Callable[[Any], Any]


def _compile_walk(node: dict[str, Any], whole: dict[str, Any], memo: dict[int, list[Any]],
                  build: Callable[..., Walk], unordered: Walk) -> Walk | None:
    """One schema node compiled into a function of a value under it: ``build(props, extra,
    items)`` makes it from the compiled children ([(key, child)], the child for other keys,
    the child for list items); None where nothing below ``node`` has an order (text,
    numbers, free mappings), which a parent then need not walk.  ``unordered`` stands for
    such a value inside a recursive schema."""
    known = memo.get(id(node))
    if known is not None:
        if known[1]:
            return known[0]
        return lambda v, cell=known: cell[0](v) if cell[0] is not None else unordered(v)      # a recursive schema
    cell = memo[id(node)] = [None, False]
    node = resolve(node, whole)
    props = [(k, _compile_walk(sub, whole, memo, build, unordered)) for k, sub in node.get("properties", {}).items()]
    extra, items = node.get("additionalProperties"), node.get("items")
    extra_fn = _compile_walk(extra, whole, memo, build, unordered) if isinstance(extra, dict) else None
    item_fn = _compile_walk(items, whole, memo, build, unordered) if isinstance(items, dict) else None
    fn = build(props, extra_fn, item_fn) if props or extra_fn is not None or item_fn is not None else None
    cell[0], cell[1] = fn, True
    return fn


def _build_order(props: list[tuple[str, Walk | None]], extra_order: Walk | None, item_order: Walk | None) -> Walk:
    """:func:`ordered` for one node: the value with its keys in schema order."""
    def order(data: Any) -> Any:
        if isinstance(data, dict):
            out: dict[str, Any] = {}
            for key, sub in props:
                if key in data:
                    value = data[key]
                    out[key] = value if sub is None else sub(value)
            if len(out) != len(data):
                for key, value in data.items():
                    if key not in out:
                        out[key] = value if extra_order is None else extra_order(value)
            return out
        if isinstance(data, list) and item_order is not None:
            return [item_order(v) for v in data]
        return data
    return order


def _build_in_order(props: list[tuple[str, Walk | None]], extra_check: Walk | None, item_check: Walk | None) -> Walk:
    """For one node, True when :func:`_build_order` would leave the value's keys where
    they are (known keys in schema order, unknown ones after them), without building
    the ordered copy."""
    rank = {k: i for i, (k, _sub) in enumerate(props)}
    subs = dict(props)

    def check(data: Any) -> bool:
        if isinstance(data, dict):
            last, unknown = -1, False
            for key, value in data.items():
                at = rank.get(key)
                if at is None:
                    unknown = True                 # unknown keys go last, in their own order
                    if extra_check is not None and not extra_check(value):
                        return False
                    continue
                if unknown or at < last:
                    return False
                last = at
                sub = subs[key]
                if sub is not None and not sub(value):
                    return False
            return True
        if isinstance(data, list) and item_check is not None:
            return all(item_check(v) for v in data)
        return True
    return check


@lru_cache(maxsize=None)
def _orderer(directory: str, name: str) -> Walk:
    whole = _load(directory, name)
    return _compile_walk(whole, whole, {}, _build_order, lambda v: v) or (lambda data: data)


@lru_cache(maxsize=None)
def _orderly_check(directory: str, name: str) -> Walk:
    whole = _load(directory, name)
    return _compile_walk(whole, whole, {}, _build_in_order, lambda v: True) or (lambda data: True)


def in_order(data: Any, name: str, root: Path | None = None) -> bool:
    """True when :func:`canonical` would leave ``data``'s keys where they are."""
    return _orderly_check(_folder(name, root), name)(data)


def canonical(data: Any, name: str, root: Path | None = None) -> Any:
    """``data`` in schema order (as :func:`ordered`, the reference, gives it; compiled
    once per schema)."""
    return _orderer(_folder(name, root), name)(data)


# Annotations of ours in record.schema.json (JSON Schema ignores keywords it does not know):
BEHIND_PLAN = "x-behind-plan"   # on the progress status: which of its values means "behind plan"
CYCLE = "x-cycle"               # on a report field of the yearly cycle (not on the sheet)


class SchemaMismatch(ValueError):
    """The record schema lacks what the tool is built on (a report with 主管課, …)."""


@dataclass(frozen=True)
class FieldSpec:
    """One report field as the schema describes it."""

    name: str
    title: str                     # the label staff read (the schema's ``title``)
    description: str
    choices: tuple[str, ...]       # allowed values (``enum``); () for free text
    max_length: int | None
    cycle: bool                    # the yearly cycle's (提出状況, コメント): not on the sheet
    pattern: str | None = None     # what a text must match (``pattern``: no control characters)


@dataclass(frozen=True)
class Shape:
    """What a record holds, compiled once per schema folder from record.schema.json: the
    one place check, the sheet, the fast path, the importer and the published sheet
    learn field names, order, labels, allowed values and length limits."""

    fields: tuple[FieldSpec, ...]          # every report field in schema order, 主管課 first
    status: str                            # the progress status field (進捗状況)
    behind: str | None                     # its value meaning "behind plan"
    year_pattern: str | None = None        # how a fiscal year is written (年度: H29, R2)

    @cached_property
    def _by_name(self) -> dict[str, FieldSpec]:
        return {f.name: f for f in self.fields}

    def spec(self, name: str) -> FieldSpec:
        return self._by_name[name]

    def title(self, name: str) -> str:
        """The field's label (its own name when the schema has no such field)."""
        spec = self._by_name.get(name)
        return spec.title if spec is not None else name

    @cached_property
    def sheet_fields(self) -> tuple[str, ...]:
        """The fields the sheet shows, in order, 主管課 first (the cycle's left out)."""
        return tuple(f.name for f in self.fields if not f.cycle)

    @cached_property
    def reported(self) -> tuple[str, ...]:
        """The fields a department reports: the sheet's fields without 主管課, in order
        (進捗状況 first); the fields of a year block of the published sheet."""
        return tuple(n for n in self.sheet_fields if n != fields_model.DEPARTMENT)

    @cached_property
    def text_fields(self) -> tuple[str, ...]:
        """The free-text fields (reported fields that are not a choice)."""
        return tuple(n for n in self.reported if not self.spec(n).choices)

    @cached_property
    def cycle_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.cycle)

    @property
    def statuses(self) -> tuple[str, ...]:
        """The progress status's values, in the schema's order."""
        return self.spec(self.status).choices if self.status in self._by_name else ()


def _compile_shape(whole: dict[str, Any], fallback: dict[str, Any] | None) -> Shape:
    defs = whole.get("$defs", {})
    top = whole.get("properties", {})
    if fields_model.REPORTS not in defs or fields_model.REPORTS not in top:
        raise SchemaMismatch(f"record.schema.json に「{fields_model.REPORTS}」の定義がありません")
    props = resolve(defs[fields_model.REPORTS], whole).get("properties", {})
    for key in (fields_model.DEPARTMENT,):
        if key not in props:
            raise SchemaMismatch(f"record.schema.json の報告に「{key}」がありません")
    for key in (fields_model.NO, fields_model.YEAR):
        if key not in top:
            raise SchemaMismatch(f"record.schema.json に「{key}」がありません")
    nodes = {name: resolve(node, whole) for name, node in props.items()}
    # A repository whose schema predates our annotations takes them from the bundled schema.
    marked = any(BEHIND_PLAN in n or CYCLE in n for n in nodes.values())
    if not marked and fallback is not None:
        theirs = _compile_shape(fallback, None)
        cycle = {f.name for f in theirs.fields if f.cycle}
        behind_of = {theirs.status: theirs.behind}
    else:
        cycle = {name for name, n in nodes.items() if n.get(CYCLE)}
        behind_of = {name: n[BEHIND_PLAN] for name, n in nodes.items() if BEHIND_PLAN in n}
    specs = tuple(FieldSpec(name, str(n.get("title", name)), str(n.get("description", "")),
                            tuple(n.get("enum", ())), n.get("maxLength"), name in cycle, n.get("pattern"))
                  for name, n in nodes.items())
    status = next((name for name in behind_of if name in nodes), None)
    if status is None:
        status = next((s.name for s in specs if s.choices and not s.cycle), "")
    behind = behind_of.get(status)
    if behind is not None and behind not in nodes.get(status, {}).get("enum", ()):
        raise SchemaMismatch(f"record.schema.json の {BEHIND_PLAN}「{behind}」は{status}の選べる値にありません")
    return Shape(specs, status, behind, resolve(top[fields_model.YEAR], whole).get("pattern"))


@lru_cache(maxsize=None)
def _shape(directory: str) -> Shape:
    bundled = _bundled()
    fallback = _load(bundled, RECORD) if directory != bundled else None
    return _compile_shape(_load(directory, RECORD), fallback)


def shape(root: Path | None = None) -> Shape:
    """The record's fields as the repository's schema has them (compiled once)."""
    return _shape(_directory(root))


# -- thin wrappers over shape(), for callers that have not moved to it --------------------


def report_fields(root: Path | None = None) -> list[str]:
    """The report's field names in sheet order, 主管課 first (``shape(root).sheet_fields``)."""
    return list(shape(root).sheet_fields)


def status_values(root: Path | None = None) -> list[str]:
    """The progress status's vocabulary, in the schema's order (``shape(root).statuses``)."""
    return list(shape(root).statuses)


def field_schema(field: str, root: Path | None = None) -> dict[str, Any]:
    """The schema node of one report field, ``$ref``s resolved (KeyError: no such field).
    Prefer ``shape(root).spec(field)``, which says what a field is without JSON Schema."""
    whole = load(RECORD, root)
    node = resolve(whole["$defs"][fields_model.REPORTS], whole)["properties"][field]
    return resolve(node, whole)

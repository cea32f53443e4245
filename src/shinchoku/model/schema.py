"""The JSON Schemas: where they are found, and what the rest of the tool reads from them.

``schema/`` at the top of a records repository is the single source of truth for
field names, their order, labels (``title``), allowed values and length limits.
A repository without one (or code running outside any repository) falls back to the
copy shipped inside the package.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

RECORD = "record"
PLAN = "plan"
ACCESS = "access"



def schema_dir(root: Path | None = None) -> Path:
    """The schema folder for a records repository rooted at ``root``."""
    if root is not None and (root / "schema" / "record.schema.json").is_file():
        return root / "schema"
    from shinchoku import bundled

    return bundled("schema")


@lru_cache(maxsize=None)
def _load(directory: str, name: str) -> dict[str, Any]:
    with open(Path(directory) / f"{name}.schema.json", encoding="utf-8") as fh:
        return json.load(fh)


def load(name: str, root: Path | None = None) -> dict[str, Any]:
    return _load(str(schema_dir(root)), name)


@lru_cache(maxsize=None)
def _validator(directory: str, name: str):
    from jsonschema import Draft202012Validator

    # The schemas themselves are checked against the meta-schema in the tests; doing it
    # here on every run would cost more than checking one record.
    return Draft202012Validator(_load(directory, name))


def validator(name: str, root: Path | None = None):
    return _validator(str(schema_dir(root)), name)


@lru_cache(maxsize=None)
def _fast(directory: str, name: str):
    from shinchoku.model.fastcheck import compile_schema

    return compile_schema(_load(directory, name))


def fast_validator(name: str, root: Path | None = None):
    """A predicate True only for documents certainly valid (None: always ask jsonschema)."""
    return _fast(str(schema_dir(root)), name)


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


def canonical(data: Any, name: str, root: Path | None = None) -> Any:
    whole = load(name, root)
    return ordered(data, whole, whole)


def report_schema(root: Path | None = None) -> dict[str, Any]:
    whole = load(RECORD, root)
    return resolve(whole["$defs"]["報告"], whole)


# Fields of a report that belong to the yearly cycle (shinchoku.rules.cycle), not to the sheet:
# the published sheet, the input workbook, review and history leave them out.
CYCLE_FIELDS = ("提出状況", "コメント")


def report_fields(root: Path | None = None) -> list[str]:
    """The report's field names in sheet order, 主管課 first (the cycle's fields left out)."""
    return [f for f in report_schema(root)["properties"] if f not in CYCLE_FIELDS]


def field_schema(field: str, root: Path | None = None) -> dict[str, Any]:
    whole = load(RECORD, root)
    return resolve(report_schema(root)["properties"][field], whole)


def status_values(root: Path | None = None) -> list[str]:
    """The 進捗状況 vocabulary, in the schema's order."""
    return list(field_schema("進捗状況", root)["enum"])


def text_fields(root: Path | None = None) -> list[str]:
    """Free-text fields of a report (everything but 主管課 and 進捗状況)."""
    return [f for f in report_fields(root) if f not in ("主管課", "進捗状況")]

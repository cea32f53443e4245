"""A fast yes/no pre-check compiled from our JSON Schemas.

Most documents are valid, and asking jsonschema about each one dominates a whole-repo
check.  :func:`compile_schema` turns the subset of JSON Schema our schemas use into
plain Python predicates.  A predicate answers only "certainly valid"; anything else
(or a schema using a keyword this module does not know) goes to jsonschema, which
produces the messages.  So the fast path can never hide a problem: when in doubt it
says "not sure".
"""

from __future__ import annotations

import re
from typing import Any, Callable

Predicate = Callable[[Any], bool]

_SUPPORTED = {
    "$schema", "$id", "$defs", "$ref", "title", "description", "type", "enum", "required", "properties",
    "additionalProperties", "items", "minItems", "minLength", "maxLength", "pattern", "minimum", "maximum",
    "uniqueItems", "oneOf", "minProperties", "propertyNames",
}
ANNOTATION = "x-"      # keywords of ours (x-behind-plan, x-cycle: shinchoku.model.schema.Shape), ignored
                       # by JSON Schema as every unknown keyword is: they say nothing about validity


class Unsupported(Exception):
    pass


# JSON Schema's type of a loaded YAML value, first match wins (a bool is no integer).
_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"),
    (list, "array"), (dict, "object"), (type(None), "null"),
)
_KNOWN_TYPES = {"string", "integer", "object", "array", "boolean", "null"}   # "number" is not ours


_EXACT = dict(_JSON_TYPES)


def json_type(value: Any) -> str:
    """``"integer"``, ``"string"``, … as JSON Schema names the type of ``value`` (the
    Python type's name for anything a YAML document cannot hold)."""
    name = _EXACT.get(type(value))
    if name is None:
        name = next((n for kind, n in _JSON_TYPES if isinstance(value, kind)), type(value).__name__)
    return name


def compile_schema(whole: dict[str, Any]) -> Predicate | None:
    """A predicate that is True only for documents valid under ``whole`` (None if unsupported)."""
    cache: dict[str, Predicate] = {}

    def ref(target: str) -> Predicate:
        if not target.startswith("#/"):
            raise Unsupported(target)
        if target not in cache:
            node: Any = whole
            for part in target[2:].split("/"):
                node = node[part]
            cache[target] = lambda v: True  # placeholder for recursion
            cache[target] = build(node)
        return lambda v: cache[target](v)

    def build(node: dict[str, Any]) -> Predicate:
        unknown = {k for k in node if not k.startswith(ANNOTATION)} - _SUPPORTED
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        checks: list[Predicate] = []
        if "$ref" in node:
            checks.append(ref(node["$ref"]))
        if "type" in node:
            t = node["type"]
            names = frozenset([t] if isinstance(t, str) else t)
            if not names <= _KNOWN_TYPES:
                raise Unsupported(", ".join(sorted(names - _KNOWN_TYPES)))
            checks.append(lambda v, names=names: json_type(v) in names)
        if "enum" in node:
            allowed = list(node["enum"])
            checks.append(lambda v, allowed=allowed: any(v == a and type(v) is type(a) for a in allowed))
        if "minLength" in node or "maxLength" in node or "pattern" in node:
            lo, hi = node.get("minLength", 0), node.get("maxLength")
            rx = re.compile(node["pattern"]) if "pattern" in node else None

            def text(v, lo=lo, hi=hi, rx=rx):
                if not isinstance(v, str):
                    return True
                # JSON Schema counts code points; Python's len does too.
                return len(v) >= lo and (hi is None or len(v) <= hi) and (rx is None or rx.search(v) is not None)
            checks.append(text)
        if "minimum" in node or "maximum" in node:
            lo, hi = node.get("minimum"), node.get("maximum")
            checks.append(lambda v, lo=lo, hi=hi: not isinstance(v, (int, float)) or isinstance(v, bool)
                          or ((lo is None or v >= lo) and (hi is None or v <= hi)))
        if "properties" in node or "required" in node or "additionalProperties" in node \
                or "minProperties" in node or "propertyNames" in node:
            props = {k: build(v) for k, v in node.get("properties", {}).items()}
            required = list(node.get("required", []))
            extra = node.get("additionalProperties", True)
            extra_check = None if extra is True else (False if extra is False else build(extra))
            names_check = build(node["propertyNames"]) if "propertyNames" in node else None
            min_props = node.get("minProperties", 0)

            def obj(v, props=props, required=required, extra_check=extra_check, names_check=names_check, min_props=min_props):
                if not isinstance(v, dict):
                    return True
                if len(v) < min_props:
                    return False
                for key in required:
                    if key not in v:
                        return False
                for key, value in v.items():
                    check = props.get(key)
                    if check is not None:
                        if not check(value):
                            return False
                    elif extra_check is False:
                        return False
                    elif extra_check is not None and not extra_check(value):
                        return False
                    if names_check is not None and not names_check(key):
                        return False
                return True
            checks.append(obj)
        if "items" in node or "minItems" in node or "uniqueItems" in node:
            item = build(node["items"]) if "items" in node else None
            min_items = node.get("minItems", 0)
            unique = node.get("uniqueItems", False)

            def arr(v, item=item, min_items=min_items, unique=unique):
                if not isinstance(v, list):
                    return True
                if len(v) < min_items:
                    return False
                if unique and not all(isinstance(x, (str, int)) for x in v):
                    return False  # not sure: let jsonschema decide
                if unique and len({(type(x), x) for x in v}) != len(v):
                    return False
                return item is None or all(item(x) for x in v)
            checks.append(arr)
        if "oneOf" in node:
            # "exactly one" needs exact answers from every option; ours are exact except
            # uniqueItems over unhashable values and whatever a $ref may bring in.
            import json

            if any(k in json.dumps(o) for o in node["oneOf"] for k in ('"uniqueItems"', '"$ref"', '"oneOf"')):
                raise Unsupported("oneOf")
            options = [build(o) for o in node["oneOf"]]
            checks.append(lambda v, options=options: sum(1 for o in options if o(v)) == 1)
        if not checks:
            return lambda v: True
        if len(checks) == 1:
            return checks[0]
        return lambda v: all(c(v) for c in checks)

    try:
        return build(whole)
    except Unsupported:
        return None

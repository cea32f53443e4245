"""The repository's files beside the records, each checked against its own schema.

* ``records/contacts.yaml``: the yearly cycle's e-mail addresses (:mod:`shinchoku.sharing.notify`);
* ``records/import-overrides.yaml``: the coordinator's corrections to the importer
  (:mod:`shinchoku.importing.importoverrides`).

(``records/access.yaml`` has rules of its own, :mod:`shinchoku.rules.access`.)  The checker
(:mod:`shinchoku.rules.validate`) asks here, so ``shinchoku check``, the hooks and the
commands that read these files judge them the same way.
"""

from __future__ import annotations

import json
from pathlib import Path

from shinchoku.model import schema, yamlio
from shinchoku.model.records import RECORDS

CONTACTS_FILE = "contacts.yaml"
CONTACTS_RELPATH = f"{RECORDS}/{CONTACTS_FILE}"
OVERRIDES_FILE = "import-overrides.yaml"
OVERRIDES_RELPATH = f"{RECORDS}/{OVERRIDES_FILE}"
OVERRIDES_SCHEMA = "import-overrides"


def contact_problems(content: bytes, root: Path | None = None, relpath: str = CONTACTS_RELPATH) -> list:
    """Problems of a contacts file (schema; empty when usable)."""
    from jsonschema import Draft202012Validator

    from shinchoku.rules.validate import Problem, _message

    try:
        data = yamlio.load(content)
    except yamlio.YamlError as exc:
        return [Problem(relpath, exc.line, "", exc.message)]
    here = schema.schema_dir(root)
    if not (here / "contacts.schema.json").is_file():
        here = schema.schema_dir(None)
    with open(here / "contacts.schema.json", encoding="utf-8") as fh:
        validator = Draft202012Validator(json.load(fh))
    found = []
    for err in validator.iter_errors(data):
        if err.validator == "pattern":
            found.append((tuple(err.absolute_path), f"「{err.instance}」はメールアドレスとして読めません"))
        else:
            found.append(_message(err))
    if not found:
        return []
    node = yamlio.compose(content.decode("utf-8"))
    return sorted({Problem(relpath, yamlio.line_of(node, tuple(p)) if node is not None else 0,
                           ".".join(str(x) for x in p), m) for p, m in found})


def override_problems(content: bytes, root: Path | None = None, relpath: str = OVERRIDES_RELPATH) -> list[tuple[int, str]]:
    """(line, message) for everything wrong with the file's shape (empty when usable)."""
    try:
        data = yamlio.load(content)
    except yamlio.YamlError as exc:
        return [(exc.line, exc.message)]
    if not isinstance(data, dict):
        return [(1, "取り込みの指定の形になっていません（「指定:」の下に1件ずつ並べてください）")]
    out = []
    for err in schema.validator(OVERRIDES_SCHEMA, root).iter_errors(data):
        where = "・".join(str(p) if not isinstance(p, int) else f"{p + 1}件目" for p in err.absolute_path)
        out.append((0, f"{where or '全体'}: {_japanese(err)}"))
    return out


def _japanese(err) -> str:
    kind = err.validator
    if kind == "required":
        missing = [m for m in err.validator_value if m not in (err.instance or {})]
        return f"「{'・'.join(missing)}」がありません"
    if kind == "enum":
        return f"「{err.instance}」は使えません（使える値: {'・'.join(map(str, err.validator_value))}）"
    if kind == "additionalProperties":
        extra = [k for k in err.instance if k not in err.schema.get("properties", {})]
        return f"「{'・'.join(map(str, extra))}」という項目は使えません"
    if kind in ("type", "minimum", "maximum", "pattern", "minLength", "maxLength"):
        return f"「{err.instance}」は値として正しくありません"
    return "値が正しくありません"

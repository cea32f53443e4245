"""The field-by-field view of a record that ``git diff`` and ``git log -p`` show.

:func:`flatten` renders a document as one line per field (per text line), which is what
the git textconv driver shows, so ``git log -p records/`` reads
``報告[児童青少年課].課題: 旧`` → ``報告[児童青少年課].課題: 新``.  (Which fields differ
between two versions of a record is :func:`shinchoku.model.fields.changes`.)
"""

from __future__ import annotations

from typing import Any

# Lists of mappings are matched by these keys (reports by department, plan items by number).
IDENTITY = {"報告": "主管課", "推進方策": "番号", "目標": "番号", "施策": "No", "年度": "年度", "コメント": "日時"}


def _label(key: str, item: Any, index: int) -> str:
    ident = IDENTITY.get(key)
    if ident and isinstance(item, dict) and item.get(ident) not in (None, ""):
        value = item[ident]
        return f"No {value}" if ident == "No" else str(value)
    return str(index + 1)


def flatten(data: Any, prefix: str = "") -> list[str]:
    """``path: value`` lines; every line of a multi-line text repeats its path."""
    out: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, list) and key in IDENTITY and all(isinstance(v, dict) for v in value):
                ident = IDENTITY[key]
                for index, item in enumerate(value):
                    # The identity (e.g. 主管課) is in the path already; don't repeat it as a line.
                    rest = {k: v for k, v in item.items() if k != ident} or {ident: item.get(ident)}
                    out.extend(flatten(rest, f"{path}[{_label(key, item, index)}]"))
            elif isinstance(value, (dict, list)) and value:
                out.extend(flatten(value, path))
            else:
                out.extend(_scalar_lines(path, value))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            out.extend(flatten(item, f"{prefix}[{index + 1}]"))
    else:
        out.extend(_scalar_lines(prefix, data))
    return out


def _scalar_lines(path: str, value: Any) -> list[str]:
    if isinstance(value, str):
        if value == "":
            return [f"{path}: "]
        return [f"{path}: {line}" for line in value.split("\n")]
    if value == [] or value == {}:
        return [f"{path}: （なし）"]
    return [f"{path}: {value}"]

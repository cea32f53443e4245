"""Field-by-field views of records: the one place two versions are compared.

* :func:`flatten` renders a document as one line per field (per text line), which is
  what the git textconv driver shows, so ``git log -p records/`` reads
  ``報告[児童青少年課].課題: 旧`` → ``報告[児童青少年課].課題: 新``.
* :func:`changes` lists the fields that differ between two versions of a record;
  history, commit messages and the coordinator's review are built on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Lists of mappings are matched by these keys (reports by department, plan items by number).
IDENTITY = {"報告": "主管課", "推進方策": "番号", "目標": "番号", "施策": "No", "年度": "年度", "コメント": "日時"}


@dataclass(frozen=True)
class FieldChange:
    path: str            # e.g. 報告[児童青少年課].課題
    department: str
    field: str
    before: str | None   # None: the field was absent
    after: str | None


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


def reports_by_department(record: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for report in (record or {}).get("報告", []) or []:
        if isinstance(report, dict) and isinstance(report.get("主管課"), str):
            out[report["主管課"]] = report
    return out


def changes(old: dict[str, Any] | None, new: dict[str, Any] | None,
            fields: list[str] | None = None) -> list[FieldChange]:
    """Report fields that differ between two versions of one record (either may be None).

    Departments follow the new version's order (then removed ones); fields follow
    ``fields`` (the schema order) when given.
    """
    before, after = reports_by_department(old), reports_by_department(new)
    departments = list(after) + [d for d in before if d not in after]
    out: list[FieldChange] = []
    for dept in departments:
        b, a = before.get(dept, {}), after.get(dept, {})
        names = fields or list(dict.fromkeys([*a, *b]))
        for name in names:
            if name == "主管課":
                continue
            bv, av = b.get(name), a.get(name)
            if bv != av:
                out.append(FieldChange(f"報告[{dept}].{name}", dept, name,
                                       None if bv is None else str(bv), None if av is None else str(av)))
    return out

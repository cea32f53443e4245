"""``records/IMPORT_REPORT.md``: where every non-empty cell of the imported sheet went.

Written for the coordinator who checks the import: first the totals (which add up to
the number of non-empty cells in the source), then every cell that was not placed
with certainty — unplaced, guessed, normalised or possibly cut short — with its source
line and column and the reason.
"""

from __future__ import annotations

from collections import Counter

from .importer import Entry, ImportResult

_GUESS = ("推定", "みなしました", "補正", "としました", "分けました")


def categories(entry: Entry) -> list[str]:
    """The report sections an entry belongs to (an entry may need several remarks)."""
    if entry.kind == "unplaced":
        return ["未配置"]
    if entry.kind == "heading":
        return []
    out = []
    for note in entry.notes:
        if "直しました" in note:
            out.append("正規化")
        elif "切れた" in note:
            out.append("切れている可能性")
        elif any(k in note for k in _GUESS):
            out.append("推定して配置")
    return list(dict.fromkeys(out))


_SECTIONS = [
    ("未配置", "置き場所が決められなかったセル", "記録にも計画にも入れていません。内容を確かめ、必要なら該当する記録に手で入れてください。"),
    ("推定して配置", "推定して配置したセル", "列のずれなどから置き場所を推定しました。置き先が正しいか確かめてください。"),
    ("正規化", "値を直したセル", "PDFからの読み取りの誤りを直しました（直したのはこの種類だけです）。"),
    ("切れている可能性", "途中で切れている可能性があるセル", "文の途中で終わっています。原本で続きを確かめてください（内容はそのまま入れています）。"),
]


def _page_number(note: str) -> int:
    head = note.split("ページ目", 1)[0]
    return int(head) if head.isdigit() else 0


def _short(text: str, limit: int = 60) -> str:
    flat = text.replace("\n", " ")
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "｜").replace("\n", "<br>")


def render(result: ImportResult) -> str:
    entries = sorted(result.ledger.entries.values(), key=lambda e: (e.cell.line, e.cell.col))
    kinds = Counter(e.kind for e in entries)
    placed_records = sum(1 for e in entries if e.kind == "placed" and e.target.startswith("records/"))
    placed_plan = kinds["placed"] - placed_records
    lines = [
        "# 取り込み報告（IMPORT_REPORT）",
        "",
        f"元のファイル: `{result.source_name}`（`shinchoku import-sheet` が作成）",
        "",
        "元のファイルの空でないセル1つ1つについて、どこに入れたか、入れなかった場合はその理由を記録しています。",
        "黙って捨てたセルはありません。",
        "",
        "## 集計",
        "",
        "| 区分 | セル数 |",
        "|---|---:|",
        f"| 記録（records/）に入れた | {placed_records} |",
        f"| 計画（plan.yaml）に入れた | {placed_plan} |",
        f"| 表題・見出し | {kinds['heading']} |",
        f"| 置き場所が決められなかった | {kinds['unplaced']} |",
        f"| **合計（元のファイルの空でないセル）** | **{len(entries)}** |",
        "",
        f"施策 {len({r['No'] for r in result.records})} 件、記録 {len(result.records)} 件"
        f"（報告 {sum(len(r['報告']) for r in result.records)} 件）を作成しました。",
        "",
    ]
    if result.ledger.page_notes:
        lines += ["## 見出しの読み方", ""]
        lines += [f"- {n}" for n in sorted(result.ledger.page_notes, key=_page_number)]
        lines.append("")
    by_section: dict[str, list[Entry]] = {k: [] for k, _t, _d in _SECTIONS}
    for e in entries:
        for cat in categories(e):
            by_section[cat].append(e)
    for key, title, description in _SECTIONS:
        items = by_section[key]
        lines += [f"## {title}（{len(items)}件）", "", description, ""]
        if not items:
            lines += ["（ありません）", ""]
            continue
        lines += ["| 位置 | 内容 | 置き先 | 理由 |", "|---|---|---|---|"]
        for e in items:
            reason = "／".join(e.notes) if e.notes else ""
            target = e.target or "—"
            # Unplaced cells are shown whole, so they can be copied into a record by hand.
            text = e.cell.text if key == "未配置" else _short(e.cell.text)
            lines.append(f"| {e.cell.where} | {_cell(text)} | {target} | {_cell(reason)} |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"

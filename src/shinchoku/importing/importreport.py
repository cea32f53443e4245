"""``records/IMPORT_REPORT.md``: where every non-empty cell of the imported sheet went.

Written for the coordinator who checks the import: first a summary (placed certainly,
guessed — counted by the rules the guesses rest on —, placed by an override, set aside —
counted by reason; the totals add up to the number of non-empty cells in the source),
then every cell that was not placed with certainty — set aside, guessed (with its
rules), overridden, normalised or possibly cut short — with its source line and column
and the reason.  Sections are chosen from the notes' kinds (:class:`NoteKind`), never
from their wording.
"""

from __future__ import annotations

from collections import Counter

from shinchoku.importing.importer import Entry, ImportResult, Placement
from shinchoku.importing.importrules import NoteKind, Rule, SetAside

_KIND_SECTION = {
    NoteKind.OVERRIDDEN: "指定",
    NoteKind.GUESSED: "推定して配置",
    NoteKind.NORMALISED: "正規化",
    NoteKind.CUT_SHORT: "切れている可能性",
}


def categories(entry: Entry) -> list[str]:
    """The report sections an entry belongs to (an entry may need several remarks)."""
    if entry.kind is Placement.UNPLACED:
        return ["未配置"]
    if entry.kind is Placement.HEADING:
        return []
    return list(dict.fromkeys(_KIND_SECTION[n.kind] for n in entry.notes if n.kind in _KIND_SECTION))


def rules_of(entry: Entry) -> list[Rule]:
    return list(dict.fromkeys(r for n in entry.notes if n.kind is NoteKind.GUESSED for r in n.rules))


_SECTIONS = [
    ("未配置", "置かなかったセル", "記録にも計画にも入れていません。理由を確かめ、置くべきものは取り込みの指定"
     "（records/import-overrides.yaml）に書いて取り込み直してください。"),
    ("推定して配置", "推定して配置したセル", "空のセルが抜けて列がずれていたため、「規則」の列に書いた手がかりで置き場所を決めました。"
     "確実ではありません。置き先が正しいか、原本と照らして確かめてください。"),
    ("指定", "取り込みの指定で置いたセル", "records/import-overrides.yaml の指定どおりに置きました。"),
    ("正規化", "値を直したセル", "PDFからの読み取りの誤りを直しました（直したのはこの種類だけです）。"),
    ("切れている可能性", "途中で切れている可能性があるセル", "文の途中で終わっています。原本で続きを確かめてください（内容はそのまま入れています）。"),
]


def _short(text: str, limit: int = 60) -> str:
    flat = text.replace("\n", " ")
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "｜").replace("\n", "<br>")


def render(result: ImportResult) -> str:
    entries = sorted(result.ledger.entries.values(), key=lambda e: (e.cell.line, e.cell.col))
    kinds = Counter(e.kind for e in entries)
    placed = [e for e in entries if e.kind is Placement.PLACED]
    overridden = [e for e in placed if any(n.kind is NoteKind.OVERRIDDEN for n in e.notes)]
    guessed = [e for e in placed if e.guessed and e not in overridden]
    certain = [e for e in placed if not e.guessed and e not in overridden]

    def split(items: list[Entry]) -> tuple[int, int]:
        records = sum(1 for e in items if e.target.startswith("records/"))
        return records, len(items) - records

    c_rec, c_plan = split(certain)
    g_rec, g_plan = split(guessed)
    by_rule = Counter(r for e in guessed for r in rules_of(e))
    by_reason = Counter(e.reason or SetAside.UNKNOWN for e in entries if e.kind is Placement.UNPLACED)
    lines = [
        "# 取り込み報告（IMPORT_REPORT）",
        "",
        f"元のファイル: `{result.source_name}`（`shinchoku import-sheet` が作成）",
        "",
        "元のファイルの空でないセル1つ1つについて、どこに入れたか、入れなかった場合はその理由を記録しています。",
        "黙って捨てたセルはありません。確かめるときは「推定して配置したセル」と「置かなかったセル」を見てください。",
        "それ以外のセルは、見出しの列の位置どおりに置いたものです。",
        "",
        "## 集計",
        "",
        "| 区分 | 記録（records/） | 計画（plan.yaml） | 合計 |",
        "|---|---:|---:|---:|",
        f"| 確実に置いた（見出しの列どおり） | {c_rec} | {c_plan} | {len(certain)} |",
        f"| 推定して置いた（規則による） | {g_rec} | {g_plan} | {len(guessed)} |",
        f"| 取り込みの指定で置いた | {split(overridden)[0]} | {split(overridden)[1]} | {len(overridden)} |",
        f"| 表題・見出し | — | — | {kinds['heading']} |",
        f"| 置かなかった | — | — | {kinds['unplaced']} |",
        f"| **合計（元のファイルの空でないセル）** | | | **{len(entries)}** |",
        "",
        f"施策 {len({r['No'] for r in result.records})} 件、記録 {len(result.records)} 件"
        f"（報告 {sum(len(r['報告']) for r in result.records)} 件）を作成しました。",
        "",
    ]
    if by_rule:
        lines += ["### 推定に使った規則", "",
                  "1つのセルが複数の規則によることがあるため、合計は推定して置いたセルの数と一致しません。", "",
                  "| 規則 | セル数 |", "|---|---:|"]
        lines += [f"| {rule.value} | {by_rule[rule]} |" for rule in Rule if by_rule[rule]]
        lines.append("")
    if by_reason:
        lines += ["### 置かなかった理由", "", "| 理由 | セル数 |", "|---|---:|"]
        lines += [f"| {reason.value} | {by_reason[reason]} |" for reason in SetAside if by_reason[reason]]
        lines.append("")
    if result.ledger.page_notes:
        lines += ["## 見出しの読み方", ""]
        lines += [f"- {n}" for n in sorted(result.ledger.page_notes, key=lambda n: n.page)]
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
        if key == "推定して配置":
            lines += ["| 位置 | 内容 | 置き先 | 規則 | 理由 |", "|---|---|---|---|---|"]
        else:
            lines += ["| 位置 | 内容 | 置き先 | 理由 |", "|---|---|---|---|"]
        for e in items:
            reason = "／".join(n.text for n in e.notes) if e.notes else ""
            target = e.target or "—"
            # Unplaced cells are shown whole, so they can be copied into a record by hand.
            text = e.cell.text if key == "未配置" else _short(e.cell.text)
            if key == "推定して配置":
                named = "・".join(r.value for r in rules_of(e))
                lines.append(f"| {e.cell.where} | {_cell(text)} | {target} | {_cell(named)} | {_cell(reason)} |")
            else:
                lines.append(f"| {e.cell.where} | {_cell(text)} | {target} | {_cell(reason)} |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"

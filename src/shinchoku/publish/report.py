"""`shinchoku report --html`: a one-page dashboard of the progress sheet.

Three parts, all in one self-contained HTML file (inline CSS and SVG, no scripts,
fonts or anything fetched from elsewhere, so it opens from a shared folder or an
e-mail attachment and prints as it looks):

1. 進捗状況 counts per 推進方策 × fiscal year, as stacked bars in inline SVG;
2. year-over-year movement: reports that went to 計画通りに進んでいない from any other
   status (進んでいる, 完了, 計画を変更して実施), and out of it again;
3. the initiatives 計画通りに進んでいない, with their 課題, latest year first.

Counts are per report (initiative × lead department), as in ``shinchoku status``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from shinchoku.model import schema
from shinchoku.model.fields import Record
from shinchoku.model.plan import Plan
from shinchoku.model.schema import Shape
from shinchoku.publish import status

# Colours of the progress statuses: red for the one behind plan (the schema's
# x-behind-plan), the others in the schema's order; grey for 未記入.
BEHIND_COLOUR = "#c62828"
OTHER_COLOURS = ("#2e7d32", "#1565c0", "#ef6c00", "#6a1b9a", "#00838f")
NOT_REPORTED_COLOUR = "#b0b0b0"


def colours(shape: Shape) -> dict[str, str]:
    """{status: colour} in the schema's order, 未記入 last."""
    others = iter(OTHER_COLOURS)
    out = {s: BEHIND_COLOUR if s == shape.behind else next(others, OTHER_COLOURS[-1]) for s in shape.statuses}
    out[status.NOT_REPORTED] = NOT_REPORTED_COLOUR
    return out


def __getattr__(name: str) -> Any:
    # COLOURS: the statuses' colours in the bundled schema's order (what the page draws them in).
    if name == "COLOURS":
        return [c for s, c in colours(schema.shape()).items() if s != status.NOT_REPORTED]
    raise AttributeError(name)


@dataclass(frozen=True)
class Move:
    before_year: str
    year: str
    no: int
    name: str
    department: str
    before: str
    after: str
    issue: str       # 課題 of the later year


def movements(plan: Plan, recs: dict[tuple[str, int], dict[str, Any]], years: list[str],
              shape: Shape) -> list[Move]:
    """Reports whose 進捗状況 went into 進んでいない from another status (完了(目標を達成)
    → 進んでいない counts as much as 進んでいる → 進んでいない), or out of it into another
    status, from one year to the next (consecutive years of ``years``), latest year first.
    A year left blank (未記入) is no movement either way."""
    behind, field = shape.behind, shape.status
    out: list[Move] = []
    for prev, cur in reversed(list(zip(years, years[1:]))):
        for initiative in plan.initiatives():
            for dept in initiative.departments:
                a = Record(recs.get((prev, initiative.no))).report(dept) or {}
                b = Record(recs.get((cur, initiative.no))).report(dept) or {}
                sa, sb = a.get(field), b.get(field)
                if sa and sb and sa != sb and behind in (sa, sb):
                    out.append(Move(prev, cur, initiative.no, initiative.name, dept, sa, sb, b.get(status.ISSUE, "")))
    return out


# ----------------------------------------------------------------------------- SVG


def bars_svg(plan: Plan, summaries: list[status.YearSummary], shape: Shape) -> str:
    """Stacked horizontal bars: one small chart per 推進方策 (laid out in a grid), one bar
    per year, all on the same scale."""
    palette = colours(shape)
    categories, colour_of = list(palette), list(palette.values())
    strategies = [(s.get("番号", 0), s.get("名称", "")) for s in plan.strategies()]
    totals = [sum(s.counts.get((n, c), 0) for c in categories) for s in summaries for n, _ in strategies]
    most = max(totals + [1])
    label_w, bar_w, row_h, gap = 40, 390, 18, 5
    width = label_w + bar_w + 34
    height = len(summaries) * (row_h + gap) + 2
    charts: list[str] = []
    for number, name in strategies:
        parts: list[str] = []
        y = 1
        for summary in summaries:
            cells = [summary.counts.get((number, c), 0) for c in categories]
            total = sum(cells)
            parts.append(f'<text class="year" x="{label_w - 6}" y="{y + 13}" text-anchor="end">{escape(summary.year)}</text>')
            x = float(label_w)
            for cat, colour, n in zip(categories, colour_of, cells):
                if not n:
                    continue
                w = bar_w * n / most
                parts.append(
                    f'<rect class="seg" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h}" fill="{colour}" '
                    f'data-year="{escape(summary.year)}" data-strategy="{number}" data-status="{escape(cat)}" data-count="{n}">'
                    f'<title>{escape(summary.year)}年度 推進方策{number}　{escape(cat)}: {n}件</title></rect>')
                if w >= 16:
                    parts.append(f'<text class="n" x="{x + w / 2:.1f}" y="{y + 13}" text-anchor="middle">{n}</text>')
                x += w
            if total == 0:
                parts.append(f'<text class="none" x="{label_w + 4}" y="{y + 13}">記録なし</text>')
            else:
                parts.append(f'<text class="total" x="{x + 5:.1f}" y="{y + 13}">{total}</text>')
            y += row_h + gap
        charts.append(
            f'<figure class="strategy" data-strategy="{number}"><figcaption>推進方策{number}　{escape(name)}</figcaption>'
            f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="推進方策{number}の年度ごとの進捗状況">'
            + "".join(parts) + "</svg></figure>")
    return '<div class="charts">' + "".join(charts) + "</div>"


def legend(shape: Shape) -> str:
    items = colours(shape).items()
    return '<ul class="legend">' + "".join(
        f'<li><span class="swatch" style="background:{c}"></span>{escape(s)}</li>' for s, c in items) + "</ul>"


# ----------------------------------------------------------------------------- page

CSS = """
body{font-family:"Yu Gothic UI","Meiryo","Hiragino Sans","Noto Sans CJK JP",sans-serif;margin:0;color:#222;background:#f6f7f9}
header{background:#1f4e79;color:#fff;padding:14px 24px}
header h1{font-size:20px;margin:0}
header p{margin:4px 0 0;font-size:13px;opacity:.9}
main{padding:16px 24px;max-width:1100px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:12px 18px;margin-bottom:16px}
h2{font-size:17px;margin:4px 0 10px;border-left:5px solid #1f4e79;padding-left:8px}
h3{font-size:15px;margin:14px 0 6px}
.legend{list-style:none;padding:0;margin:0 0 8px;display:flex;flex-wrap:wrap;gap:14px;font-size:13px}
.swatch{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-1px;border-radius:2px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(470px,100%),1fr));gap:6px 24px}
.charts>*{min-width:0}
figure.strategy{margin:0;padding:4px 0}
figure.strategy figcaption{font-size:13px;font-weight:bold;margin:2px 0 4px}
.chart{display:block;max-width:100%;height:auto}
.chart text{font-size:12px;fill:#222}
.chart text.n{fill:#fff;font-weight:bold}
.chart text.total,.chart text.none{fill:#555}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:4px 0 6px}
.card{border:1px solid #dde1e6;border-radius:6px;padding:6px 12px;min-width:120px;background:#fafbfc}
.card b{display:block;font-size:22px}
.card span{font-size:12px;color:#555}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid #d0d5db;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#eef3f8;white-space:nowrap}
td.no{text-align:right;white-space:nowrap}
td.nowrap{white-space:nowrap}
td.issue{white-space:pre-wrap}
td{overflow-wrap:anywhere}
.down{color:#c62828;font-weight:bold}
.up{color:#2e7d32;font-weight:bold}
.muted{color:#666;font-size:13px}
details>summary{cursor:pointer;margin:8px 0}
@media (max-width:600px){header{padding:10px 12px}main{padding:10px 8px}section{padding:10px 10px}
table{font-size:12px}th,td{padding:4px 4px}th,td.nowrap{white-space:normal}
.card{min-width:0;flex:1 1 40%}
table.stack thead{display:none}table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:auto}
table.stack tr{border:1px solid #d0d5db;border-radius:4px;margin-bottom:8px;padding:4px 6px}
table.stack td{border:none;padding:2px 0;text-align:left}
table.stack td::before{content:attr(data-label) "：";color:#666;font-size:11px;font-weight:normal}}
@media print{body{background:#fff}section{border:none;break-inside:avoid}header{background:#fff;color:#000}}
"""


def render(plan: Plan, recs: dict[tuple[str, int], dict[str, Any]], years: list[str] | None = None,
           root: Path | None = None, generated: _dt.datetime | None = None) -> str:
    """The dashboard page (a complete HTML document)."""
    shape = schema.shape(root)
    behind = shape.behind or ""
    summaries = status.summarise(plan, recs, shape, years)
    shown = [s.year for s in summaries]
    when = (generated or _dt.datetime.now()).strftime("%Y年%m月%d日 %H:%M")
    h: list[str] = [
        "<!DOCTYPE html>", '<html lang="ja">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(plan.name)} 進捗ダッシュボード</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        f"<header><h1>{escape(plan.name)} 進捗ダッシュボード</h1>"
        f"<p>計画期間：{escape(plan.period)}　対象年度：{escape('・'.join(shown) or 'なし')}　作成：{when}"
        "　件数は報告ごと（施策 × 主管課）です</p></header>",
        "<main>",
    ]
    if summaries:
        latest = headline_year(summaries)
        h.append(f'<section id="latest"><h2>{escape(latest.year)}年度の状況</h2><div class="cards">')
        for cat, colour in colours(shape).items():
            h.append(f'<div class="card" style="border-left:5px solid {colour}"><b>{latest.total(cat)}</b>'
                     f"<span>{escape(cat)}</span></div>")
        h.append("</div></section>")
    from shinchoku.sheet.progressview import html_section

    h.append(html_section(plan, recs, (generated or _dt.datetime.now()).date()))     # 提出状況 (open years)
    h.append('<section id="chart"><h2>推進方策・年度ごとの進捗状況</h2>')
    h.append(legend(shape))
    h.append(bars_svg(plan, summaries, shape) if summaries else '<p class="muted">記録がありません。</p>')
    h.append("</section>")

    moves = movements(plan, recs, shown, shape)
    h.append(f'<section id="movement"><h2>前年度からの動き（{escape(behind)} への出入り）</h2>')
    if not moves:
        h.append(f'<p class="muted">前年度から {escape(behind)} に変わった報告、'
                 "そこから変わった報告はありません。</p>")
    else:
        down = sum(1 for m in moves if m.after == behind)
        h.append(f'<p class="muted" id="movement-counts">進んでいない へ変わった報告 <span class="down">{down}件</span>、'
                 f'進んでいない から変わった報告 <span class="up">{len(moves) - down}件</span></p>')
        h.append('<table class="stack"><thead><tr><th>年度</th><th>No</th><th>施策名</th><th>主管課</th><th>変化</th><th>課題（後の年度）</th></tr></thead><tbody>')
        for m in moves:
            cls = "down" if m.after == behind else "up"
            arrow = f"{'↓' if cls == 'down' else '↑'} {escape(m.before)} → {escape(m.after)}"
            h.append(f'<tr class="{cls}-row"><td class="nowrap" data-label="年度">{escape(m.before_year)} → {escape(m.year)}</td>'
                     f'<td class="no" data-label="No">{m.no}</td>'
                     f'<td data-label="施策名">{escape(m.name)}</td><td class="nowrap" data-label="主管課">{escape(m.department)}</td>'
                     f'<td class="{cls} nowrap" data-label="変化">{arrow}</td>'
                     f'<td class="issue" data-label="課題">{escape(m.issue) or "—"}</td></tr>')
        h.append("</tbody></table>")
    h.append("</section>")

    h.append(f'<section id="behind"><h2>{escape(behind)}施策と課題</h2>')
    if not summaries:
        h.append('<p class="muted">記録がありません。</p>')
    for k, summary in enumerate(reversed(summaries)):
        title = f"{escape(summary.year)}年度（{len(summary.behind)}件）"
        body = _behind_table(summary)
        if k == 0:
            h.append(f"<h3>{title}</h3>{body}")
        else:
            h.append(f"<details><summary>{title}</summary>{body}</details>")
    h.append("</section>")
    h.append("</main></body></html>")
    return "\n".join(h) + "\n"


def headline_year(summaries: list[status.YearSummary]) -> status.YearSummary:
    """The latest year with any 進捗状況 entered (a year just opened, all 未記入, is not
    the state of the plan); the latest year when none has."""
    for summary in reversed(summaries):
        if any(n for (_s, st), n in summary.counts.items() if st != status.NOT_REPORTED):
            return summary
    return summaries[-1]


def _behind_table(summary: status.YearSummary) -> str:
    if not summary.behind:
        return '<p class="muted">ありません。</p>'
    rows = "".join(
        f'<tr><td class="no">{no}</td><td>{escape(name)}</td><td class="nowrap">{escape(dept)}</td>'
        f'<td class="issue">{escape(issue) if issue else "<span class=muted>（課題の記入なし）</span>"}</td></tr>'
        for no, name, dept, issue in summary.behind)
    return ("<table><thead><tr><th>No</th><th>施策名</th><th>主管課</th><th>課題</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def write(root: Path, out: Path, years: list[str] | None = None) -> int:
    """Write the dashboard for the repository at ``root``; returns the number of years shown."""
    from shinchoku.publish import export

    plan, recs = export.load(root)
    if years:
        export.choose_years(plan, recs, years)     # raises on unknown years
    page = render(plan, recs, years, root)
    from shinchoku.fileout import write_atomic

    write_atomic(out, lambda tmp: tmp.write_text(page, encoding="utf-8", newline="\n"))
    return len(years) if years else len({k[0] for k in recs})

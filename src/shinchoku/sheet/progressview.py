"""The 提出状況 view of the yearly cycle for the dashboard (HTML) and for Excel (rows).

Built on :func:`shinchoku.rules.cycle.progress`; the CLI's text view is in
:mod:`shinchoku.commands.progress`."""

from __future__ import annotations

import datetime as _dt
from html import escape
from typing import Any

from shinchoku.model.fields import Record
from shinchoku.rules import cycle

STATE_COLOURS = {cycle.NOT_SUBMITTED: "#9e9e9e", cycle.SUBMITTED: "#1976d2",
                 cycle.SENT_BACK: "#e65100", cycle.APPROVED: "#2e7d32"}


def deadline_text(yp: cycle.YearProgress, today: _dt.date) -> str:
    if yp.deadline is None:
        return "締切日なし"
    left = yp.days_left(today)
    base = f"締切日 {yp.deadline.isoformat()}"
    if left > 0:
        return f"{base}（あと{left}日）"
    return f"{base}（今日が締切日）" if left == 0 else f"{base}（{-left}日過ぎています）"


def html_section(plan: Any, recs: dict[tuple[str, int], dict[str, Any]], today: _dt.date | None = None) -> str:
    """A <section id="progress"> with, per open year, a stacked bar and a table per
    department (counts, overdue, what is still due); "" when no year is open."""
    today = today or _dt.date.today()
    years = [y.label for y in plan.years if y.open]
    if not years:
        return ""
    h = ['<section id="progress"><h2>提出状況</h2>']
    for yp in cycle.progress(plan, recs, years, today=today):
        total = sum(yp.counts.values()) or 1
        h.append(f"<h3>{escape(yp.year)}年度　{escape(deadline_text(yp, today))}</h3>")
        h.append('<div style="display:flex;height:22px;border-radius:4px;overflow:hidden;margin:6px 0 4px">')
        for s in cycle.STATES:
            n = yp.counts[s]
            if n:
                h.append(f'<div title="{s} {n}件" style="width:{100 * n / total:.2f}%;background:{STATE_COLOURS[s]};'
                         f'color:#fff;font-size:12px;text-align:center;line-height:22px;overflow:hidden;white-space:nowrap">'
                         f'{s + " " if n / total >= 0.08 else ""}{n}</div>')
        h.append("</div>")
        h.append('<table class="stack"><thead><tr><th>主管課</th>' + "".join(
            f'<th style="color:{STATE_COLOURS[s]}">{s}</th>' for s in cycle.STATES)
            + "<th>期限超過</th><th>まだ出ていない報告（No）</th></tr></thead><tbody>")
        for dp in yp.departments:
            due = "、".join(f"{i.no}{'（差戻し）' if i.state == cycle.SENT_BACK else ''}" for i in dp.waiting) or "—"
            late = len(dp.overdue)
            h.append(f'<tr><td class="nowrap" data-label="主管課">{escape(dp.department)}</td>'
                     + "".join(f'<td class="no" data-label="{s}">{dp.counts[s]}</td>' for s in cycle.STATES)
                     + f'<td class="no" data-label="期限超過"{" style=color:#c62828;font-weight:bold" if late else ""}>{late}</td>'
                     + f'<td data-label="まだ出ていない報告（No）">{escape(due)}</td></tr>')
        h.append("</tbody></table>")
    h.append("</section>")
    return "\n".join(h)


def sheet_rows(plan: Any, recs: dict[tuple[str, int], dict[str, Any]], today: _dt.date | None = None,
               years: list[str] | None = None) -> list[list[Any]]:
    """The coordinator's 提出状況 sheet: a count table per year, then every report not 確認済."""
    today = today or _dt.date.today()
    years = years or [y.label for y in plan.years if y.open]
    rows: list[list[Any]] = []
    for yp in cycle.progress(plan, recs, years, today=today):
        rows.append([f"{yp.year}年度の提出状況（{deadline_text(yp, today)}）"])
        rows.append(["主管課", *cycle.STATES, "期限超過", "計"])
        for dp in yp.departments:
            rows.append([dp.department, *(dp.counts[s] for s in cycle.STATES), len(dp.overdue), sum(dp.counts.values())])
        rows.append(["合計", *(yp.counts[s] for s in cycle.STATES),
                     sum(len(d.overdue) for d in yp.departments), sum(yp.counts.values())])
        rows.append([])
        rows.append(["主管課", "No", "施策名", "状態", "期限超過", "変更者", "日時", "差戻しの理由"])
        for dp in yp.departments:
            for i in dp.items:
                if i.state != cycle.APPROVED:
                    rows.append([i.department, i.no, i.name, i.state, "期限超過" if i.overdue else "",
                                 i.changed_by, cycle.short_time(i.changed_at), i.reason])
        rows.append([])
    return rows or [["受付中の年度がありません"]]


# ----------------------------------------------------------------------------- beside the row

# Three columns right of the input workbook's layout (shinchoku.sheet.workbook writes their
# headers; the add-in fills them): the report's state, its comments, and a cell to type a
# new comment in (sent with the next 提出, or as the reason of a 差戻し, then emptied).
CYCLE_HEADERS = ("提出状況", "コメント（やりとり）", "新しいコメント")
CYCLE_HINT = "（［提出］・［差戻し］のときに添えます）"


def cycle_year(plan: Any) -> str:
    """The year whose state the workbook shows beside the rows: the last open one."""
    years = [y.label for y in plan.years if y.open]
    return years[-1] if years else ""


def row_cells(record: dict[str, Any] | None, department: str, year_open: bool) -> tuple[str, str]:
    """(state text, comments text) of one department's report."""
    report = Record(record).report(department)
    state = cycle.state_of(report, year_open)
    info = (report or {}).get(cycle.FIELD) or {}
    if info.get("日時"):
        state += f"（{cycle.short_time(str(info['日時']))[5:]} {info.get('変更者', '')}）"
    notes = "\n".join(cycle.comment_line(c) for c in cycle.comments(report))
    return state, notes


def history_lines(record: dict[str, Any] | None, department: str | None, year_open: bool) -> list[str]:
    """The 提出状況 and the comments of a record's reports (of ``department``), for
    ``shinchoku history``: [] when there is nothing of the cycle to show."""
    out: list[str] = []
    for name, report in Record(record).reports().items():
        if department and name != department:
            continue
        items = cycle.comments(report)
        info = report.get(cycle.FIELD) or {}
        if not items and not info:
            continue
        state = cycle.state_of(report, year_open)
        when = f"（{cycle.short_time(str(info.get('日時', '')))} {info.get('変更者', '')}）" if info else ""
        out.append(f"{name}: 提出状況 {state}{when}")
        for c in items:
            first, *more = str(c.get("本文", "")).split("\n")
            out.append(f"  {cycle.short_time(str(c.get('日時', '')))}  {c.get('記入者', '')}（{c.get('種類', '')}）: {first}")
            out += [f"      {line}" for line in more]
    return out


def review_changes(old: dict[str, Any] | None, new: dict[str, Any] | None
                   ) -> list[tuple[str, str, str | None, str | None]]:
    """(主管課, 項目, before, after) for what a change did to the cycle: a new state
    (提出状況) and each comment added (コメント), readable as they stand, for the review."""
    def state(rep):
        info = (rep or {}).get(cycle.FIELD)
        if not isinstance(info, dict):
            return None
        return f"{info.get('状態', '')}（{info.get('変更者', '')}）"

    out = []
    before, after = Record(old).reports(), Record(new).reports()
    for dept, rep in after.items():
        b = before.get(dept)
        if state(b) != state(rep) and state(rep) is not None:
            out.append((dept, cycle.FIELD, state(b), state(rep)))
        seen = {str(c.get("日時")) for c in cycle.comments(b)}
        for c in cycle.comments(rep):
            if str(c.get("日時")) not in seen:
                out.append((dept, cycle.COMMENTS, None, f"{c.get('種類', '')}: {c.get('本文', '')}"))
    return out

"""履歴 and 変更確認: what the records' history says, on a list sheet."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from shinchoku.actions.book import Answer, BookValues, Progress, Stop, Workbook, now, or_empty, update_or_say, when
from shinchoku.sharing.settings import Settings
from shinchoku.sheet import sheetmodel as sm


def _quiet(_text: str) -> None:
    pass


def history(given: BookValues, settings: Settings, say: Progress = _quiet) -> Answer:
    """履歴: who changed the selected cell's field, when, from what to what."""
    from shinchoku.model import schema
    from shinchoku.model.fields import FieldRef
    from shinchoku.sharing import history as history_mod

    wb = Workbook(given, settings)
    selection = given.selection
    if selection is None or selection.sheet != sm.SHEET_NAME:
        raise Stop(f"「{sm.SHEET_NAME}」シートで、履歴を見たいセルを選んでから［履歴］を押してください")
    col = next((c for c in wb.layout.columns if c.index == selection.column), None)
    data = next((r for r in wb.rows() if r.row == selection.row), None)
    if col is None or data is None or col.kind not in ("edit", "closed", "context"):
        raise Stop("施策の行の、進捗状況・実績・課題などのセルを選んでから［履歴］を押してください")
    ref = FieldRef(col.year, data.no, data.department, col.key)
    with wb.store() as store:
        note = update_or_say(store, "履歴")
        changes = history_mod.field_history(store, ref.year, ref.no, ref.field, ref.department)
    label = ref.label(schema.shape(wb.root).title(ref.field))
    rows: list[list[Any]] = [[f"{label} の履歴（新しい順）"], [note or f"{now()} 現在"],
                             ["日時", "変更した人", "変更前", "変更後", "コミットの説明", "コミット"]]
    for ch in changes:
        rows.append([when(ch.when), ch.author, or_empty(ch.before), or_empty(ch.after), ch.commit.subject,
                     ch.commit.short])
    if not changes:
        rows.append(["", "", "", "", "この項目はまだ変更されていません"])
    wb.listing(sm.HISTORY_SHEET, rows)
    return wb.answer


def review(given: BookValues, settings: Settings, say: Progress = _quiet) -> Answer:
    """変更確認: every change since the last approved review (協働推進課)."""
    from shinchoku.model import schema
    from shinchoku.publish import reviewpage
    from shinchoku.sharing import review as review_mod

    wb = Workbook(given, settings)
    with wb.store() as store:
        note = update_or_say(store, "変更")
        try:
            result = review_mod.collect(store)
        except review_mod.ReviewError as exc:
            raise Stop(str(exc)) from None
    items = reviewpage.rows(result)
    title = schema.shape(wb.root).title
    rows: list[list[Any]] = [[f"変更確認: {reviewpage.describe_base(result)}"], [f"{len(items)}件の変更（{now()} 現在）{note}"],
                             ["課", "No", "施策", "年度", "項目", "変更前", "変更後", "変更者", "日時", "コミット"]]
    for it in items:
        rows.append([it["主管課"], it["No"], it["施策名"], it["年度"], title(it["項目"]), or_empty(it["変更前"]),
                     or_empty(it["変更後"]), it["変更者"], when(_dt.datetime.fromisoformat(it["日時"])),
                     it["コミット"][:7]])
    wb.listing(sm.REVIEW_SHEET, rows)
    return wb.answer

"""提出, 差戻し, 確認 and 提出状況: the yearly cycle (:mod:`shinchoku.rules.cycle`) in Excel.

The three columns right of the layout show each row's 提出状況 and コメント and take a
新しいコメント (:mod:`shinchoku.sheet.progressview`); the server judges every transition
again.
"""

from __future__ import annotations

from typing import Any

from shinchoku.actions.book import (Answer, BookValues, Progress, Stop, Workbook, git_text, now, plan_at,
                                    read_records, update_or_say)
from shinchoku.sharing.settings import Settings
from shinchoku.sheet import sheetmodel as sm
from shinchoku.words import ASK_COORDINATOR

def _quiet(_text: str) -> None:
    pass


def cycle_columns(wb: Workbook) -> tuple[int, int, int] | None:
    """(state, comments, new comment) columns, when this workbook has them."""
    from shinchoku.sheet import progressview as pv

    last = max(c.index for c in wb.layout.columns)
    head = wb.values[sm.HEADER_ROW - 1] if len(wb.values) >= sm.HEADER_ROW else []
    text = head[last + 2] if len(head) > last + 2 else None
    if text != pv.CYCLE_HEADERS[2]:
        return None
    return last + 1, last + 2, last + 3


def show_cycle(wb: Workbook, plan, recs: dict[tuple[str, int], dict[str, Any]],
               cleared: set[tuple[int, str]] = frozenset(), *, partial: bool = False) -> None:
    """Write every data row's 提出状況 and コメント (and empty 新しいコメント of ``cleared``);
    with ``partial`` (``recs`` holds only the records that changed) only their rows."""
    from shinchoku.sheet import progressview as pv

    cols = cycle_columns(wb)
    year = pv.cycle_year(plan)
    if cols is None or not year:
        return
    runs: list[tuple[int, list[list[Any]]]] = []
    for row in wb.rows():
        if partial and (year, row.no) not in recs:
            continue
        state, notes = pv.row_cells(recs.get((year, row.no)), row.department, True)
        new = row.get(cols[2])
        new = None if row.key in cleared else (sm.text_of(new) if new not in (None, "") else None)
        line = [sm.to_cell(state), sm.to_cell(notes) if notes else None, sm.to_cell(new) if new else None]
        if runs and runs[-1][0] + len(runs[-1][1]) == row.row:
            runs[-1][1].append(line)
        else:
            runs.append((row.row, [line]))
    for first, block in runs:
        wb.write(sm.SHEET_NAME, first, cols[0], block)


def _chosen_rows(wb: Workbook) -> list[sm.DataRow]:
    """The data rows of the selection on the main sheet ([] when it holds none)."""
    sel = wb.given.selection
    if sel is None or sel.sheet != sm.SHEET_NAME:
        return []
    return [r for r in wb.rows() if sel.row <= r.row <= sel.last_row]


def _cycle(action: str, given: BookValues, settings: Settings, say: Progress) -> Answer:
    from shinchoku.rules import cycle
    from shinchoku.sharing import cycleops, sync
    from shinchoku.sheet import progressview as pv
    from shinchoku.store import GitError

    wb = Workbook(given, settings)
    author = settings.author()
    cols = cycle_columns(wb)
    chosen = _chosen_rows(wb)
    verb = cycleops.VERBS[action]
    if not chosen and action == cycleops.SUBMIT and wb.department:
        chosen = [r for r in wb.rows() if r.department == wb.department]
    if not chosen:
        extra = "（設定ファイルに department を書くと、選ばなくてもその課の報告をまとめて提出します）" \
            if action == cycleops.SUBMIT else ""
        raise Stop(f"「{sm.SHEET_NAME}」シートで、{verb}する施策の行を選んでから［{verb}］を押してください{extra}")
    texts_by_row = {}
    if cols is not None:
        for r in chosen:
            v = r.get(cols[2])
            texts_by_row[r.key] = sm.text_of(v).strip() if v not in (None, "") else ""
    if action == cycleops.SENDBACK:
        missing = [f"No.{r.no} {r.department}" for r in chosen if not texts_by_row.get(r.key)]
        if missing:
            where = f"「{pv.CYCLE_HEADERS[2]}」の列" if cols is not None \
                else "（このブックには入力欄がありません。shinchoku workbook で作り直してください）"
            raise Stop(f"差戻しには理由が必要です。{where}に、直してほしいことを書いてから［差戻し］を押してください"
                       f"（理由がない行: {'、'.join(missing)}）")
    with wb.store() as store:
        reading = sm.read_edits(wb.values, wb.state, lambda: plan_at(store, "HEAD"), wb.department, wb.root,
                                found=wb.found())
        keys = {r.key for r in chosen}
        unsent = [e for e in reading.edits if (e.no, e.department) in keys]
        if unsent:
            raise Stop(f"選んだ行に、まだ送信していない変更が {len(unsent)}件あります。先に［送信］してから、"
                       f"もう一度［{verb}］を押してください")
        say("中央のリポジトリから最新の記録を取得しています…")
        sync.update(store, author)
        plan = plan_at(store, "HEAD")
        if plan is None:
            raise Stop(f"計画（records/plan.yaml）が読めません。{ASK_COORDINATOR}")
        try:
            year = cycleops.default_year(plan, None)
        except cycle.CycleError as exc:
            raise Stop(str(exc)) from None
        targets = {r.key: cycleops.Target(year, r.no, r.department) for r in chosen}
        texts = {targets[k]: v for k, v in texts_by_row.items() if v}
        only = cycle.WAITING if action == cycleops.SUBMIT and len(chosen) > 1 else ()
        if action == cycleops.APPROVE:
            only = (cycle.SUBMITTED,)          # like `shinchoku approve` (its --force has no button)
        try:
            outcome = cycleops.apply(store, plan, action, list(targets.values()), author, texts=texts,
                                     only_states=only)
        except cycle.CycleError as exc:
            raise Stop(str(exc)) from None
        if outcome.commit:
            say(f"{verb}を中央のリポジトリへ送っています…")
            try:
                cycleops.send(store, author, progress=say)
            except GitError as exc:
                raise Stop(f"{verb}できませんでした（{verb}は取り消し、この PC の記録を中央と同じ状態に戻しました）。\n\n"
                           + git_text(exc)) from None
        _plan, recs, _only = read_records(store, store.head() or "HEAD", "", with_plan=False)
    if not outcome.done and not outcome.skipped and action == cycleops.APPROVE:
        raise Stop("選んだ行に提出済の報告がありません（確認できるのは、課が提出した報告だけです）")
    show_cycle(wb, plan, recs, cleared={(t.no, t.department) for t, _b in outcome.done})
    lines = [outcome.message() + "。"]
    lines += [f"・{t.label}: {b} → {cycleops.AFTER[action]}" for t, b in outcome.done]
    lines += [f"・{why}" for why in outcome.skipped]
    return wb.answer.say("\n".join(lines), critical=not outcome.done)


def submit(given: BookValues, settings: Settings, say: Progress = _quiet) -> Answer:
    """提出: the selected rows' reports (or all of the user's department) become 提出済."""
    from shinchoku.sharing.cycleops import SUBMIT

    return _cycle(SUBMIT, given, settings, say)


def send_back(given: BookValues, settings: Settings, say: Progress = _quiet) -> Answer:
    """差戻し (協働推進課): the selected rows go back, with the 新しいコメント as the reason."""
    from shinchoku.sharing.cycleops import SENDBACK

    return _cycle(SENDBACK, given, settings, say)


def approve(given: BookValues, settings: Settings, say: Progress = _quiet) -> Answer:
    """確認 (協働推進課): the selected rows' reports become 確認済."""
    from shinchoku.sharing.cycleops import APPROVE

    return _cycle(APPROVE, given, settings, say)


def progress(given: BookValues, settings: Settings, say: Progress = _quiet) -> Answer:
    """提出状況 (協働推進課): per department, what is 未提出/提出済/差戻し/確認済, on its sheet."""
    from shinchoku.sheet import progressview as pv

    wb = Workbook(given, settings)
    with wb.store() as store:
        note = update_or_say(store, "提出状況")
        plan, recs, _only = read_records(store, store.head() or "HEAD")
    show_cycle(wb, plan, recs)
    wb.listing(sm.PROGRESS_SHEET, [[f"提出状況（{now()} 現在）{note}"], *pv.sheet_rows(plan, recs)])
    return wb.answer

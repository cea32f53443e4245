"""取得, チェック and 送信: the sheet and the records kept in step.

取得 keeps edits not sent yet: a cell changed since the last pull keeps the user's text
and the value it was made against, so sending it later still notices someone else's
change to the same cell.  送信 sends the cells changed since 取得 (each a
:class:`~shinchoku.model.fields.FieldChange` made against its pulled value) through
:func:`shinchoku.sharing.sync.publish`; a cell someone else changed meanwhile is a
conflict, coloured and listed on the 競合 sheet.
"""

from __future__ import annotations

from typing import Any

from shinchoku.actions.book import (Answer, BookValues, Progress, Stop, Workbook, check_department, now, or_empty,
                                    plan_at, read_records, refusal, when)
from shinchoku.model.fields import FieldRef
from shinchoku.sharing.settings import Settings
from shinchoku.sheet import sheetmodel as sm


def _quiet(_text: str) -> None:
    pass


# ----------------------------------------------------------------------------- 取得


def pull(given: BookValues, settings: Settings, say: Progress = _quiet) -> Answer:
    """取得: bring the clone to the central head and fill the sheet (unsent edits kept)."""
    from shinchoku.sharing import sync

    wb = Workbook(given, settings, may_clone=True)
    cloned = ""
    if settings.needs_clone(wb.root):       # a new PC: make the clone from ``remote``
        from shinchoku.store import repo_setup

        say("中央のリポジトリを複製しています…")
        repo_setup.clone(settings.remote, wb.root)
        cloned = f"記録リポジトリを {wb.root} に作りました。"
    wrong_headers = sm.header_problem(wb.values, wb.layout, wb.root)
    if wrong_headers is not None:
        # Filling by the workbook's own column layout would write into the wrong columns.
        return Answer().say(f"{wrong_headers.address}: {wrong_headers.message}", critical=True)
    say("中央のリポジトリから最新の記録を取得しています…")
    with wb.store() as store:
        head = sync.update(store)
        repaired = list(store.repaired)          # what an interrupted git had left, put right
        say("シートに書き込んでいます…")
        plan, recs, only = read_records(store, head, wb.state.base)
    check_department(wb, plan)
    result = sm.fill(wb.values, wb.state, recs, head, plan, wb.department, pulled_at=now(), only=only,
                     found=wb.found())
    wb.unmark()
    result.state.marked = []
    wb.write_fill(result)
    wb.save_marks()
    from shinchoku.actions.cycle import show_cycle

    show_cycle(wb, plan, recs, partial=only is not None)      # 提出状況 and コメント beside the rows
    lines = [f"{note}。" for note in repaired] + [f"{cloned}最新の記録を取得しました（{head[:7]}）。"]
    lines.append(f"{result.updated}件のセルを更新しました。" if result.updated else "シートはすでに最新の内容です。")
    if result.kept:
        lines.append(f"まだ送信していない変更 {result.kept}件は、そのまま残しています（［送信］で送れます）。")
    if result.missing:
        shown = "、".join(f"No.{no} {d}" for no, d in result.missing[:5])
        more = f" ほか{len(result.missing) - 5}件" if len(result.missing) > 5 else ""
        lines.append(f"計画にあってシートにない行があります（{shown}{more}）。"
                     "shinchoku workbook でブックを作り直すと表示されます。")
    now_open = [y.label for y in plan.years if y.open]
    if plan.years and now_open != wb.layout.open_years():
        lines.append(f"受付中の年度が変わりました（このブック: {'・'.join(wb.layout.open_years()) or 'なし'}、"
                     f"今: {'・'.join(now_open) or 'なし'}）。新しい入力用ブックを作成してください（shinchoku workbook）。")
    if result.closed_changed:
        lines.append(f"締切の年度で {result.closed_changed}件の内容が更新されています。"
                     "ブックを作り直すと表示されます。")
    return wb.answer.say("\n".join(lines))


# ----------------------------------------------------------------------------- チェック


def read_edits(wb: Workbook, store) -> sm.SheetReading:
    """The cells changed since 取得, checked (:class:`Stop` for a department the plan lacks)."""
    check_department(wb, lambda: plan_at(store, "HEAD"))
    return sm.read_edits(wb.values, wb.state, lambda: plan_at(store, "HEAD"), wb.department, wb.root,
                         found=wb.found())


def check(given: BookValues, settings: Settings, say: Progress = _quiet) -> Answer:
    """チェック: check the changed cells without sending anything."""
    wb = Workbook(given, settings)
    with wb.store() as store:
        reading = read_edits(wb, store)
    wb.unmark()
    if reading.problems:
        return _typed_wrong(wb, reading, f"{len(reading.problems)}件のエラーがあります。色の付いたセルを直してください"
                                         f"（一覧は「{sm.ERROR_SHEET}」シート）。")
    wb.save_marks()
    wb.no_errors()
    note = "\n".join(reading.skipped)
    return wb.answer.say(f"エラーはありません。送信する変更は {len(reading.edits)}件です。" + (f"\n{note}" if note else ""))


def _typed_wrong(wb: Workbook, reading: sm.SheetReading, alert: str) -> Answer:
    """The cells typed wrong, coloured and listed; nothing sent."""
    wb.problems(reading.problems, "入力内容のエラー（送信していません）")
    return wb.answer.say(alert, critical=True)


# ----------------------------------------------------------------------------- 送信


def push(given: BookValues, settings: Settings, say: Progress = _quiet) -> Answer:
    """送信: send the cells changed since the pull; conflicts stay in the sheet."""
    from shinchoku.sharing import sync
    from shinchoku.store import GitError

    wb = Workbook(given, settings)
    author = settings.author()
    with wb.store() as store:
        reading = read_edits(wb, store)
        wb.unmark()
        if reading.problems:
            return _typed_wrong(wb, reading, f"{len(reading.problems)}件のエラーがあるため、送信しませんでした。"
                                             "色の付いたセルを直してから、もう一度［送信］を押してください"
                                             f"（一覧は「{sm.ERROR_SHEET}」シート）。")
        if not reading.edits:
            wb.save_marks()
            return wb.answer.say("送信する変更はありません（取得したあと、変更したセルがありません）。"
                                 + ("\n" + "\n".join(reading.skipped) if reading.skipped else ""))
        say(f"{len(reading.edits)}件の変更を送信しています…")
        try:
            result = sync.publish(store, reading.edits, author, progress=say)
        except sync.Rejected as exc:
            problems = [reading.place(p, wb.root) for p in exc.problems]
            wb.problems(problems, "記録の確認で見つかった問題（送信していません）")
            return wb.answer.say(f"記録の確認で {len(problems)}件の問題が見つかったため、送信しませんでした"
                                 f"（一覧は「{sm.ERROR_SHEET}」シート）。", critical=True)
        except GitError as exc:
            refused = [reading.place(p, wb.root) for p in _report_fields(exc.detail)]
            if refused:
                wb.problems(refused, "中央のリポジトリが受け付けなかった内容（送信していません）")
            else:
                wb.save_marks()
            return wb.answer.say(refusal(exc), critical=True)
        say("シートを最新の内容にしています…")
        try:
            _plan, recs, only = read_records(store, result.head, wb.state.base, with_plan=False)
        except Stop as exc:
            # sent, but the new head cannot be shown: the sheet keeps its values and its
            # base, so a later 送信 finds the cells already there
            raise Stop(f"{len(result.sent)}件のセルを送信しましたが、シートを最新の内容にできませんでした。\n{exc}") from None
    keep: dict[FieldRef, str | None] = {e.ref: e.after for e in result.sent + result.already}
    conflict_rows: list[list[Any]] = []
    conflict_cells = []
    title = _titles(wb)
    for c in result.conflicts:
        ref = c.edit.ref
        keep[ref] = c.theirs            # sending again overwrites theirs on purpose
        addr = reading.cells.get(ref, "")
        conflict_cells.append(addr)
        conflict_rows.append([addr, ref.label(title(ref.field)), or_empty(c.edit.after), or_empty(c.theirs),
                              c.author, when(c.when), c.commit[:7]])
    filled = sm.fill(wb.values, wb.state, recs, result.head, None, wb.department, keep=keep, only=only,
                     found=wb.found())
    filled.state.marked = wb.state.marked
    wb.write_fill(filled)
    wb.mark(conflict_cells, sm.CONFLICT_FILL)
    wb.save_marks()
    wb.no_errors()
    if conflict_rows:
        wb.listing(sm.CONFLICT_SHEET, [
            ["ほかの人が先に変更していたため、送信しなかったセル"],
            ["自分の値はセルに残っています。自分の値で上書きするときは、そのままもう一度［送信］を、"
             "相手の値にするときはセルを相手の値に直してください。"],
            ["セル", "項目", "自分の値", "相手の値", "変更した人", "日時", "コミット"], *conflict_rows])
    else:
        wb.note_on(sm.CONFLICT_SHEET, f"競合はありません（{now()} 送信）")
    sent = len(result.sent)
    text = "".join(f"{note}。\n" for note in result.repaired)
    text += f"{sent}件のセルを送信しました。" if sent else "送信したセルはありません。"
    if result.already:
        text += f"\n同じ内容がすでに登録されていたセル {len(result.already)}件"
    if result.conflicts:
        text += f"\n競合 {len(result.conflicts)}件（「{sm.CONFLICT_SHEET}」シートをご覧ください）"
    if reading.skipped:
        text += "\n" + "\n".join(reading.skipped)
    return wb.answer.say(text, critical=bool(result.conflicts))


def _titles(wb: Workbook):
    from shinchoku.model import schema

    return schema.shape(wb.root).title


def _report_fields(said: str):
    """The central repository's findings about report fields, read back from its text
    (``records/R2/05.yaml:13: 報告[課].項目: …``)."""
    from shinchoku.rules.validate import Problem

    found = (Problem.parse(line) for line in (said or "").splitlines())
    return [p for p in found if p is not None and p.ref is not None]

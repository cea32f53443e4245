"""The buttons' work: what each button of the 進捗管理 tab does, as plain functions.

Each button is one function here, called with plain values — what the add-in read from
the workbook (:class:`~shinchoku.actions.book.BookValues`: the main sheet's cells as a
list of rows, the hidden state sheet's, the selection, the sheets' names) and the
user's :class:`~shinchoku.sharing.settings.Settings` — that does the button's work on
the records (through :class:`~shinchoku.store.Store` and the sharing layer) and returns
an :class:`~shinchoku.actions.book.Answer`: what to write where (blocks of cells,
colours, list sheets such as エラー / 競合 / 履歴 / 変更確認 / 提出状況) and the alert's
Japanese text.  Nothing is written to the workbook here, so a button's work is tested
without Excel or xlwings (tests/test_actions.py), and a refusal raised half way leaves
the workbook as it was.

* :mod:`~shinchoku.actions.send` — 取得, チェック, 送信;
* :mod:`~shinchoku.actions.lookup` — 履歴, 変更確認;
* :mod:`~shinchoku.actions.cycle` — 提出, 差戻し, 確認, 提出状況;
* :mod:`~shinchoku.actions.book` — the values read, the answer, and the words shared by
  the buttons.

The glue (:mod:`shinchoku.addin`, also run by xlwings Server through
:mod:`shinchoku.xlserver`) reads the cells, calls one of these, applies the answer and
shows the alert.  This package never imports xlwings.
"""

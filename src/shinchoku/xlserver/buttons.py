"""The buttons the server offers: one line each (id, label, group, tooltip).

The ids are the RunPython add-in's (``shinchoku.addin.BUTTONS``, ``addin/customUI.xml``);
every id there is registered as an xlwings Server script automatically
(:mod:`shinchoku.xlserver.scripts`), and this table gives the Office.js ribbon and task
pane their Japanese labels.  A button added to the add-in gets its line here (a test
checks the three lists agree).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Button:
    id: str
    label: str
    group: str          # "staff" (進行管理シート) or "coordinator" (協働推進課)
    tip: str


BUTTONS: list[Button] = [
    Button("shinchoku_pull", "取得", "staff", "中央の最新の記録をシートに取り込みます。入力中の内容は上書きしません。"),
    Button("shinchoku_check", "チェック", "staff", "送信せずに、入力した内容が正しいかを確かめます。"),
    Button("shinchoku_push", "送信", "staff", "取得してから変更したセルを、自分の名前で中央に送ります。重なった変更は競合シートに出します。"),
    Button("shinchoku_history", "履歴", "staff", "選んでいるセルの項目を、いつ、誰が、どう変えたかを履歴シートに出します。"),
    Button("shinchoku_submit", "提出", "staff", "選んだ行の報告（選んでいないときは自分の課の報告）を提出します。差戻しの報告は、直して送信したあと、もう一度提出します。"),
    Button("shinchoku_review", "変更確認", "coordinator", "前回の確認（承認）以降に各課が変更した内容を、変更確認シートに一覧にします。"),
    Button("shinchoku_progress", "提出状況", "coordinator", "課ごとに、未提出・提出済・差戻し・確認済の件数と、締切日を過ぎた報告を提出状況シートに出します。"),
    Button("shinchoku_sendback", "差戻し", "coordinator", "選んだ行の報告を課に差し戻します。理由はその行の「新しいコメント」の列に書きます。"),
    Button("shinchoku_approve", "確認", "coordinator", "選んだ行の提出済の報告を確認済にします（公表用のシートに載り、課では変更できなくなります）。"),
]

GROUPS = {"staff": "進行管理シート", "coordinator": "協働推進課"}

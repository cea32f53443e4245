"""`shinchoku sendback`: 差戻し — the coordinator returns a report with a reason."""

from __future__ import annotations

DESCRIPTION = """\
（調整担当）報告を理由を付けて課に差し戻します。理由はコメントとして記録に残り、課は
Excel の進行管理シート（コメント欄）・shinchoku history・shinchoku progress で読めます。
メールの設定があれば、課に理由を知らせるメールが届きます。

確認済の報告を差し戻すと、課がもう一度直せるようになります（確認の取り消し）。

例:
  shinchoku sendback 5 --department 指導室 --reason "実績に参加人数を書いてください"
  shinchoku sendback 5 9 -d 協働推進課 --reason "課題の欄が空です" --year R3

終了コード: 0 できた、1 できなかった、2 使い方の誤り（理由がないときも）
"""


def configure(p) -> None:
    from shinchoku.commands._cycle import add_common

    add_common(p, nos_required=True)
    p.add_argument("--reason", "-r", default="", metavar="理由", help="差し戻す理由（必須）")


def run(args) -> int:
    from shinchoku.commands._cycle import run_action
    from shinchoku.errors import UsageError
    from shinchoku.sharing import cycleops

    if not args.reason.strip():
        raise UsageError("差戻しには理由が必要です（--reason \"直してほしいこと\" を付けてください）")
    if not args.department:
        raise UsageError("差し戻す課を --department で指定してください")
    return run_action(args, cycleops.SENDBACK, text=args.reason)

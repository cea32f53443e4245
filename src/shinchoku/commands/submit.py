"""`shinchoku submit`: 提出 — the department hands its reports in for the year."""

from __future__ import annotations

DESCRIPTION = """\
報告を提出します（未提出・差戻しの報告が提出済になります）。提出した報告は協働推進課
（調整担当）が確認し、確認済にするか、理由を付けて差し戻します。提出したあとも、確認済に
なるまでは内容を直せます（直して送信しても提出済のままです）。

差戻しになった報告は、直して送信しただけでは差戻しのままです。直したら、もう一度提出して
ください。--comment で調整担当への回答を添えられます。

例:
  shinchoku submit --department 指導室                 受付中の年度の、指導室の報告をすべて
  shinchoku submit 5 9 --department 協働推進課          No.5 と No.9 だけ
  shinchoku submit 5 -d 指導室 --comment "参加人数を追記しました"

終了コード: 0 できた、1 できなかった（理由を表示します）、2 使い方の誤り
"""


def configure(p) -> None:
    from shinchoku.commands._cycle import add_common

    add_common(p)
    p.add_argument("--comment", default="", metavar="本文", help="調整担当への回答（コメントとして残ります）")


def run(args) -> int:
    from shinchoku.commands._cycle import run_action
    from shinchoku.errors import UsageError
    from shinchoku.rules import cycle
    from shinchoku.sharing import cycleops

    if not args.department:
        raise UsageError("提出する課を --department で指定してください")
    return run_action(args, cycleops.SUBMIT, text=args.comment, only_states=cycle.WAITING if not args.nos else ())

"""`shinchoku approve`: 確認 — the coordinator accepts submitted reports."""

from __future__ import annotations

DESCRIPTION = """\
（調整担当）提出済の報告を確認済にします。確認済の報告は公表用の進行管理シート
（shinchoku export）に載り、課の担当者は変更できなくなります（直すときは差し戻します）。

No も課も指定しないと、その年度の提出済の報告をすべて確認します。No や課を指定したときも、
確認するのは提出済の報告だけです（--force で未提出・差戻しの報告も確認済にします）。

例:
  shinchoku approve                         受付中の年度の、提出済の報告をすべて
  shinchoku approve 5 -d 指導室
  shinchoku approve --department 協働推進課 --note "内容を確認しました"

終了コード: 0 できた、1 できなかった、2 使い方の誤り
"""


def configure(p) -> None:
    from shinchoku.commands._cycle import add_common

    add_common(p)
    p.add_argument("--note", default="", metavar="本文", help="課へのひとこと（コメントとして残ります）")
    p.add_argument("--force", action="store_true", help="提出済でない報告も確認済にします")


def run(args) -> int:
    from shinchoku.commands._cycle import run_action
    from shinchoku.rules import cycle
    from shinchoku.sharing import cycleops

    return run_action(args, cycleops.APPROVE, text=args.note,
                      only_states=() if args.force else (cycle.SUBMITTED,))

"""`shinchoku workbook`: the staff workbook the Excel add-in works in."""

from __future__ import annotations

from pathlib import Path

from shinchoku.commands import _shared as options
from shinchoku.errors import UsageError

DESCRIPTION = """\
各課が Excel で入力するためのブック（入力用の進行管理シート）を作ります。

公表用のシートと同じ列（No・推進方策・目標・施策・主管課・関係課・事業内容・計画、
年度ごとの 進捗状況／実績／課題／次年度へ向けた取組／備考）に今の記録を入れ、
受付中の年度だけを入力できるようにします（締切の年度と計画は灰色で変更できません）。
進捗状況は一覧から選べます。受付中の年度の実績の横には、前年度の「次年度へ向けた取組」を
参考として表示します。記録の取得・送信は、アドインの［取得］［送信］ボタンで行います。

例:
  shinchoku workbook                          # 進行管理シート_入力用.xlsx を作る
  shinchoku workbook 指導室.xlsx --department 指導室

終了コード: 0 作った、1 作れなかった、2 使い方の誤り
"""


@options.repo
@options.option("--department", metavar="課", default="", help="この課の行だけのブックにします")
def configure(p) -> None:
    p.add_argument("out", nargs="?", default="進行管理シート_入力用.xlsx", metavar="OUT.xlsx",
                   help="作るブック（省略すると 進行管理シート_入力用.xlsx）")


def run(args) -> int:
    from shinchoku.sheet import workbook

    out = Path(args.out)
    options.output_suffix(out, ".xlsx")
    try:
        with options.writing(out):
            rows, base = workbook.from_repository(options.root_of(args), out, args.department.strip())
    except workbook.UnknownDepartment as exc:
        raise UsageError(f"{exc}。--department の課名を確かめてください（ブックは作っていません）") from None
    if rows == 0:
        options.note(f"「{args.department}」が主管課の施策がありません")
    where = f"（コミット {base[:7]} の記録）" if base else ""
    print(f"{out} を作りました（{rows}行）{where}")
    return 0

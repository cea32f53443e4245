"""`shinchoku workbook`: the staff workbook the Excel add-in works in."""

from __future__ import annotations

import sys
from pathlib import Path

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


def configure(p) -> None:
    p.add_argument("out", nargs="?", default="進行管理シート_入力用.xlsx", metavar="OUT.xlsx",
                   help="作るブック（省略すると 進行管理シート_入力用.xlsx）")
    p.add_argument("--department", metavar="課", default="", help="この課の行だけのブックにします")
    p.add_argument("--repo", metavar="DIR", help="記録リポジトリの場所（省略すると現在のフォルダから探します）")


def run(args) -> int:
    from shinchoku.model import records, yamlio
    from shinchoku.sheet import workbook

    root = records.find_root(Path(args.repo) if args.repo else None)
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        print(f"shinchoku: 注意: ファイル名の拡張子が .xlsx ではありません（{out.name}）", file=sys.stderr)
    try:
        rows, base = workbook.from_repository(root, out, args.department.strip())
    except FileNotFoundError as exc:
        print(f"shinchoku: {exc}", file=sys.stderr)
        return 1
    except workbook.UnknownDepartment as exc:
        print(f"shinchoku: {exc}。--department の課名を確かめてください（ブックは作っていません）", file=sys.stderr)
        return 2
    except yamlio.YamlError as exc:
        print(f"shinchoku: 計画を読めないため、ブックを作っていません: records/plan.yaml:{exc.line}: {exc.message}", file=sys.stderr)
        return 1
    except PermissionError:
        print(f"shinchoku: {out} に書き込めません（Excel などで開いていれば閉じてから、もう一度実行してください）", file=sys.stderr)
        return 1
    if rows == 0:
        print(f"shinchoku: 注意: 「{args.department}」が主管課の施策がありません", file=sys.stderr)
    where = f"（コミット {base[:7]} の記録）" if base else ""
    print(f"{out} を作りました（{rows}行）{where}")
    return 0

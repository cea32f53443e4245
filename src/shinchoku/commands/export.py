"""`shinchoku export`: the published sheet (xlsx, pdf) and flat tables (csv, jsonl)."""

from __future__ import annotations

from pathlib import Path

from shinchoku.commands import _shared as options

DESCRIPTION = """\
記録を書き出します。

  xlsx   公表用の進行管理シート（表題・3段の見出し・推進方策と目標の行・施策と主管課ごとの行）。
         A3 横・見出し行をページごとに繰り返す印刷設定付き
  pdf    上の xlsx を LibreOffice で PDF にしたもの（LibreOffice が入っている PC のみ）。
         既定では報告が入っている年度だけ。文字が小さくならないよう、年度ごとにページを分けます
  csv    施策 × 主管課 × 年度 を1行にした表（Excel でそのまま開ける UTF-8・BOM 付き）。
         = + - @ で始まる文字は、数式として動かないよう先頭に ' を付けます
  jsonl  同じ内容を1行1件の JSON で（BI ツール・オープンデータ向け）

例:
  shinchoku export xlsx 進行管理シート.xlsx
  shinchoku export pdf 進行管理シート.pdf --years R1,R2
  shinchoku export csv opendata.csv
  shinchoku export xlsx 確認用.xlsx --all          確認前の報告も含めて

書き出すのは確認済の報告だけです（受付中の年度では、協働推進課が確認した報告だけが載ります。
締め切った年度の、提出状況のない報告は確認済とみなします）。--all を付けると、すべての報告を
書き出します。載せなかった報告があるときは、その件数をシートの印刷見出しと表題のメモに書きます。

終了コード: 0 書き出した、1 書き出せなかった、2 使い方の誤り
"""

KINDS = ("xlsx", "pdf", "csv", "jsonl")


@options.repo
@options.option("--all", action="store_true", dest="all_states",
                help="確認済でない報告（未提出・提出済・差戻し）も書き出します（内部での確認用）")
@options.option("--years", metavar="年度", help="書き出す年度（例: R1,R2。省略すると記録のある年度すべて）")
def configure(p) -> None:
    p.add_argument("kind", choices=KINDS, metavar="形式", help="xlsx・pdf・csv・jsonl のどれか")
    p.add_argument("out", metavar="OUT", help="書き出すファイル")


def run(args) -> int:
    from shinchoku.publish import export

    out = Path(args.out)
    options.output_suffix(out, f".{args.kind}", "書き出すファイル名")
    with options.writing(out):
        count, warnings = export.export(options.root_of(args), args.kind, out, export.parse_years(args.years),
                                        args.all_states)
    for w in warnings:
        options.note(w)
    unit = "行" if args.kind in ("csv", "jsonl") else "件の記録"
    print(f"{out} に書き出しました（{count}{unit}）")
    return 0

"""`shinchoku report --html FILE`: the progress dashboard."""

from __future__ import annotations

from pathlib import Path

from shinchoku.commands import _shared as options

DESCRIPTION = """\
進捗状況のダッシュボードを1つの HTML ファイルに書き出します（ブラウザーで開くだけで見られ、
外部のファイルやインターネットは使いません。そのまま印刷もできます）。

  ・推進方策・年度ごとの進捗状況の件数（積み上げ棒グラフ）
  ・前年度からの動き（計画通りに進んでいない に変わった報告、そこから変わった報告。完了などからも数えます）
  ・計画通りに進んでいない施策とその課題

件数は報告ごと（施策 × 主管課）です。進捗状況が空の報告は「未記入」として数えます。

例:
  shinchoku report --html ダッシュボード.html
  shinchoku report --html ダッシュボード.html --years R1,R2

終了コード: 0 書き出した、1 書き出せなかった、2 使い方の誤り
"""


@options.repo
@options.option("--years", metavar="年度", help="対象の年度（例: R1,R2。省略すると記録のある年度すべて）")
def configure(p) -> None:
    p.add_argument("--html", metavar="FILE", required=True, help="書き出す HTML ファイル")


def run(args) -> int:
    from shinchoku.publish import export, report

    out = Path(args.html)
    with options.writing(out):
        n = report.write(options.root_of(args), out, export.parse_years(args.years))
    print(f"{out} にダッシュボードを書き出しました（{n}年度分）")
    return 0

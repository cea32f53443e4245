"""`shinchoku import-sheet`: import the published progress sheet into records/."""

from __future__ import annotations

import sys
from pathlib import Path

DESCRIPTION = """\
公表されている進行管理シート（PDFをタブ区切りテキストに書き出したもの）を読み込み、
records/plan.yaml（計画）と records/<年度>/<No>.yaml（施策ごと・年度ごとの記録）を作ります。
空でないセルはすべて、記録・計画のどこかに入れるか、records/IMPORT_REPORT.md に
位置（行・列）と理由を書き出します。黙って捨てるセルはありません。
置き場所を直したいセルは records/import-overrides.yaml に書いておくと、
取り込み直すたびにその指定どおりに置かれます（--overrides で別のファイルも指定できます）。

例:
  shinchoku import-sheet tests/data/fuchu_shinkou_kanri.tsv
  shinchoku import-sheet シート.tsv --repo ../records-repo
  shinchoku import-sheet シート.tsv --dry-run        # 書き込まずに集計だけ表示
  shinchoku import-sheet シート.tsv --force          # 既存の記録を上書き
  shinchoku import-sheet シート.tsv --force --allow-removal   # シートにない記録を消すことも認める

終了コード: 0 取り込み完了、1 取り込めなかった、2 使い方の誤り
"""


def configure(p) -> None:
    p.add_argument("file", metavar="FILE", help="取り込むファイル（タブ区切りテキスト）")
    p.add_argument("--repo", metavar="DIR", default=".", help="書き込む記録リポジトリ（省略すると現在のフォルダ）")
    p.add_argument("--dry-run", action="store_true", help="ファイルを書かずに、結果の集計だけ表示します")
    p.add_argument("--force", action="store_true", help="records/ にすでに記録があっても上書きします")
    p.add_argument("--allow-removal", action="store_true",
                   help="--force と一緒に: シートにない既存の記録を消すことを認めます（付けないと、消える記録を表示して止まります）")
    p.add_argument("--overrides", metavar="FILE", default=None,
                   help="取り込みの指定（省略すると records/import-overrides.yaml があればそれを使います）")


def run(args) -> int:
    from shinchoku.importing import sheetimport

    done = sheetimport.import_sheet(Path(args.file), Path(args.repo),
                                    overrides=Path(args.overrides) if args.overrides else None,
                                    force=args.force, allow_removal=args.allow_removal, dry_run=args.dry_run)
    return report(done)


def report(done) -> int:
    """What the import did (or, for a dry run, would do); 1 when the written records have
    problems (listed, one a line)."""
    from shinchoku.importing.sheetimport import removed_list

    print(done.summary)
    if not done.written:
        if done.removed:
            print(removed_list(done.removed), file=sys.stderr)
            print(f"取り込むと、シートにない既存の記録 {len(done.removed)}件が消えます（--force --allow-removal が必要です）")
        return 0
    print(f"詳しくは {done.report_path} を確かめてください")
    for p in done.problems:
        print(p)
    return 1 if done.problems else 0

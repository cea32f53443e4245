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
    from shinchoku.importing import importer, importreport
    from shinchoku.model import records
    from shinchoku.rules import validate

    src = Path(args.file)
    if not src.is_file():
        print(f"shinchoku: ファイルがありません: {src}", file=sys.stderr)
        return 2
    if src.suffix.lower() in (".xlsx", ".xlsm") and args.overrides:
        print("shinchoku: --overrides はタブ区切りテキストの取り込みで使います（Excel のブックは列の見出しどおりに読むため不要です）",
              file=sys.stderr)
        return 2
    if src.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            from shinchoku.importing import xlsxgrid  # the published layout, written by `shinchoku export xlsx`
        except ImportError:
            print("shinchoku: この版では .xlsx の取り込みに対応していません", file=sys.stderr)
            return 1
        import zipfile

        from shinchoku.importing.xlsxguard import Refused

        try:
            result = xlsxgrid.import_xlsx(src)
        except Refused as exc:
            print(f"shinchoku: {exc}（何も書き込んでいません）", file=sys.stderr)
            return 1
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            print(f"shinchoku: {src} を Excel のブック（.xlsx）として開けません（壊れているか、別の形式のファイルです）", file=sys.stderr)
            return 1
    else:
        from shinchoku.importing import importoverrides

        given = Path(args.overrides) if args.overrides else Path(args.repo) / importoverrides.RELPATH
        if args.overrides and not given.is_file():
            print(f"shinchoku: 取り込みの指定のファイルがありません: {given}", file=sys.stderr)
            return 2
        try:
            overrides = importoverrides.load(given, Path(args.repo)) if given.is_file() else []
            result = importer.import_file(src, overrides)
        except importoverrides.OverrideError as exc:
            print(f"shinchoku: 取り込みの指定を使えません: {exc}", file=sys.stderr)
            return 1
        except importer.SheetError as exc:
            print(f"shinchoku: {exc}", file=sys.stderr)
            return 1
    if not result.records or not result.plan:
        print(f"shinchoku: {src} から施策を読み取れませんでした（進行管理シートの形になっているか確かめてください）", file=sys.stderr)
        return 1
    root = Path(args.repo)
    existing = list(records.iter_record_files(root))
    if existing and not args.force and not args.dry_run:
        print(f"shinchoku: {root / records.RECORDS} にはすでに記録が{len(existing)}件あります。"
              "上書きするときは --force を付けてください（git で管理していれば元に戻せます）", file=sys.stderr)
        return 1
    removed = _removed(root, existing, result.records)
    if removed and not args.dry_run and not args.allow_removal:
        _list_removed(removed, root)
        print(f"shinchoku: 取り込むと、シートにない既存の記録 {len(removed)}件が消えます（上の一覧）。"
              "シートが途中で切れていないか確かめてください。消してよいときは --force --allow-removal を付けて"
              "もう一度実行してください（何も書き込んでいません）", file=sys.stderr)
        return 1
    report = importreport.render(result)
    unplaced = sum(1 for e in result.ledger.entries.values() if e.kind == "unplaced")
    summary = (f"施策 {len({r['No'] for r in result.records})} 件・記録 {len(result.records)} 件を読み取りました"
               f"（空でないセル {result.cell_count} 件のうち、置き場所が決められなかったもの {unplaced} 件）")
    if args.dry_run:
        print(summary)
        if removed:
            _list_removed(removed, root)
            print(f"取り込むと、シートにない既存の記録 {len(removed)}件が消えます（--force --allow-removal が必要です）")
        return 0
    base = root / records.RECORDS
    base.mkdir(parents=True, exist_ok=True)
    (base / "plan.yaml").write_text(records.dumps_plan(result.plan, root), encoding="utf-8", newline="\n")
    for path in existing:
        path.unlink()
    for rec in result.records:
        records.write_record(root, rec)
    (base / "IMPORT_REPORT.md").write_text(report, encoding="utf-8", newline="\n")
    print(summary)
    print(f"詳しくは {base / 'IMPORT_REPORT.md'} を確かめてください")
    problems = validate.check_paths(root)
    for p in problems:
        print(p)
    return 1 if problems else 0


def _removed(root: Path, existing: list[Path], new_records: list[dict]) -> list[Path]:
    """The existing record files the import would not write again (it would delete them)."""
    from shinchoku.model import records

    kept = {records.record_relpath(r["年度"], int(r["No"])) for r in new_records}
    return [p for p in existing if p.relative_to(root).as_posix() not in kept]


def _list_removed(removed: list[Path], root: Path, shown: int = 30) -> None:
    print("シートにないため消える記録:", file=sys.stderr)
    for p in removed[:shown]:
        print(f"  {p.relative_to(root).as_posix()}", file=sys.stderr)
    if len(removed) > shown:
        print(f"  ほか{len(removed) - shown}件", file=sys.stderr)

"""Importing a progress sheet into a records repository: what ``shinchoku import-sheet``
and ``shinchoku init --sheet`` do, as one function of the library.

:func:`read_sheet` reads the sheet (a tab-separated export, or an ``.xlsx`` in the
published layout, checked first by :mod:`~shinchoku.importing.xlsxguard`);
:func:`import_sheet` writes ``records/`` from it — the plan, one file per
initiative-year and ``IMPORT_REPORT.md`` — unless it would overwrite records without
``force`` or remove records the sheet lacks without ``allow_removal``.  Every refusal
is a :class:`~shinchoku.errors.ShinchokuError` in Japanese and leaves the repository as
it was; what was done comes back as an :class:`Imported` for the caller to say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shinchoku.errors import ShinchokuError, UsageError
from shinchoku.importing.importer import ImportResult, Placement
from shinchoku.words import no_such_file

XLSX = (".xlsx", ".xlsm")
NOTHING_WRITTEN = "何も書き込んでいません"


@dataclass
class Imported:
    """What an import read and did (``written`` False for a dry run)."""

    result: ImportResult
    root: Path
    removed: list[str] = field(default_factory=list)    # record paths the sheet lacks: removed (or would be)
    written: bool = False
    problems: list[Any] = field(default_factory=list)   # what `shinchoku check` finds after writing

    @property
    def unplaced(self) -> int:
        return sum(1 for e in self.result.ledger.entries.values() if e.kind is Placement.UNPLACED)

    @property
    def summary(self) -> str:
        recs = self.result.records
        return (f"施策 {len({r['No'] for r in recs})} 件・記録 {len(recs)} 件を読み取りました"
                f"（空でないセル {self.result.cell_count} 件のうち、置き場所が決められなかったもの {self.unplaced} 件）")

    @property
    def report_path(self) -> Path:
        from shinchoku.model import records

        return self.root / records.RECORDS / "IMPORT_REPORT.md"


def removed_list(removed: list[str], shown: int = 30) -> str:
    """The records an import removes, one a line (at most ``shown`` of them)."""
    lines = ["シートにないため消える記録:", *(f"  {p}" for p in removed[:shown])]
    if len(removed) > shown:
        lines.append(f"  ほか{len(removed) - shown}件")
    return "\n".join(lines)


def read_sheet(src: Path, root: Path, overrides: Path | None = None) -> ImportResult:
    """The sheet at ``src`` read into a plan, records and the ledger of every cell; the
    overrides (``overrides``, else ``records/import-overrides.yaml`` of ``root`` when it
    exists) apply to a tab-separated sheet."""
    if not src.is_file():
        raise UsageError(no_such_file(src))
    if src.suffix.lower() in XLSX:
        if overrides is not None:
            raise UsageError("--overrides はタブ区切りテキストの取り込みで使います"
                             "（Excel のブックは列の見出しどおりに読むため不要です）")
        return _read_xlsx(src)
    from shinchoku.importing import importer, importoverrides
    from shinchoku.rules import sidefiles

    given = overrides if overrides is not None else root / sidefiles.OVERRIDES_RELPATH
    if overrides is not None and not given.is_file():
        raise UsageError(f"取り込みの指定のファイルがありません: {given}")
    try:
        return importer.import_file(src, importoverrides.load(given, root) if given.is_file() else [])
    except importoverrides.OverrideError as exc:
        raise ShinchokuError(f"取り込みの指定を使えません: {exc}") from None


def _read_xlsx(src: Path) -> ImportResult:
    import zipfile

    try:
        from shinchoku.importing import xlsxgrid  # the published layout, written by `shinchoku export xlsx`
    except ImportError:
        raise ShinchokuError("この版では .xlsx の取り込みに対応していません") from None
    from shinchoku.importing.xlsxguard import Refused

    try:
        return xlsxgrid.import_xlsx(src)
    except Refused as exc:
        raise ShinchokuError(f"{exc}（{NOTHING_WRITTEN}）", kind=exc.kind) from None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ShinchokuError(f"{src} を Excel のブック（.xlsx）として開けません"
                             "（壊れているか、別の形式のファイルです）") from None


def import_sheet(src: Path, root: Path, *, overrides: Path | None = None, force: bool = False,
                 allow_removal: bool = False, dry_run: bool = False) -> Imported:
    """Import the sheet at ``src`` into the repository at ``root`` (nothing is written
    with ``dry_run``).  Refused, with nothing written: a sheet with no initiatives,
    existing records without ``force``, records the sheet lacks without ``allow_removal``."""
    from shinchoku.model import records
    from shinchoku.rules import validate

    result = read_sheet(src, root, overrides)
    if not result.records or not result.plan:
        raise ShinchokuError(f"{src} から施策を読み取れませんでした（進行管理シートの形になっているか確かめてください）")
    existing = list(records.iter_record_files(root))
    if existing and not force and not dry_run:
        raise ShinchokuError(f"{root / records.RECORDS} にはすでに記録が{len(existing)}件あります。"
                             "上書きするときは --force を付けてください（git で管理していれば元に戻せます）")
    kept = {records.record_relpath(r["年度"], int(r["No"])) for r in result.records}
    removed = [rel for rel in (p.relative_to(root).as_posix() for p in existing) if rel not in kept]
    if removed and not dry_run and not allow_removal:
        raise ShinchokuError(f"取り込むと、シートにない既存の記録 {len(removed)}件が消えます（下の一覧）。"
                             "シートが途中で切れていないか確かめてください。消してよいときは --force --allow-removal を付けて"
                             f"もう一度実行してください（{NOTHING_WRITTEN}）\n{removed_list(removed)}")
    done = Imported(result, root, removed)
    if dry_run:
        return done
    from shinchoku.importing import importreport

    report = importreport.render(result)
    base = root / records.RECORDS
    base.mkdir(parents=True, exist_ok=True)
    (base / "plan.yaml").write_text(records.dumps_plan(result.plan, root), encoding="utf-8", newline="\n")
    for path in existing:
        path.unlink()
    for rec in result.records:
        records.write_record(root, rec)
    done.report_path.write_text(report, encoding="utf-8", newline="\n")
    done.written = True
    done.problems = validate.check_paths(root)
    return done

"""Export the records: the published sheet (xlsx, pdf) and flat tables (csv, jsonl).

The flat tables have one row per initiative × lead department × fiscal year, with
every field of the plan and of the report, for BI tools and open-data publication.
CSV is UTF-8 with a BOM and CRLF line ends, which is what Excel needs to open
Japanese text correctly by double-click.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

from shinchoku.errors import ShinchokuError
from shinchoku.model import plan as plan_mod
from shinchoku.model import records, schema
from shinchoku.model.fields import DEPARTMENT, NO, YEAR, Record
from shinchoku.sheet import published


class ExportError(ShinchokuError):
    """A problem the user can act on (message in Japanese)."""


def load(root: Path) -> tuple[plan_mod.Plan, dict[tuple[str, int], dict[str, Any]]]:
    """The plan and every record of the repository at ``root``; an unreadable record is
    an error (a published sheet silently missing one would look complete)."""
    plan = plan_mod.load_repository(root)          # PlanUnavailable: no repository, or its line
    found, unreadable = records.load_keyed(root)
    if unreadable:
        raise ExportError("読めない記録があるため、書き出していません（直してから、もう一度実行してください）\n  "
                          + "\n  ".join(unreadable))
    return plan, found


def choose_years(plan: plan_mod.Plan, recs: dict[tuple[str, int], Any], wanted: list[str] | None) -> list[str]:
    """The years to export, in plan order: ``wanted`` (checked against the plan), or
    every year of the plan that has records."""
    labels = plan.year_labels
    if wanted:
        unknown = [y for y in wanted if y not in labels]
        if unknown:
            raise ExportError(f"年度「{'・'.join(unknown)}」は計画（plan.yaml）にありません（ある年度: {'・'.join(labels)}）")
        return [y for y in labels if y in wanted]
    return [y for y in labels if any(k[0] == y for k in recs)]


def parse_years(text: str | None) -> list[str] | None:
    """「R1,R2」「R1 R2」「R1、R2」 → ["R1", "R2"]."""
    if not text:
        return None
    out = []
    for part in text.replace("、", ",").replace(" ", ",").split(","):
        if part.strip():
            out.append(published.parse_year(unicodedata.normalize("NFKC", part).upper()) or part.strip())
    return out


# ----------------------------------------------------------------------------- flat rows

def columns(root: Path | None = None) -> list[str]:
    return [YEAR, "西暦", NO, "推進方策番号", "推進方策", "目標番号", "目標", "施策名",
            DEPARTMENT, "関係課", "事業内容", "計画", *schema.shape(root).reported]


def rows(plan: plan_mod.Plan, recs: dict[tuple[str, int], dict[str, Any]], years: list[str],
         root: Path | None = None) -> list[dict[str, Any]]:
    """One row per initiative × lead department × year (years with a record only),
    in plan order; a field without a value is None."""
    fields = schema.shape(root).reported
    out = []
    for year in years:
        y = plan.year(year)
        for initiative in plan.initiatives():
            rec = recs.get((year, initiative.no))
            if rec is None:
                continue
            reports = Record(rec).reports()
            for dept in initiative.departments:
                report = reports.get(dept, {})
                row: dict[str, Any] = {
                    YEAR: year,
                    "西暦": y.western if y else plan_mod.western_year(year),
                    NO: initiative.no,
                    "推進方策番号": initiative.strategy_no,
                    "推進方策": initiative.strategy_name,
                    "目標番号": initiative.goal_no,
                    "目標": initiative.goal_name,
                    "施策名": initiative.name,
                    DEPARTMENT: dept,
                    "関係課": published.RELATED_SEPARATOR.join(initiative.related) or None,
                    "事業内容": initiative.content_for(dept) or None,
                    "計画": initiative.schedule.get(year) or None,
                }
                for f in fields:
                    value = report.get(f)
                    row[f] = value if value not in ("", None) else None
                out.append(row)
    return out


# A spreadsheet opening a CSV takes a cell starting with one of these for a formula (or
# DDE command): `=HYPERLINK(…)` typed into 実績 would be evaluated.  OWASP's rule for CSV
# injection: such a text cell is written with a single quote in front.  jsonl stays exact.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """``value`` as a CSV cell: None as empty; text a spreadsheet would run as a formula
    is prefixed with ``'`` (numbers are left as they are)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(table: list[dict[str, Any]], cols: list[str]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(cols)
    for row in table:
        writer.writerow([csv_cell(row.get(c)) for c in cols])
    return buf.getvalue().encode("utf-8-sig")


def to_jsonl(table: list[dict[str, Any]], cols: list[str]) -> bytes:
    lines = [json.dumps({c: row.get(c) for c in cols}, ensure_ascii=False) for row in table]
    return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")


# ----------------------------------------------------------------------------- files


def _write_bytes(path: Path, data: bytes) -> None:
    from shinchoku.fileout import write_atomic

    write_atomic(path, lambda tmp: tmp.write_bytes(data))


def export(root: Path, kind: str, out: Path, years: list[str] | None = None,
           all_states: bool = False) -> tuple[int, list[str]]:
    """Write ``out`` in ``kind`` (xlsx, pdf, csv, jsonl).  Returns (rows or records
    written, warnings).  Raises :class:`ExportError` with a Japanese message.

    Only 確認済 reports are carried unless ``all_states`` (see :func:`shinchoku.rules.cycle.approved_only`);
    the sheet then says so, and the warnings say how many were left out."""
    plan, recs = load(root)
    chosen = choose_years(plan, recs, years)
    if not chosen:
        raise ExportError("書き出す年度がありません（記録のある年度がありません）")
    if kind == "pdf" and not years:
        from shinchoku.publish.printout import years_with_reports

        chosen = years_with_reports(plan, recs) or chosen     # not a year just opened and still empty
    note, held = "", set()
    if not all_states:
        from shinchoku.rules import cycle

        recs, held = cycle.approved_only(plan, recs, chosen)
        note = cycle.export_note(len(held))
    if kind in ("csv", "jsonl"):
        table = rows(plan, recs, chosen, root)
        table = [r for r in table if (r[YEAR], r[NO], r[DEPARTMENT]) not in held]
        cols = columns(root)
        _write_bytes(out, to_csv(table, cols) if kind == "csv" else to_jsonl(table, cols))
        return len(table), [note] if held else []
    if kind == "xlsx":
        warnings = published.write_workbook(out, plan, recs, chosen, root, note) + ([note] if held else [])
        return sum(1 for k in recs if k[0] in chosen), warnings
    if kind == "pdf":
        office = find_office()
        if office is None:
            raise ExportError(
                "PDF に変換するには LibreOffice が必要ですが、この PC には見つかりませんでした。"
                "LibreOffice を入れるか、「shinchoku export xlsx」で書き出した Excel ファイルを"
                "Excel で開き、「名前を付けて保存」で PDF を選んでください")
        with tempfile.TemporaryDirectory(prefix="shinchoku-pdf-") as tmp:
            xlsx = Path(tmp) / (out.stem + ".xlsx")
            from shinchoku.publish.printout import write_workbook as write_print_workbook

            warnings, _groups = write_print_workbook(xlsx, plan, recs, chosen, root, note)
            warnings += [note] if held else []
            pdf = to_pdf(office, xlsx, Path(tmp))
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(pdf), str(out))
        return sum(1 for k in recs if k[0] in chosen), warnings
    raise ExportError(f"「{kind}」の形式には書き出せません（xlsx・pdf・csv・jsonl から選んでください）")


# Where LibreOffice installs itself when it is not on PATH (macOS, Windows).
OFFICE_PLACES = (
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
)


def find_office() -> str | None:
    """The LibreOffice program (``soffice``), or None when it is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in OFFICE_PLACES:
        if os.path.exists(candidate):
            return candidate
    return None


def to_pdf(office: str, xlsx: Path, workdir: Path, timeout: int = 300) -> Path:
    """Convert ``xlsx`` to PDF with LibreOffice headless (its own fresh profile, so a
    LibreOffice the user has open does not block it).  Returns the PDF's path."""
    profile = workdir / "lo-profile"
    outdir = workdir / "pdf"
    outdir.mkdir(exist_ok=True)
    cmd = [office, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
           "--convert-to", "pdf", "--outdir", str(outdir), str(xlsx)]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ExportError(f"LibreOffice での PDF 変換が{timeout}秒たっても終わりませんでした") from None
    pdf = outdir / (xlsx.stem + ".pdf")
    if done.returncode != 0 or not pdf.is_file():
        detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        raise ExportError("LibreOffice で PDF に変換できませんでした"
                          + (f"（{detail[-1]}）" if detail else ""))
    return pdf


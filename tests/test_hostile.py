"""Hostile files (issue 13): workbooks built to expand beyond reason, special files under
records/, huge fields, symlinked outputs.  Each must end quickly with a Japanese message
naming the problem, and leave the data as it was."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from conftest import write_small_repo
from gitrepo import git, records_repo
from shinchoku.cli import main

TIMEOUT = 60


def small_sheet(path: Path) -> Path:
    """A tiny workbook with the published header (No … 主管課)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "進行管理シート"
    for c, text in enumerate(["No", "推進方策・目標・施策", "主管課", "関係課", "事業内容"], start=1):
        ws.cell(row=2, column=c, value=text)
    ws.cell(row=5, column=1, value=1)
    ws.cell(row=5, column=3, value="協働推進課")
    wb.save(path)
    return path


def patch_sheet(src: Path, dst: Path, edit) -> Path:
    """Copy the .xlsx ``src`` to ``dst`` with xl/worksheets/sheet1.xml passed through ``edit``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data)
            zout.writestr(info.filename, data)
    return dst


def import_sheet(path: Path, repo: Path) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "shinchoku", "import-sheet", str(path), "--repo", str(repo)],
                          capture_output=True, text=True, timeout=TIMEOUT, encoding="utf-8")
    return done, time.monotonic() - started


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    return root


def test_a_small_workbook_with_a_sheet_wide_merge_is_refused_quickly(tmp_path, repo):
    base = small_sheet(tmp_path / "base.xlsx")
    bomb = patch_sheet(base, tmp_path / "merged.xlsx", lambda x: x.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="B10:XFD1048576"/></mergeCells>'))
    assert bomb.stat().st_size < 8000
    done, took = import_sheet(bomb, repo)
    assert done.returncode == 1, done.stderr
    assert "結合セルが大きすぎます" in done.stderr or "範囲が大きすぎます" in done.stderr
    assert "Traceback" not in done.stderr and took < 20
    assert not (repo / "records").exists()


def test_a_stray_cell_far_away_is_refused_not_walked(tmp_path, repo):
    base = small_sheet(tmp_path / "base.xlsx")
    far = patch_sheet(base, tmp_path / "far.xlsx", lambda x: x.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'))
    done, took = import_sheet(far, repo)
    assert done.returncode == 1 and "1,048,576行 × 16,384列" in done.stderr, done.stderr
    assert took < 20


def test_a_zip_bomb_is_refused_without_inflating_it(tmp_path, repo):
    base = small_sheet(tmp_path / "base.xlsx")
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for info in zin.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with zout.open(info.filename, "w", force_zip64=True) as out:
                    out.write(zin.read(info).replace(b"</worksheet>", b""))
                    pad = b" " * (1024 * 1024)
                    for _ in range(100):                      # 100 MB of spaces
                        out.write(pad)
                    out.write(b"</worksheet>")
            else:
                zout.writestr(info.filename, zin.read(info))
    assert bomb.stat().st_size < 1024 * 1024
    done, took = import_sheet(bomb, repo)
    assert done.returncode == 1, done.stderr
    assert "圧縮爆弾のおそれがあるため、取り込みません" in done.stderr and "Traceback" not in done.stderr
    assert took < 20


LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
          + b"]>\n")


def test_an_entity_bomb_is_refused_in_japanese(tmp_path, repo):
    base = small_sheet(tmp_path / "base.xlsx")

    def bomb(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return LAUGHS + body.replace(b"</sheetData>", b'<row r="6"><c r="A6" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>')

    hostile = patch_sheet(base, tmp_path / "laughs.xlsx", bomb)
    done, took = import_sheet(hostile, repo)
    assert done.returncode == 1, done.stderr
    assert "文書型定義（DOCTYPE・ENTITY）があります" in done.stderr and "Traceback" not in done.stderr
    assert took < 20


def test_the_published_workbook_still_imports(tmp_path):
    src = write_small_repo(tmp_path / "src")
    out = tmp_path / "公表.xlsx"
    assert main(["export", "xlsx", str(out), "--repo", str(src)]) == 0
    dst = tmp_path / "dst"
    dst.mkdir()
    assert main(["import-sheet", str(out), "--repo", str(dst)]) == 0
    assert len(list((dst / "records").glob("*/*.yaml"))) == len(list((src / "records").glob("*/*.yaml")))


SEED = Path(__file__).parent / "data" / "fuchu_shinkou_kanri.tsv"


def test_a_forced_reimport_that_would_remove_records_lists_them_and_needs_allow_removal(tmp_path, capsys):
    root = tmp_path / "repo"
    root.mkdir()
    assert main(["import-sheet", str(SEED), "--repo", str(root)]) == 0
    before = {p: p.read_bytes() for p in (root / "records").rglob("*.yaml")}
    lines = SEED.read_text(encoding="utf-8").splitlines(keepends=True)
    short = tmp_path / "途中まで.tsv"
    short.write_text("".join(lines[:20]), encoding="utf-8")
    capsys.readouterr()
    assert main(["import-sheet", str(short), "--repo", str(root), "--force"]) == 1
    err = capsys.readouterr().err
    assert "シートにないため消える記録:" in err and "  records/H29/05.yaml" in err and "  ほか94件" in err
    assert "既存の記録 124件が消えます" in err
    assert "--force --allow-removal" in err and "何も書き込んでいません" in err
    assert {p: p.read_bytes() for p in (root / "records").rglob("*.yaml")} == before
    # the dry run says so too
    assert main(["import-sheet", str(short), "--repo", str(root), "--dry-run"]) == 0
    assert "が消えます" in capsys.readouterr().out
    # asked for twice: done
    assert main(["import-sheet", str(short), "--repo", str(root), "--force", "--allow-removal"]) in (0, 1)
    assert len(list((root / "records").glob("*/*.yaml"))) < len([p for p in before if p.parent.name != "records"])
    # a re-import of the whole sheet removes nothing and needs only --force
    assert main(["import-sheet", str(SEED), "--repo", str(root), "--force"]) == 0


# -- special files under records/ ---------------------------------------------------------


def run_cli(args: list[str], cwd: Path, timeout: int = TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shinchoku", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, encoding="utf-8")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs need a POSIX system")
def test_a_fifo_or_a_link_to_dev_zero_under_records_is_named_not_read(tmp_path):
    root = write_small_repo(tmp_path / "repo")
    os.mkfifo(root / "records" / "R2" / "50.yaml")
    (root / "records" / "R2" / "51.yaml").symlink_to("/dev/zero")
    (root / "records" / "R2" / "52.yaml").symlink_to(root / "records" / "R2" / "05.yaml")
    done = run_cli(["check"], root)
    assert done.returncode == 1, done.stderr
    out = done.stdout + done.stderr
    assert "records/R2/50.yaml: 通常のファイルではありません（FIFO・デバイスなど）" in out
    assert "records/R2/51.yaml: シンボリックリンクです" in out and "records/R2/52.yaml: シンボリックリンクです" in out
    assert "Traceback" not in out
    done = run_cli(["status"], root)
    assert "Traceback" not in done.stderr
    assert "records/R2/50.yaml: 通常のファイルではありません" in done.stderr
    assert "records/R2/51.yaml: シンボリックリンクです" in done.stderr
    assert "計画通りに進んでいる" in done.stdout               # the rest is still counted


def test_review_of_a_huge_field_with_a_small_edit_ends(tmp_path):
    from conftest import edit_report

    root = records_repo(tmp_path / "repo", wired=False)

    def commit(message: str) -> None:
        git(root, "add", "-A")
        git(root, "commit", "-q", "--no-verify", "-m", message, who=("a", "a@b"))

    commit("作成")
    text = "授業を3回実施した。地域の方と協力した。\n" * 170000            # 3.5 million characters
    edit_report(root, "R2", 5, "指導室", 実績=text)
    commit("長い実績")
    edit_report(root, "R2", 5, "指導室", 実績=text[:1_000_000] + "ここを直した。" + text[1_000_000:])
    commit("一文を足した")
    done = run_cli(["review"], root)
    assert done.returncode == 0, done.stderr
    assert "{+ここを直した。+}" in done.stdout


def test_the_word_diff_of_long_texts_is_bounded_and_exact():
    from shinchoku.publish import diffwords

    text = "授業を3回実施した。地域の方と協力した。\n" * 100000
    cases = [(text, text[:500000] + "新しい文。" + text[500000:]), (text, "短い"),
             (text, text.replace("授業", "講座")), ("a" * 3000, "b" * 3000)]
    for before, after in cases:
        pieces = diffwords.diff(before, after)
        assert "".join(p.text for p in pieces if p.op != diffwords.INSERT) == before
        assert "".join(p.text for p in pieces if p.op != diffwords.DELETE) == after
    pieces = diffwords.diff(*cases[0])
    assert [p.op for p in pieces] == ["=", "+", "="] and pieces[1].text == "新しい文。"
    # short texts keep the run-by-run diff
    assert diffwords.render_text(diffwords.diff("授業を実施した。", "授業を3回実施した。")) == "授業を{+3回+}実施した。"


# -- output paths ----------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["export", "csv"], ["export", "jsonl"], ["export", "xlsx"], ["report", "--html"]])
def test_export_and_report_write_through_a_symlink_and_never_make_folders(tmp_path, args):
    root = write_small_repo(tmp_path / "repo")
    real = tmp_path / "共有"
    real.mkdir()
    link = tmp_path / "出力"
    target = real / "本物"
    link.symlink_to(target)
    assert main([*args, str(link), "--repo", str(root)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.is_file() and target.stat().st_size > 100
    assert sorted(p.name for p in real.iterdir()) == ["本物"]            # no temporary file left
    # a second write goes through the link again
    assert main([*args, str(link), "--repo", str(root)]) == 0
    assert link.is_symlink() and target.is_file()
    # a missing folder is named, not made
    missing = tmp_path / "ない" / "out"
    done = run_cli([*args, str(missing), "--repo", str(root)], tmp_path)
    assert done.returncode == 1
    assert f"{tmp_path / 'ない'}: 書き出す先のフォルダがありません" in done.stderr
    assert not (tmp_path / "ない").exists()

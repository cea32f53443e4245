"""`shinchoku status`: counts per strategy and year, initiatives behind plan."""

from __future__ import annotations

from pathlib import Path

from shinchoku.cli import main
from shinchoku.model import records


def test_counts_and_behind_list(small_repo, capsys):
    assert main(["status", "--repo", str(small_repo), "--year", "R2"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("テスト市市民協働推進行動計画（令和元年度～令和3年度）進捗状況の集計")
    assert "■ R2年度" in out and "■ R1年度" not in out
    row1 = next(l for l in lines if l.startswith("1. "))
    # strategy 1: No 1 (協働推進課: 進んでいる) and No 5 (指導室: 進んでいる, 児童青少年課: 進んでいない)
    assert row1.split()[-6:] == ["2", "1", "0", "0", "0", "3"]
    assert "R2　No.5 次代の協働の担い手の育成（児童青少年課）" in out
    assert "課題：協力者との情報交換が足りない。" in out


def test_missing_status_counts_as_not_reported(small_repo, capsys):
    rec = records.load_record(small_repo / "records/R2/09.yaml")
    del rec["報告"][0]["進捗状況"]
    records.write_record(small_repo, rec)
    assert main(["status", "--repo", str(small_repo), "--year", "R2", "--department", "産業振興課"]) == 0
    out = capsys.readouterr().out
    row2 = next(l for l in out.splitlines() if l.startswith("2. "))
    assert row2.split()[-2:] == ["1", "1"]   # 未記入 1, 計 1
    assert "主管課：産業振興課" in out


def test_unknown_year_or_department_is_a_usage_error(small_repo, capsys):
    assert main(["status", "--repo", str(small_repo), "--year", "R9"]) == 2
    assert "年度「R9」は計画にありません" in capsys.readouterr().err
    assert main(["status", "--repo", str(small_repo), "--department", "総務課"]) == 2
    assert "「総務課」は計画の主管課にありません" in capsys.readouterr().err


def test_unreadable_record_is_reported_not_hidden(small_repo, capsys):
    (small_repo / "records/R2/01.yaml").write_text("No: [1\n", encoding="utf-8")
    assert main(["status", "--repo", str(small_repo)]) == 1
    assert "records/R2/01.yaml" in capsys.readouterr().err


def test_years_are_read_the_same_way_everywhere(capsys):
    """ｒ２ and R2年度 mean R2 in status and export as they do in year and history."""
    from shinchoku.publish import export

    root = Path(__file__).resolve().parents[1]
    assert main(["status", "--year", "ｒ２", "--repo", str(root)]) == 0
    assert "■ R2年度" in capsys.readouterr().out
    assert export.parse_years("ｒ１、R2年度") == ["R1", "R2"]

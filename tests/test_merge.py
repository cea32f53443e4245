"""Field-level merge: unit cases, and the real git merge driver and textconv."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import small_plan
from gitrepo import author, git, records_repo, run_git
from shinchoku.model import records, yamlio
from shinchoku.rules import validate
from shinchoku.rules.merge import OURS_MARK, THEIRS_MARK, merge_plan, merge_records

BASE = {"No": 5, "年度": "R2", "報告": [
    {"主管課": "指導室", "進捗状況": "計画通りに進んでいる", "実績": "授業を実施した。"},
    {"主管課": "児童青少年課", "進捗状況": "計画通りに進んでいない", "課題": "協力者が少ない。"}]}


def edit(record, dept, **fields):
    out = yamlio.load(records.dumps(record))
    report = next(r for r in out["報告"] if r["主管課"] == dept)
    for k, v in fields.items():
        if v is None:
            report.pop(k, None)
        else:
            report[k] = v
    return out


def test_different_fields_merge_cleanly():
    ours = edit(BASE, "指導室", 実績="授業を2回実施した。")
    theirs = edit(BASE, "指導室", 課題="時間が足りない。")
    merged, conflicts = merge_records(BASE, ours, theirs)
    assert conflicts == []
    assert merged["報告"][0] == {"主管課": "指導室", "進捗状況": "計画通りに進んでいる", "実績": "授業を2回実施した。", "課題": "時間が足りない。"}


def test_different_departments_merge_cleanly():
    ours = edit(BASE, "指導室", 進捗状況="完了(目標を達成)")
    theirs = edit(BASE, "児童青少年課", 課題="情報交換が足りない。")
    merged, conflicts = merge_records(BASE, ours, theirs)
    assert conflicts == []
    assert merged["報告"][0]["進捗状況"] == "完了(目標を達成)"
    assert merged["報告"][1]["課題"] == "情報交換が足りない。"


def test_same_field_two_ways_keeps_both_values():
    ours = edit(BASE, "児童青少年課", 課題="協力者が減った。")
    theirs = edit(BASE, "児童青少年課", 課題="協力者との連絡が少ない。")
    merged, conflicts = merge_records(BASE, ours, theirs)
    assert [(c.path, c.department, c.field) for c in conflicts] == [("報告[児童青少年課].課題", "児童青少年課", "課題")]
    value = merged["報告"][1]["課題"]
    assert "協力者が減った。" in value and "協力者との連絡が少ない。" in value
    assert value.startswith(OURS_MARK) and value.endswith(THEIRS_MARK)


def test_same_change_on_both_sides_is_no_conflict():
    ours = edit(BASE, "指導室", 実績="同じ")
    merged, conflicts = merge_records(BASE, ours, edit(BASE, "指導室", 実績="同じ"))
    assert conflicts == [] and merged == ours


def test_removed_on_one_side_edited_on_the_other_is_a_conflict():
    ours = edit(BASE, "指導室", 実績=None)
    theirs = edit(BASE, "指導室", 実績="書き直した。")
    merged, conflicts = merge_records(BASE, ours, theirs)
    assert [c.path for c in conflicts] == ["報告[指導室].実績"]
    assert "書き直した。" in merged["報告"][0]["実績"]


def test_report_added_on_each_side_without_base():
    ours = {"No": 5, "年度": "R3", "報告": [{"主管課": "児童青少年課", "実績": "a"}]}
    theirs = {"No": 5, "年度": "R3", "報告": [{"主管課": "指導室", "実績": "b"}]}
    merged, conflicts = merge_records(None, ours, theirs, ["指導室", "児童青少年課"])
    assert conflicts == []
    assert [r["主管課"] for r in merged["報告"]] == ["指導室", "児童青少年課"]


def test_plan_merges_by_number():
    base = small_plan()
    ours, theirs = small_plan(), small_plan()
    ours["年度"][2]["状態"] = "締切"
    theirs["推進方策"][1]["目標"][0]["施策"][0]["施策名"] = "企業との協働の仕組みづくり"
    merged, conflicts = merge_plan(base, ours, theirs)
    assert conflicts == []
    assert merged["年度"][2]["状態"] == "締切"
    assert merged["推進方策"][1]["目標"][0]["施策"][0]["施策名"] == "企業との協働の仕組みづくり"


def test_validator_refuses_unresolved_conflict(small_repo):
    ours = edit(BASE, "児童青少年課", 進捗状況="計画通りに進んでいる")
    theirs = edit(BASE, "児童青少年課", 進捗状況="完了(目標を達成)")
    merged, _ = merge_records(BASE, ours, theirs)
    (small_repo / "records/R2/05.yaml").write_text(records.dumps(merged), encoding="utf-8")
    problems = validate.check_paths(small_repo)
    assert len(problems) == 1
    assert str(problems[0]).startswith("records/R2/05.yaml:8: 報告[児童青少年課].進捗状況: 競合が解決されていません")


# ----------------------------------------------------------------------------- real git

@pytest.fixture
def repo(tmp_path):
    root = author(records_repo(tmp_path / "r", wired=False), ("テスト", "test@example.invalid"))
    git(root, "config", "merge.shinchoku.name", "shinchoku field-level merge")
    git(root, "config", "merge.shinchoku.driver", f"{sys.executable} -m shinchoku merge-driver %O %A %B %P")
    git(root, "config", "diff.shinchoku.textconv", f"{sys.executable} -m shinchoku textconv")
    (root / ".gitattributes").write_text("records/**/*.yaml merge=shinchoku diff=shinchoku\n", encoding="utf-8")
    (root / "records/R2/05.yaml").write_text(records.dumps(BASE), encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def branch_edit(root, branch, record):
    git(root, "checkout", "-q", "-b", branch, "main")
    (root / "records/R2/05.yaml").write_text(records.dumps(record), encoding="utf-8")
    git(root, "commit", "-q", "-am", branch)
    git(root, "checkout", "-q", "main")


def test_git_merge_of_different_fields_succeeds(repo):
    branch_edit(repo, "a", edit(BASE, "指導室", 実績="授業を2回実施した。"))
    branch_edit(repo, "b", edit(BASE, "児童青少年課", 課題="情報交換が足りない。"))
    git(repo, "merge", "-q", "a")
    result = run_git(repo, "merge", "-q", "--no-edit", "b", check=False)
    assert result.returncode == 0, result.stderr
    data = yamlio.load((repo / "records/R2/05.yaml").read_bytes())
    assert data["報告"][0]["実績"] == "授業を2回実施した。"
    assert data["報告"][1]["課題"] == "情報交換が足りない。"
    assert validate.check_paths(repo, canonical=True) == []


def test_git_merge_of_the_same_field_conflicts_and_keeps_both(repo):
    branch_edit(repo, "a", edit(BASE, "児童青少年課", 課題="協力者が減った。"))
    branch_edit(repo, "b", edit(BASE, "児童青少年課", 課題="協力者との連絡が少ない。"))
    git(repo, "merge", "-q", "a")
    result = run_git(repo, "merge", "--no-edit", "b", check=False)
    assert result.returncode != 0
    assert "競合: records/R2/05.yaml 報告[児童青少年課].課題" in result.stderr + result.stdout
    text = (repo / "records/R2/05.yaml").read_text(encoding="utf-8")
    assert "協力者が減った。" in text and "協力者との連絡が少ない。" in text
    proc = subprocess.run([sys.executable, "-m", "shinchoku", "check"], cwd=repo, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "報告[児童青少年課].課題: 競合が解決されていません" in proc.stdout


def test_git_log_shows_field_level_changes(repo):
    (repo / "records/R2/05.yaml").write_text(records.dumps(edit(BASE, "児童青少年課", 課題="新しい課題。")), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "edit")
    log = git(repo, "log", "-p", "-1", "--", "records/")
    assert "-報告[児童青少年課].課題: 協力者が少ない。" in log
    assert "+報告[児童青少年課].課題: 新しい課題。" in log


def test_textconv_prints_broken_files_unchanged(tmp_path):
    bad = tmp_path / "x.yaml"
    bad.write_text("No: [5\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "shinchoku", "textconv", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout == "No: [5\n"


def test_driver_says_a_version_is_not_a_record_rather_than_deleted(tmp_path, capsys):
    from shinchoku.cli import main

    base, ours, theirs = (tmp_path / n for n in ("O", "A", "B"))
    base.write_text("No: 5\n年度: R2\n", encoding="utf-8")
    ours.write_text("- 一覧になった記録\n", encoding="utf-8")
    theirs.write_text("No: 5\n年度: R1\n", encoding="utf-8")
    assert main(["merge-driver", str(base), str(ours), str(theirs), "records/R2/05.yaml"]) == 1
    err = capsys.readouterr().err
    assert "記録の形（項目と値の対応表）になっていない版があるため" in err and "削除" not in err
    text = ours.read_text(encoding="utf-8")
    assert "- 一覧になった記録" in text and "年度: R1" in text      # both kept

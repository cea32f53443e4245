"""`shinchoku check`: one clear Japanese line per problem, exit codes CI can trust."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import PROJECT
from shinchoku.cli import main
from shinchoku.model import records
from shinchoku.rules import validate

GOOD = records.dumps({"No": 5, "年度": "R2", "報告": [
    {"主管課": "指導室", "進捗状況": "計画通りに進んでいる", "実績": "授業を実施した。"},
    {"主管課": "児童青少年課", "進捗状況": "計画通りに進んでいない", "課題": "協力者が少ない。"}]})


def run_check(capsys, *args):
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def write(repo, rel, text):
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_clean_repository_passes(small_repo, capsys):
    code, out, err = run_check(capsys, "--repo", str(small_repo))
    assert code == 0 and out == []
    assert "問題はありません" in err


def test_bundled_records_are_clean(capsys):
    code, out, _ = run_check(capsys, "--repo", str(PROJECT), "--canonical")
    assert code == 0, out


BAD = [
    # (description, text replacing records/R2/05.yaml, expected line, expected fragment)
    ("wrong status", GOOD.replace("計画通りに進んでいない", "計画通り"), 8,
     "records/R2/05.yaml:8: 報告[児童青少年課].進捗状況: 「計画通り」は選べる値ではありません（計画通りに進んでいる／"),
    ("number in a text field", GOOD.replace("授業を実施した。", "12"), 6,
     "報告[指導室].実績: 12 が数値などとして読まれています"),
    ("unknown key", GOOD.replace("    実績: 授業", "    感想: よい\n    実績: 授業"), 6,
     "報告[指導室].感想: 「感想」という項目はありません（使える項目：主管課・進捗状況・実績・課題・次年度へ向けた取組・備考・提出状況・コメント）"),
    ("department not lead", GOOD.replace("児童青少年課", "広報課"), 7,
     "報告[広報課].主管課: 「広報課」はNo 5（次代の協働の担い手の育成）の主管課ではありません"),
    ("department twice", GOOD.replace("児童青少年課", "指導室"), 7, "「指導室」の報告が2件あります"),
    ("absurd length", GOOD.replace("授業を実施した。", "あ" * 2001), 6, "2000文字以内にしてください（今は2001文字）"),
    ("control character", GOOD.replace("授業を実施した。", '"授業\\tを実施した。"'), 6, "使えない制御文字"),
    ("empty value", GOOD.replace("授業を実施した。", "''"), 6, "空になっています"),
    ("missing 主管課", GOOD.replace("  - 主管課: 指導室\n    進捗", "  - 進捗"), 4, "「主管課」がありません"),
    ("broken yaml", GOOD.replace("報告:\n", "報告: [\n"), 0, "YAMLの書き方に誤りがあります"),
    ("duplicate key", GOOD.replace("年度: R2\n", "年度: R2\n年度: R1\n"), 3, "キー「年度」が2回書かれています"),
    ("python tag", GOOD.replace("'No': 5", "No: !!python/object/apply:os.system [ls]"), 1, "使えないタグ"),
    ("year mismatch", GOOD.replace("年度: R2", "年度: R1"), 2, "年度「R1」がフォルダ名「R2」と合っていません"),
    ("no mismatch", GOOD.replace("'No': 5", "'No': 9"), 1, "No 9 がファイル名「05.yaml」と合っていません"),
    ("order", GOOD.replace("指導室", "X").replace("児童青少年課", "指導室").replace("X", "児童青少年課"), 3,
     "報告の順番が計画の主管課の順（指導室・児童青少年課）と違います"),
    ("submission time written loosely", GOOD.replace(
        "    実績: 授業を実施した。\n",
        "    実績: 授業を実施した。\n    提出状況:\n      状態: 提出済\n      変更者: 山田\n      日時: 2026/5/10 9:30\n"), 10,
     "「2026/5/10 9:30」は日時の書き方ではありません（2026-05-10T09:30:00+09:00 のように書いてください）"),
    ("a comment's time without its zone", GOOD.replace(
        "    実績: 授業を実施した。\n",
        "    実績: 授業を実施した。\n    コメント:\n      - 日時: '2026-05-10T09:30:00'\n        記入者: 協働推進課\n"
        "        種類: 連絡\n        本文: 確認しました\n"), 8,
     "「2026-05-10T09:30:00」は日時の書き方ではありません"),
]


@pytest.mark.parametrize("what, text, line, fragment", BAD, ids=[b[0] for b in BAD])
def test_bad_record_gives_one_clear_line(small_repo, capsys, what, text, line, fragment):
    path = write(small_repo, "records/R2/05.yaml", text)
    before = path.read_bytes()
    code, out, err = run_check(capsys, "--repo", str(small_repo))
    assert code == 1
    assert len(out) == 1, out
    assert fragment in out[0]
    assert out[0].startswith("records/R2/05.yaml:")
    if line:
        assert out[0].startswith(f"records/R2/05.yaml:{line}: ")
    assert "Traceback" not in err
    assert path.read_bytes() == before   # checking never changes data


def test_unknown_initiative_and_unknown_year(small_repo, capsys):
    write(small_repo, "records/R2/77.yaml", GOOD.replace("'No': 5", "'No': 77"))
    write(small_repo, "records/R9/05.yaml", GOOD.replace("年度: R2", "年度: R9"))
    code, out, _ = run_check(capsys, "--repo", str(small_repo))
    assert code == 1
    assert any(l.startswith("records/R2/77.yaml:1: No: No 77 の施策は計画（plan.yaml）にありません") for l in out)
    assert any(l.startswith("records/R9/05.yaml:2: 年度: 年度「R9」は計画の年度（H30・R1・R2）にありません") for l in out)


def test_problems_grouped_per_file_and_sorted(small_repo, capsys):
    write(small_repo, "records/R2/09.yaml", "No: 9\n年度: R2\n報告: []\n")
    write(small_repo, "records/R1/05.yaml", GOOD.replace("年度: R2", "年度: R1").replace("計画通りに進んでいない", "x"))
    code, out, err = run_check(capsys, "--repo", str(small_repo))
    assert code == 1
    assert [l.split(":")[0] for l in out] == ["records/R1/05.yaml", "records/R2/09.yaml"]
    assert "2件のファイルで2件の問題" in err


def test_check_given_files_only(small_repo, capsys, monkeypatch):
    write(small_repo, "records/R2/09.yaml", "No: 9\n年度: R2\n報告: []\n")
    monkeypatch.chdir(small_repo)
    code, out, _ = run_check(capsys, "records/R2/05.yaml")
    assert code == 0 and out == []
    code, out, _ = run_check(capsys, "records/R2/09.yaml")
    assert code == 1 and len(out) == 1


def test_misplaced_file_is_reported(small_repo, capsys):
    write(small_repo, "records/R2/five.yaml", GOOD)
    code, out, _ = run_check(capsys, "--repo", str(small_repo), str(small_repo / "records/R2/five.yaml"))
    assert code == 1 and "ファイルの場所か名前が正しくありません" in out[0]


def test_usage_errors_exit_2(small_repo, capsys):
    assert main(["check", "--repo", str(small_repo), "no/such/file.yaml"]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["check", "--no-such-option"])
    assert exc.value.code == 2
    assert "分からない引数があります" in capsys.readouterr().err


def test_canonical_check_and_fmt(small_repo, capsys):
    path = small_repo / "records/R2/05.yaml"
    path.write_text(GOOD.replace("  - 主管課", "  -   主管課").replace("    進捗", "      進捗").replace("    実績", "      実績").replace("    課題", "      課題"), encoding="utf-8")
    assert validate.check_paths(small_repo) == []
    problems = validate.check_paths(small_repo, canonical=True)
    assert len(problems) == 1 and "shinchoku fmt" in problems[0].message
    assert main(["fmt", "--check", "--repo", str(small_repo)]) == 1
    assert main(["fmt", "--repo", str(small_repo)]) == 0
    assert path.read_text(encoding="utf-8") == GOOD
    assert main(["fmt", "--check", "--repo", str(small_repo)]) == 0


def test_fmt_leaves_broken_files_alone(small_repo, capsys):
    path = write(small_repo, "records/R2/05.yaml", "No: 5\n年度: [R2\n")
    assert main(["fmt", "--repo", str(small_repo)]) == 1
    assert path.read_text(encoding="utf-8") == "No: 5\n年度: [R2\n"
    assert "書き換えていません" in capsys.readouterr().out


def test_check_as_a_process_never_tracebacks(small_repo):
    write(small_repo, "records/R2/05.yaml", "\x00\x01 not yaml at all: [")
    proc = subprocess.run([sys.executable, "-m", "shinchoku", "check"], cwd=small_repo, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stdout.startswith("records/R2/05.yaml:")


@pytest.mark.parametrize("text", ["", "# 何もない\n", "- 1\n- 2\n", "ただの文字\n"])
def test_fmt_leaves_a_document_that_is_not_a_record_alone(small_repo, capsys, text):
    path = write(small_repo, "records/R2/05.yaml", text)
    for args in (["fmt", "--check"], ["fmt"]):
        assert main([*args, "--repo", str(small_repo)]) == 1
        out = capsys.readouterr().out
        assert "records/R2/05.yaml:1: 記録の形になっていません" in out and "書き換えていません" in out
    assert path.read_text(encoding="utf-8") == text


def test_fmt_outside_a_records_repository_is_a_usage_error(tmp_path, capsys):
    assert main(["fmt", "--repo", str(tmp_path)]) == 2
    assert "記録リポジトリが見つかりません" in capsys.readouterr().err


@pytest.mark.parametrize("rel", ["records/R2/05.yml", "records/R2/old/05.yaml", "records/05.yaml"])
def test_whole_repository_check_names_a_misplaced_record(small_repo, capsys, rel):
    """These were passed over silently: the records in them counted nowhere."""
    write(small_repo, rel, GOOD)
    code, out, _err = run_check(capsys, "--repo", str(small_repo))
    assert code == 1
    assert out == [f"{rel}: ファイルの場所か名前が正しくありません（records/<年度>/<No 2桁>.yaml に置いてください）"]


def test_a_number_written_as_a_key_is_named_as_that_key(small_repo, capsys):
    write(small_repo, "records/R2/05.yaml", GOOD + "5: x\n")
    code, out, _err = run_check(capsys, "--repo", str(small_repo))
    assert code == 1 and out[0].endswith(": 5: 「5」という項目はありません（使える項目：No・年度・報告）"), out


def test_pre_commit_hook_outside_git_is_a_usage_error(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["hook", "pre-commit"]) == 2
    assert "git のリポジトリではありません" in capsys.readouterr().err


def test_a_file_outside_records_is_said_to_be_unchecked(small_repo, capsys):
    other = write(small_repo, "notes.yaml", "a: [\n")
    code, out, err = run_check(capsys, str(other))
    assert code == 0 and out == []
    assert "records/ の外のファイルは確認していません" in err and "問題はありません（0件" in err


def test_fmt_never_rewrites_access_yaml_or_other_files(small_repo, capsys):
    """fmt records/access.yaml used to rewrite it as a record, dropping every comment."""
    access = write(small_repo, "records/access.yaml", "# 説明のコメント\n調整担当:\n  - kyodo\n")
    other = write(small_repo, "notes.yaml", "b: 1\na: 2\n")
    for args in (["fmt"], ["fmt", "--check"]):
        assert main([*args, str(access), str(other), "--repo", str(small_repo)]) == 0
        assert "記録でも計画でもないため、書き換えていません" in capsys.readouterr().err
    assert access.read_text(encoding="utf-8") == "# 説明のコメント\n調整担当:\n  - kyodo\n"
    assert other.read_text(encoding="utf-8") == "b: 1\na: 2\n"

"""The server is the guard: the attacks of issue 8 (items 1-3), each pushed for real.

A bare central repository with the hook put in by `shinchoku server-install`, clones
wired by `shinchoku install`, pushes over the local transport with REMOTE_USER set (what
git http-backend or GitLab hand the hook).  Every attack must be refused with a Japanese
line naming what was refused, and the central repository must be exactly as before
(every ref compared)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import edit_report
from gitrepo import git, git_env, refs, remote_said, run_git
from shinchoku.rules import access

COORDINATOR = ("協働推進課 調整担当", "kyodo@city.example")
YAMADA = ("山田 花子", "yamada@city.example")      # 指導室
ACCESS = "調整担当:\n  - kyodo\n担当:\n  yamada:\n    - 指導室\n  sato:\n    - 児童青少年課\n"
SUMMARY = "さんからの送信を受け付けませんでした"


def out(cwd: Path, *args: str, **kw) -> str:
    return git(cwd, *args, **kw).strip()


def commit(clone: Path, message: str, *extra: str) -> str:
    git(clone, "commit", "-q", *extra, "-m", message)
    return out(clone, "rev-parse", "HEAD")


def refused(central: Path, clone: Path, user: str, refspec: str = "HEAD:main", **extra: str) -> str:
    """Push; assert it was refused and the central repository did not change; the hook's words."""
    before = refs(central)
    done = run_git(clone, "push", "-q", "origin", refspec, user=user, check=False, env=extra)
    assert done.returncode != 0, f"{user}: accepted {refspec}"
    assert refs(central) == before
    return remote_said(done)


def accepted(clone: Path, user: str, refspec: str = "HEAD:main") -> None:
    done = run_git(clone, "push", "-q", "origin", refspec, user=user, check=False)
    assert done.returncode == 0, done.stderr


def set_year_state(root: Path, year: str, state: str) -> None:
    plan = root / "records/plan.yaml"
    lines = plan.read_text(encoding="utf-8").split("\n")
    at = next(i for i, ln in enumerate(lines) if ln.strip() in (f"- 年度: {year}", f"年度: {year}"))
    k = next(i for i in range(at, at + 5) if lines[i].strip().startswith("状態:"))
    lines[k] = lines[k].split("状態:")[0] + f"状態: {state}"
    plan.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture
def office(make_office):
    """(central, kyodo's clone, yamada's clone): all wired as in production."""
    o = make_office(access=ACCESS, staff={"kyodo": COORDINATOR, "yamada": YAMADA})
    return o.central, o["kyodo"], o["yamada"]


# ------------------------------------------------------------------ 1. crafted merges

def test_the_crafted_merge_of_the_issue_is_refused(office):
    """The exact recipe: a merge with a new empty commit, deleting records/access.yaml."""
    central, _kyodo, yamada = office
    script = ("e=$(git hash-object -t tree -w /dev/null); r=$(git commit-tree $e -m e)\n"
              "git rm -q records/access.yaml\n"
              "git reset -q --hard $(git commit-tree $(git write-tree) -p HEAD -p $r -m merge)\n")
    done = subprocess.run(["sh", "-c", script], cwd=yamada, env=git_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    merge = out(yamada, "rev-parse", "--short", "HEAD")
    words = refused(central, yamada, "yamada").splitlines()
    assert f"コミット {merge}「merge」" in words
    assert "  records/access.yaml: 変更できる人の表（access.yaml）を変更できるのは調整担当だけです" in words
    assert words[-1].startswith(f"yamada {SUMMARY}")
    # the rules are still there: nameless pushes stay refused
    edit_report(yamada, "R2", 5, "指導室", 課題="講師の確保が難しい。")
    git(yamada, "reset", "-q", "--hard", "origin/main")
    edit_report(yamada, "R2", 5, "指導室", 課題="講師の確保が難しい。")
    commit(yamada, "R2 No.5 指導室: 課題 を更新", "-a")
    assert "利用者名が分からない" in refused(central, yamada, None)
    accepted(yamada, "yamada")


def _crafted_merge(clone: Path, change, *, empty_first: bool = False) -> str:
    """A merge of HEAD with a new empty commit whose tree is ``change`` applied to HEAD
    (the shape that matched 'unchanged' before): its short id."""
    change(clone)
    git(clone, "add", "-A")
    tree = out(clone, "write-tree")
    empty = out(clone, "commit-tree", out(clone, "hash-object", "-t", "tree", "-w", "/dev/null"), "-m", "e")
    parents = ["-p", empty, "-p", "HEAD"] if empty_first else ["-p", "HEAD", "-p", empty]
    merge = out(clone, "commit-tree", tree, *parents, "-m", "中央の変更を取り込み")
    git(clone, "reset", "-q", "--hard", merge)
    return merge[:7]


def _wipe_other_department(clone: Path) -> None:
    edit_report(clone, "R2", 5, "児童青少年課", 実績=None, 課題=None, 進捗状況=None)


def _delete_year_and_plan(clone: Path) -> None:
    for f in (clone / "records/R2").glob("*.yaml"):
        f.unlink()
    (clone / "records/plan.yaml").unlink()


@pytest.mark.parametrize("empty_first", [False, True], ids=["head-first", "empty-first"])
@pytest.mark.parametrize("attack, expected", [
    (_wipe_other_department,
     ["records/R2/05.yaml:", "報告[児童青少年課].実績: yamada さんは「児童青少年課」の報告を変更できません（変更できる課: 指導室）"]),
    (_delete_year_and_plan,
     ["  records/R2/01.yaml: 記録のファイルを削除できるのは調整担当だけです",
      "  records/R2/09.yaml: 記録のファイルを削除できるのは調整担当だけです",
      "  records/plan.yaml: 計画（plan.yaml）を変更できるのは調整担当だけです"]),
], ids=["other-department", "year-and-plan"])
def test_crafted_merges_are_judged_by_what_they_do_to_main(office, attack, expected, empty_first):
    central, _kyodo, yamada = office
    merge = _crafted_merge(yamada, attack, empty_first=empty_first)
    words = refused(central, yamada, "yamada")
    assert f"コミット {merge}「中央の変更を取り込み」" in words
    for phrase in expected:
        assert phrase in words, words


def test_a_crafted_merge_cannot_revert_a_coordinators_fix_in_a_closed_year(office):
    central, kyodo, yamada = office
    old_main = out(kyodo, "rev-parse", "HEAD")
    edit_report(kyodo, "R1", 5, "指導室", 備考="調整担当が訂正")
    commit(kyodo, "R1 No.5 指導室: 備考 を訂正", "-a")
    accepted(kyodo, "kyodo")
    git(yamada, "pull", "-q", "--ff-only")
    # main's tree goes back to before the fix; one parent is that older commit
    merge = out(yamada, "commit-tree", f"{old_main}^{{tree}}", "-p", "HEAD", "-p", old_main, "-m", "取り込み")
    git(yamada, "reset", "-q", "--hard", merge)
    words = refused(central, yamada, "yamada")
    assert f"コミット {merge[:7]}「取り込み」" in words
    assert "報告[指導室].備考: R1年度の受付は締め切られています（変更できるのは調整担当だけです）" in words


# ------------------------------------------------------------------ 2. a closed year, late

def test_a_branch_merged_after_the_year_closed_is_refused(office):
    central, kyodo, yamada = office
    git(yamada, "checkout", "-q", "-b", "late")
    edit_report(yamada, "R2", 5, "指導室", 課題="受付中に書いた課題")
    late = commit(yamada, "R2 No.5 指導室: 課題 を更新", "-a")
    # how the attack started: a branch on the server; staff have none
    words = refused(central, yamada, "yamada", "HEAD:refs/heads/late")
    assert "ブランチ「late」には送れません（担当の方が送れるのは main だけです）" in words
    # the coordinator closes R2
    set_year_state(kyodo, "R2", "締切")
    commit(kyodo, "R2年度の受付を締め切り", "-a")
    accepted(kyodo, "kyodo")
    # the branch merged into main afterwards
    git(yamada, "checkout", "-q", "main")
    git(yamada, "pull", "-q", "--ff-only")
    git(yamada, "merge", "-q", "--no-ff", "--no-edit", "late")
    words = refused(central, yamada, "yamada")
    assert "報告[指導室].課題: R2年度の受付は締め切られています（変更できるのは調整担当だけです）" in words
    # even when the branch's commit is already on the server (nothing in the push is new
    # but the merge itself)
    git(yamada, "push", "-q", "origin", f"{late}:refs/heads/late", user="kyodo")
    words = refused(central, yamada, "yamada")
    assert "報告[指導室].課題: R2年度の受付は締め切られています（変更できるのは調整担当だけです）" in words
    # a coordinator may still change a closed year
    accepted(yamada, "kyodo")


# ------------------------------------------------------------------ 3. what may stand in the tree

def _symlink(clone: Path) -> None:
    path = clone / "records/R2/05.yaml"
    path.unlink()
    os.symlink("01.yaml", path)
    git(clone, "add", "-A")


def _executable(clone: Path) -> None:
    git(clone, "update-index", "--chmod=+x", "records/R2/05.yaml")


def _gitlink(clone: Path) -> None:
    git(clone, "update-index", "--add", "--cacheinfo", f"160000,{out(clone, 'rev-parse', 'HEAD')},records/R2/sub")


def _tree_with(clone: Path, name: str) -> None:
    """The index's tree with one more top-level folder ``name`` (git itself refuses to
    stage such a name), read back into the index."""
    blob = out(clone, "hash-object", "-w", "records/R2/05.yaml")
    inner = out(clone, "mktree", input=f"100644 blob {blob}\tx.yaml\n")
    listing = out(clone, "ls-tree", out(clone, "write-tree"))
    tree = out(clone, "mktree", input=f"{listing}\n040000 tree {inner}\t{name}\n")
    (clone / ".attack-tree").write_text(tree)


def _dotdot(clone: Path) -> None:
    _tree_with(clone, "..")


def _dotgit(clone: Path) -> None:
    _tree_with(clone, ".git")


def _windows_name(clone: Path) -> None:
    (clone / "records" / "aux.txt").write_text("メモ\n", encoding="utf-8")
    git(clone, "add", "-A")


def _case_twin(clone: Path) -> None:
    # records/r2/ beside records/R2/: on Windows and macOS one folder, so a clone there
    # would hold only one of the two 05.yaml
    twin = clone / "records" / "r2" / "05.yaml"
    twin.parent.mkdir()
    twin.write_bytes((clone / "records" / "R2" / "05.yaml").read_bytes())
    git(clone, "add", "-A")


@pytest.mark.parametrize("attack, path, phrase", [
    (_symlink, "records/R2/05.yaml", "シンボリックリンクは置けません"),
    (_executable, "records/R2/05.yaml", "実行できるファイル（実行権限付き）は置けません"),
    (_gitlink, "records/R2/sub", "サブモジュール（別のリポジトリへの参照）は置けません"),
    (_dotdot, "..", "「..」という名前のファイルやフォルダは置けません"),
    (_dotgit, ".git", "「.git」という名前のファイルやフォルダは置けません"),
    (_windows_name, "records/aux.txt", "「aux.txt」は Windows の PC で扱えない名前です"),
    (_case_twin, "records/r2/05.yaml", "「records/r2」と「records/R2」は大文字・小文字（または文字の組み立て方）だけが違う名前です"),
], ids=["symlink", "executable", "gitlink", "dotdot", "dotgit", "windows-name", "case-twin"])
def test_entries_that_break_clones_are_refused_from_staff_and_coordinators(office, attack, path, phrase):
    central, kyodo, yamada = office
    for user, clone in (("yamada", yamada), ("kyodo", kyodo)):
        git(clone, "reset", "-q", "--hard", "origin/main")
        attack(clone)
        crafted = clone / ".attack-tree"
        if crafted.exists():
            sha = out(clone, "commit-tree", crafted.read_text(), "-p", "HEAD", "-m", "項目を追加")
            crafted.unlink()
        else:
            sha = commit(clone, "項目を追加", "--no-verify")
        words = refused(central, clone, user, f"{sha}:refs/heads/main").splitlines()
        assert f"コミット {sha[:7]}「項目を追加」" in words, words
        assert any(w.startswith(f"  {path}") and phrase in w for w in words), words
        # hidden behind a merge with a commit of the same tree, it is refused just as well
        merge = out(clone, "commit-tree", f"{sha}^{{tree}}", "-p", "HEAD", "-p", sha, "-m", "取り込み")
        words = refused(central, clone, user, f"{merge}:refs/heads/main").splitlines()
        assert any(w.startswith(f"  {path}") and phrase in w for w in words), words
    git(kyodo, "reset", "-q", "--hard", "origin/main")
    edit_report(kyodo, "R2", 5, "指導室", 備考="確認")
    commit(kyodo, "R2 No.5 指導室: 備考 を更新", "-a")
    accepted(kyodo, "kyodo")                         # and an ordinary push still goes through


def test_another_departments_empty_report_entry_cannot_be_removed(office):
    central, kyodo, yamada = office
    edit_report(kyodo, "R2", 5, "児童青少年課", 実績=None, 課題=None, 進捗状況=None)
    commit(kyodo, "R2 No.5 児童青少年課: 記入をやり直し", "-a")
    accepted(kyodo, "kyodo")
    git(yamada, "pull", "-q", "--ff-only")
    path = yamada / "records/R2/05.yaml"
    text = path.read_text(encoding="utf-8")
    assert "  - 主管課: 児童青少年課\n" in text
    path.write_text(text.replace("  - 主管課: 児童青少年課\n", ""), encoding="utf-8")
    sha = commit(yamada, "R2 No.5: 報告を整理", "-a")
    words = refused(central, yamada, "yamada").splitlines()
    assert f"コミット {sha[:7]}「R2 No.5: 報告を整理」" in words
    assert any("報告[児童青少年課]: yamada さんは「児童青少年課」の報告を変更できません" in w for w in words), words
    accepted(yamada, "kyodo")                        # the coordinator may


# ------------------------------------------------------------------ the hook's own Python

def test_the_hook_runs_the_servers_python_never_the_pushers(office, tmp_path):
    central, _kyodo, yamada = office
    marker = tmp_path / "ran"
    fake = tmp_path / "fake-python"
    fake.write_text(f"#!/bin/sh\ntouch {marker}\nexit 0\n")
    fake.chmod(0o755)
    path = yamada / "records/R2/05.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("計画通りに進んでいる", "順調"), encoding="utf-8")
    commit(yamada, "壊れた記録", "-a", "--no-verify")
    words = refused(central, yamada, "yamada", SHINCHOKU_PYTHON=str(fake), PYTHONPATH=str(tmp_path),
                    GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="shinchoku.python", GIT_CONFIG_VALUE_0=str(fake))
    assert "「順調」は選べる値ではありません" in words
    assert not marker.exists()
    # without the server's own setting the hook refuses, in Japanese, rather than guess
    git(central, "config", "--unset", "shinchoku.python")
    words = refused(central, yamada, "yamada", SHINCHOKU_PYTHON=sys.executable)
    assert "確認に使う Python が設定されていないため、受け付けませんでした" in words
    assert not marker.exists()


def test_the_hook_leaves_no_temporary_folders(office, tmp_path):
    central, kyodo, _yamada = office
    cache = central / "shinchoku" / "receive"
    # what a hook killed while writing the schema folder leaves: a process now gone
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    leftover = cache / f".tmp-{gone.pid}-0123456789ab"
    (leftover / "schema").mkdir(parents=True)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    schema_file = kyodo / "schema" / "record.schema.json"
    schema_file.write_text(schema_file.read_text(encoding="utf-8").replace('"maxLength": 2000', '"maxLength": 2001'), encoding="utf-8")
    edit_report(kyodo, "R2", 5, "指導室", 備考="スキーマ変更と同時")
    commit(kyodo, "スキーマの説明を変更", "-a")
    done = run_git(kyodo, "push", "-q", "origin", "HEAD:main", user="kyodo", check=False,
                   env={"TMPDIR": str(tmpdir)})
    assert done.returncode == 0, done.stderr
    assert not leftover.exists()
    assert list(tmpdir.iterdir()) == []
    schema_tree = out(kyodo, "rev-parse", "HEAD:schema")
    kept = {p.name for p in cache.iterdir() if p.is_dir()}
    assert not [p for p in cache.iterdir() if p.name.startswith(".tmp-")]
    assert schema_tree in kept and kept <= {schema_tree, out(kyodo, "rev-parse", "HEAD~1:schema")}
    assert (cache / schema_tree / "schema" / "record.schema.json").read_bytes() == schema_file.read_bytes()


# ------------------------------------------------------------------ the decision itself

def test_judge_takes_main_before_and_after_and_nothing_else():
    """access.judge is a plain function of (old files, new files, user, rules, plan): the
    place where further rules on a change (e.g. report states) go beside it."""
    from conftest import small_plan, small_records
    from shinchoku.model import records
    from shinchoku.model.plan import Plan

    rules = access.parse(ACCESS.encode())
    plan = Plan(small_plan())
    by_key = {(r["年度"], r["No"]): r for r in small_records()}
    before = records.dumps(by_key[("R2", 5)]).encode()
    rec = by_key[("R2", 5)]
    mine = {**rec, "報告": [{**rec["報告"][0], "課題": "講師の確保"}, rec["報告"][1]]}
    theirs = {**rec, "報告": [rec["報告"][0], {**rec["報告"][1], "課題": "別の課題"}]}
    path = "records/R2/05.yaml"
    assert access.judge({path: before}, {path: records.dumps(mine).encode()}, "yamada", rules, plan) == []
    [problem] = access.judge({path: before}, {path: records.dumps(theirs).encode()}, "yamada", rules, plan)
    assert (problem.path, problem.field) == (path, "報告[児童青少年課].課題")
    assert problem.message == "yamada さんは「児童青少年課」の報告を変更できません（変更できる課: 指導室）"
    assert problem.line > 0
    assert access.judge({path: before}, {path: records.dumps(theirs).encode()}, "kyodo", rules, plan) == []
    closed = "records/R1/05.yaml"
    old_r1 = records.dumps(by_key[("R1", 5)]).encode()
    r1 = by_key[("R1", 5)]
    new_r1 = records.dumps({**r1, "報告": [{**r1["報告"][0], "備考": "追記"}, r1["報告"][1]]}).encode()
    [problem] = access.judge({closed: old_r1}, {closed: new_r1}, "yamada", rules, plan)
    assert problem.message == "R1年度の受付は締め切られています（変更できるのは調整担当だけです）"
    gone = access.judge({access.ACCESS_RELPATH: ACCESS.encode(), path: before}, {}, "yamada", rules, plan)
    assert sorted((p.path, p.message) for p in gone) == sorted([
        (access.ACCESS_RELPATH, "変更できる人の表（access.yaml）を変更できるのは調整担当だけです"),
        (path, "記録のファイルを削除できるのは調整担当だけです")])


def test_only_a_new_name_that_one_pc_would_merge_with_another_is_a_clash():
    from shinchoku.rules import treeshape

    decomposed = "records/カ\u3099イド.txt"          # ガ written as カ + a combining mark (NFD, as macOS writes)
    tree = ["records/R2/05.yaml", "records/r2/06.yaml", "records/ガイド.txt", decomposed,
            "records/old/A.txt", "records/old/a.txt", "records/R3/05.yaml"]
    found = treeshape.name_clashes(tree, ["records/r2/06.yaml", decomposed, "records/R3/05.yaml"])
    assert set(found) == {"records/r2/06.yaml", decomposed}                   # R3 stands alone
    assert "「records/r2」と「records/R2」は大文字・小文字" in found["records/r2/06.yaml"]
    assert f"「{decomposed}」と「records/ガイド.txt」" in found[decomposed]
    # a clash that was there before (old/A.txt beside old/a.txt) is not this push's doing
    assert treeshape.name_clashes(tree, ["records/R3/05.yaml"]) == {}

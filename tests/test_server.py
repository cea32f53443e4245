"""The central server's pre-receive hook on real repositories: a bare central repo with the
hook put in by the real `shinchoku server-install`, clones for a coordinator and two staff
members, pushes over the local transport and over HTTP (git http-backend) on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import edit_report, write_small_repo
from gitrepo import central_repo, git, git_http, push, refs, remote_said, run_git
from shinchoku.cli import main
from shinchoku.rules import access, validate

COORDINATOR = ("協働推進課 調整担当", "kyodo@city.example")
YAMADA = ("山田 花子", "yamada@city.example")      # 指導室
SATO = ("佐藤 一郎", "sato@city.example")          # 児童青少年課, 協働推進課

ACCESS = """\
調整担当:
  - kyodo
担当:
  yamada:
    - 指導室
  sato:
    - 児童青少年課
    - 協働推進課
"""


def commit(root: Path, who, message: str, *extra: str) -> str:
    git(root, "commit", "-q", *extra, "-am", message, who=who)
    return git(root, "rev-parse", "HEAD").strip()


def line_of(root: Path, relpath: str, needle: str) -> int:
    lines = (root / relpath).read_text(encoding="utf-8").splitlines()
    return next(i for i, ln in enumerate(lines, 1) if needle in ln)


@pytest.fixture
def office(make_office):
    """(central, coordinator, yamada, sato): the small repo with access.yaml on a central
    server whose pre-receive hook was put in by `shinchoku server-install`."""
    o = make_office(access=ACCESS, wired=False, seed_dir="coordinator", staff={"yamada": None, "sato": None},
                    install=False)
    return o.central, o.seed, o["yamada"], o["sato"]


def test_server_install_puts_the_shim_and_the_python(tmp_path, capsys):
    central = central_repo(tmp_path / "c.git", hook=False)
    assert main(["server-install", str(central), "--pusher-env", "X_USER"]) == 0
    hook = central / "hooks" / "pre-receive"
    assert os.access(hook, os.X_OK)
    assert hook.read_bytes() == (Path(__file__).resolve().parents[1] / "hooks" / "pre-receive").read_bytes()
    assert git(central, "config", "shinchoku.pusherEnv").strip() == "X_USER"
    python = git(central, "config", "shinchoku.python").strip()
    assert subprocess.run([python, "-c", "import shinchoku"]).returncode == 0
    out = capsys.readouterr().out
    assert "送った人の利用者名: X_USER から読みます" in out
    assert "records/access.yaml はまだありません。最初の送信に access.yaml があれば" in out
    # another hook is not overwritten without --force; a working tree is not a server
    hook.write_text("#!/bin/sh\nexit 0\n")
    assert main(["server-install", str(central)]) == 1
    assert "別の pre-receive フック" in capsys.readouterr().err
    assert main(["server-install", str(central), "--force"]) == 0
    work = tmp_path / "work"
    git(tmp_path, "init", "-q", str(work))
    assert main(["server-install", str(work)]) == 1
    assert "bare リポジトリではありません" in capsys.readouterr().err


def test_invalid_record_pushed_with_no_verify_is_refused_and_central_unchanged(office):
    central, _c, yamada, _s = office
    before = refs(central)
    path = yamada / "records/R2/05.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("進捗状況: 計画通りに進んでいる", "進捗状況: 順調"),
                    encoding="utf-8")
    sha = commit(yamada, YAMADA, "R2 No.5 指導室: 進捗状況 を更新", "--no-verify")
    done = push(yamada, "yamada")
    assert done.returncode != 0
    said = remote_said(done)
    line = line_of(yamada, "records/R2/05.yaml", "順調")
    assert f"コミット {sha[:7]}「R2 No.5 指導室: 進捗状況 を更新」" in said
    assert (f"  records/R2/05.yaml:{line}: 報告[指導室].進捗状況: 「順調」は選べる値ではありません"
            "（計画通りに進んでいる／計画通りに進んでいない／完了(目標を達成)／計画を変更して実施している）") in said
    assert "yamada さんからの送信を受け付けませんでした: コミット1件で1件の問題があります" in said
    assert refs(central) == before
    assert run_git(central, "cat-file", "-e", sha, check=False).returncode != 0   # not even the objects


def test_text_out_of_canonical_form_is_refused(office):
    central, _c, yamada, _s = office
    path = yamada / "records/R2/05.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    commit(yamada, YAMADA, "空行を追加", "--no-verify")
    done = push(yamada, "yamada")
    assert done.returncode != 0
    assert "records/R2/05.yaml" in remote_said(done) and "決められた書式になっていません" in remote_said(done)


def test_staff_edit_own_department_accepted_other_department_refused(office):
    central, _c, yamada, _s = office
    edit_report(yamada, "R2", 5, "指導室", 課題="講師の確保が難しい。")
    mine = commit(yamada, YAMADA, "R2 No.5 指導室: 課題 を更新")
    assert push(yamada, "yamada").returncode == 0
    assert git(central, "rev-parse", "main").strip() == mine
    before = refs(central)
    edit_report(yamada, "R2", 5, "児童青少年課", 課題="情報交換会を開く。")
    other = commit(yamada, YAMADA, "R2 No.5 児童青少年課: 課題 を更新")
    done = push(yamada, "yamada")
    assert done.returncode != 0
    line = line_of(yamada, "records/R2/05.yaml", "情報交換会を開く。")
    said = remote_said(done)
    assert f"コミット {other[:7]}「R2 No.5 児童青少年課: 課題 を更新」" in said
    assert (f"  records/R2/05.yaml:{line}: 報告[児童青少年課].課題: yamada さんは「児童青少年課」の報告を"
            "変更できません（変更できる課: 指導室）") in said.splitlines()
    assert refs(central) == before


def test_closed_year_refused_to_staff_and_accepted_from_a_coordinator(office):
    central, coord, yamada, _s = office
    before = refs(central)
    edit_report(yamada, "R1", 5, "指導室", 備考="追記")
    commit(yamada, YAMADA, "R1 No.5 指導室: 備考 を更新")
    done = push(yamada, "yamada")
    assert done.returncode != 0
    assert ("records/R1/05.yaml:" in remote_said(done)
            and "報告[指導室].備考: R1年度の受付は締め切られています（変更できるのは調整担当だけです）" in remote_said(done))
    assert refs(central) == before
    edit_report(coord, "R1", 5, "指導室", 備考="追記")
    fix = commit(coord, COORDINATOR, "R1 No.5 指導室: 備考 を訂正")
    done = push(coord, "kyodo")
    assert done.returncode == 0, done.stderr
    assert git(central, "rev-parse", "main").strip() == fix


def test_plan_and_access_changes_are_for_coordinators_only(office):
    central, coord, _y, sato = office
    before = refs(central)
    plan = sato / validate.PLAN_RELPATH
    plan.write_text(plan.read_text(encoding="utf-8").replace("シンポジウムの開催", "シンポジウムの開催・運営"),
                    encoding="utf-8")
    (sato / access.ACCESS_RELPATH).write_text(ACCESS + "  tanaka:\n    - 指導室\n", encoding="utf-8")
    sha = commit(sato, SATO, "計画の施策名を変更")
    done = push(sato, "sato")
    assert done.returncode != 0
    said = remote_said(done).splitlines()
    assert f"コミット {sha[:7]}「計画の施策名を変更」" in said
    assert "  records/plan.yaml: 計画（plan.yaml）を変更できるのは調整担当だけです" in said
    assert "  records/access.yaml: 変更できる人の表（access.yaml）を変更できるのは調整担当だけです" in said
    assert refs(central) == before
    # nor may staff add or delete record files
    new_plan = plan.read_bytes()
    git(sato, "reset", "-q", "--hard", "origin/main")
    new = sato / "records/R2/10.yaml"
    new.write_bytes((sato / "records/R2/09.yaml").read_bytes())
    (sato / "records/R2/01.yaml").unlink()
    git(sato, "add", "-A")
    commit(sato, SATO, "記録を追加・削除", "--no-verify")
    said = remote_said(push(sato, "sato")).splitlines()
    assert "  records/R2/01.yaml: 記録のファイルを削除できるのは調整担当だけです" in said
    assert ("  records/R2/10.yaml: 記録のファイルを新しく作れるのは調整担当だけです"
            "（年度の受付を始めると、各課の記録が用意されます）") in said
    assert refs(central) == before
    # the same change from the coordinator goes through
    git(coord, "pull", "-q")
    (coord / validate.PLAN_RELPATH).write_bytes(new_plan)
    commit(coord, COORDINATOR, "計画の施策名を変更")
    assert push(coord, "kyodo").returncode == 0


def test_a_merge_bringing_in_others_work_is_accepted_but_not_an_evil_merge(office):
    central, _c, yamada, sato = office
    edit_report(sato, "R2", 9, "協働推進課", 備考="3回")
    commit(sato, SATO, "R2 No.9 協働推進課: 備考 を更新")
    assert push(sato, "sato").returncode == 0
    edit_report(yamada, "R2", 5, "指導室", 課題="講師の確保が難しい。")
    commit(yamada, YAMADA, "R2 No.5 指導室: 課題 を更新")
    git(yamada, "pull", "-q", "--no-rebase", "--no-edit", who=YAMADA)
    merge = git(yamada, "rev-parse", "HEAD").strip()
    assert len(git(yamada, "log", "-1", "--format=%P").split()) == 2
    done = push(yamada, "yamada")
    assert done.returncode == 0, done.stderr
    assert git(central, "rev-parse", "main").strip() == merge
    # both edit the same record, each their own report: the merged file differs from both
    # parents, yet no field differs from both
    git(sato, "pull", "-q", "--ff-only")
    edit_report(sato, "R2", 5, "児童青少年課", 課題="情報交換会を年2回開く。")
    commit(sato, SATO, "R2 No.5 児童青少年課: 課題 を更新")
    assert push(sato, "sato").returncode == 0
    edit_report(yamada, "R2", 5, "指導室", 次年度へ向けた取組="地域の講師を増やす。")
    commit(yamada, YAMADA, "R2 No.5 指導室: 次年度へ向けた取組 を更新")
    git(yamada, "pull", "-q", "--no-rebase", "--no-edit", who=YAMADA)
    merged = git(yamada, "rev-parse", "HEAD").strip()
    assert git(yamada, "diff", "--name-only", "HEAD^1", "HEAD").split() == ["records/R2/05.yaml"]
    assert git(yamada, "diff", "--name-only", "HEAD^2", "HEAD").split() == ["records/R2/05.yaml"]
    done = push(yamada, "yamada")
    assert done.returncode == 0, done.stderr
    assert git(central, "rev-parse", "main").strip() == merged
    # a merge that itself changes another department's report is refused
    git(sato, "pull", "-q", "--ff-only")
    edit_report(sato, "R2", 9, "協働推進課", 備考="4回")
    commit(sato, SATO, "R2 No.9 協働推進課: 備考 を更新")
    assert push(sato, "sato").returncode == 0
    edit_report(yamada, "R2", 5, "指導室", 課題="講師の確保が難しい。日程の調整も必要。")
    commit(yamada, YAMADA, "R2 No.5 指導室: 課題 を更新")
    git(yamada, "fetch", "-q")
    git(yamada, "merge", "-q", "--no-commit", "origin/main", who=YAMADA)
    edit_report(yamada, "R2", 9, "協働推進課", 備考="5回")
    evil = commit(yamada, YAMADA, "中央の変更を取り込み")
    before = refs(central)
    done = push(yamada, "yamada")
    assert done.returncode != 0
    said = remote_said(done)
    assert f"コミット {evil[:7]}「中央の変更を取り込み」" in said
    assert "報告[協働推進課].備考: yamada さんは「協働推進課」の報告を変更できません（変更できる課: 指導室）" in said
    assert "報告[指導室]" not in said            # yamada's own field is fine
    assert refs(central) == before


def test_no_identity_is_refused_when_access_rules_exist(office):
    central, _c, yamada, _s = office
    before = refs(central)
    edit_report(yamada, "R2", 5, "指導室", 課題="講師の確保が難しい。")
    commit(yamada, YAMADA, "R2 No.5 指導室: 課題 を更新")
    done = push(yamada, None)
    assert done.returncode != 0
    assert ("送った人の利用者名が分からないため、受け付けませんでした（サーバーが GL_USERNAME・GITEA_PUSHER_NAME・"
            "REMOTE_USER のどれにも名前を渡していません）") in remote_said(done)
    assert refs(central) == before
    # an unknown user is refused too, with the reason
    done = push(yamada, "tanaka")
    assert done.returncode != 0
    assert remote_said(done) == ("tanaka さんは records/access.yaml に登録されていないため、送信を受け付けませんでした。"
                                 "協働推進課（調整担当）に records/access.yaml への登録を頼んでください"
                                 "（管理者が「担当:」に tanaka と担当する課を、調整担当にするときは「調整担当:」に "
                                 "tanaka を追加します）。送ろうとした内容はそのまま送れます")
    # the server may name the variable to read: then REMOTE_USER is not looked at
    git(central, "config", "shinchoku.pusherEnv", "GITEA_PUSHER_NAME")

    def push_as(gitea_user: str) -> subprocess.CompletedProcess:
        return run_git(yamada, "push", "-q", "origin", "HEAD:main", user="kyodo",
                       env={"GITEA_PUSHER_NAME": gitea_user}, check=False)

    done = push_as("sato")
    assert done.returncode != 0
    assert "sato さんは「指導室」の報告を変更できません（変更できる課: 児童青少年課・協働推進課）" in remote_said(done)
    done = push_as("yamada")
    assert done.returncode == 0, done.stderr


def test_tags_and_branch_deletion(office):
    central, coord, yamada, _s = office
    git(yamada, "tag", "-a", "-m", "確認", "reviewed/2025-05-01", who=YAMADA)
    done = push(yamada, "yamada", "refs/tags/reviewed/2025-05-01")
    assert done.returncode != 0
    assert "確認済みの印（reviewed/2025-05-01）を付けたり消したりできるのは調整担当だけです" in remote_said(done)
    git(yamada, "tag", "v1")
    assert "タグ「v1」には送れません（担当の方が送れるのは main だけです）" in remote_said(push(yamada, "yamada", "v1"))
    git(coord, "tag", "-a", "-m", "確認", "reviewed/2025-05-01", who=COORDINATOR)
    assert push(coord, "kyodo", "refs/tags/reviewed/2025-05-01").returncode == 0
    before = refs(central)
    done = push(yamada, "yamada", "HEAD:refs/heads/yamada-work")       # staff have no use for a branch
    assert done.returncode != 0
    assert "ブランチ「yamada-work」には送れません（担当の方が送れるのは main だけです）" in remote_said(done)
    assert refs(central) == before
    assert push(coord, "kyodo", "HEAD:refs/heads/kyodo-work").returncode == 0
    done = push(yamada, "yamada", ":refs/heads/kyodo-work")
    assert done.returncode != 0 and "ブランチ「kyodo-work」には送れません" in remote_said(done)
    assert push(coord, "kyodo", ":refs/heads/kyodo-work").returncode == 0
    assert "refs/heads/kyodo-work" not in refs(central)
    before = refs(central)
    for user, clone in (("yamada", yamada), ("kyodo", coord)):            # main stays, whoever asks
        done = push(clone, user, ":refs/heads/main")
        assert done.returncode != 0
        assert "main（記録の本体）は削除できません" in remote_said(done)
        assert refs(central) == before


def test_without_access_yaml_only_validation_is_enforced(tmp_path):
    central = central_repo(tmp_path / "central.git")
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    write_small_repo(work)
    git(work, "add", "-A")
    commit(work, YAMADA, "取り込み")
    git(work, "remote", "add", "origin", str(central))
    assert push(work, None).returncode == 0                        # nobody named, no rules: fine
    edit_report(work, "R1", 5, "児童青少年課", 課題="x")
    commit(work, YAMADA, "締切の年度も")
    assert push(work, None).returncode == 0
    (work / "records/R2/05.yaml").write_text("No: 5\n年度: R2\n", encoding="utf-8")
    commit(work, YAMADA, "壊れた記録", "--no-verify")
    done = push(work, None)
    assert done.returncode != 0
    assert "records/R2/05.yaml:1: 「報告」がありません" in remote_said(done)


def test_check_validates_access_yaml(small_repo, capsys):
    (small_repo / access.ACCESS_RELPATH).write_text(access.template(), encoding="utf-8")
    assert main(["check", "--repo", str(small_repo)]) == 0
    capsys.readouterr()
    (small_repo / access.ACCESS_RELPATH).write_text(
        "調整担当: kyodo\n担当:\n  yamada:\n    - 指導室\n    - 総務課\n  \"sato ichiro\": [協働推進課]\n", encoding="utf-8")
    assert main(["check", "--repo", str(small_repo)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "records/access.yaml:1: 調整担当: 一覧（- で始まる行）で書いてください（今は文字列です）",
        "records/access.yaml:5: 担当.yamada: 「総務課」は計画（plan.yaml）のどの施策の主管課でもありません",
        "records/access.yaml:6: 担当.sato ichiro: 利用者名「sato ichiro」に空白や制御文字は使えません",
    ]
    rules = access.parse(access.template().encode())
    assert rules.is_coordinator("kyodo-suzuki") and not rules.is_coordinator("yamada")
    assert rules.may_edit("sato", "協働推進課") and not rules.may_edit("yamada", "協働推進課")
    assert rules.may_edit("kyodo-suzuki", "指導室")


# --------------------------------------------------------------------------- over HTTP

@pytest.fixture
def http_server(tmp_path):
    """Serve tmp_path's bare repositories on 127.0.0.1 (a random port): the port."""
    with git_http(tmp_path, {"yamada": "pw-y", "kyodo": "pw-k"}, stop_after=300) as port:
        yield port


def test_push_over_http_names_the_user_from_basic_auth(office, http_server):
    central, _c, yamada, _s = office
    port = http_server
    git(yamada, "remote", "set-url", "origin", f"http://yamada:pw-y@127.0.0.1:{port}/central.git")
    edit_report(yamada, "R2", 5, "指導室", 課題="講師の確保が難しい。")
    mine = commit(yamada, YAMADA, "R2 No.5 指導室: 課題 を更新")
    done = push(yamada, None)
    assert done.returncode == 0, done.stderr
    assert git(central, "rev-parse", "main").strip() == mine
    before = refs(central)
    edit_report(yamada, "R2", 5, "児童青少年課", 課題="情報交換会を開く。")
    commit(yamada, YAMADA, "R2 No.5 児童青少年課: 課題 を更新")
    done = push(yamada, None)
    assert done.returncode != 0
    assert "yamada さんは「児童青少年課」の報告を変更できません（変更できる課: 指導室）" in remote_said(done)
    assert refs(central) == before
    # the same commit, pushed by the coordinator's login, goes through
    git(yamada, "remote", "set-url", "origin", f"http://kyodo:pw-k@127.0.0.1:{port}/central.git")
    done = push(yamada, None)
    assert done.returncode == 0, done.stderr
    assert refs(central) != before
    # a wrong password is turned away before any hook runs
    edit_report(yamada, "R2", 5, "指導室", 課題="講師の確保が難しい。日程の調整も必要。")
    commit(yamada, YAMADA, "R2 No.5 指導室: 課題 を更新")
    before = refs(central)
    git(yamada, "remote", "set-url", "origin", f"http://yamada:wrong@127.0.0.1:{port}/central.git")
    done = push(yamada, None)
    assert done.returncode != 0 and "Authentication failed" in done.stderr
    assert refs(central) == before


def test_schema_from_the_pushed_tree_and_broken_schema_or_access_refused_even_to_coordinators(office):
    central, coord, _y, _s = office
    git(coord, "pull", "-q")
    record_schema = coord / "schema" / "record.schema.json"
    good = record_schema.read_text(encoding="utf-8")
    # a new 進捗状況 value and a record using it, in one commit: checked with the pushed schema
    record_schema.write_text(good.replace('"計画を変更して実施している"', '"計画を変更して実施している",\n            "中止"'),
                             encoding="utf-8")
    edit_report(coord, "R2", 1, "協働推進課", 進捗状況="中止")
    commit(coord, COORDINATOR, "進捗状況に「中止」を追加")
    done = push(coord, "kyodo")
    assert done.returncode == 0, done.stderr
    before = refs(central)
    record_schema.write_text(good[:-3], encoding="utf-8")
    broken = commit(coord, COORDINATOR, "スキーマを編集", "--no-verify")
    done = push(coord, "kyodo")
    assert done.returncode != 0
    said = remote_said(done)
    assert f"コミット {broken[:7]}「スキーマを編集」" in said
    assert "schema/record.schema.json:" in said and "JSON として読めません" in said
    assert refs(central) == before
    git(coord, "reset", "-q", "--hard", "HEAD~1")
    (coord / access.ACCESS_RELPATH).write_text(ACCESS.replace("    - 指導室\n", "    - 総務課\n"), encoding="utf-8")
    commit(coord, COORDINATOR, "担当を変更", "--no-verify")
    done = push(coord, "kyodo")
    assert done.returncode != 0
    assert ("records/access.yaml:5: 担当.yamada: 「総務課」は計画（plan.yaml）のどの施策の主管課でもありません"
            in remote_said(done))
    assert refs(central) == before


def test_rewriting_a_pushed_branch_is_for_coordinators_only(office):
    central, _c, yamada, _s = office
    edit_report(yamada, "R2", 5, "指導室", 課題="講師の確保が難しい。")
    commit(yamada, YAMADA, "R2 No.5 指導室: 課題 を更新")
    assert push(yamada, "yamada").returncode == 0
    edit_report(yamada, "R2", 5, "指導室", 課題="講師の確保が難しい（訂正）。")
    commit(yamada, YAMADA, "R2 No.5 指導室: 課題 を更新", "--amend")
    before = refs(central)
    done = push(yamada, "yamada", "+HEAD:main")
    assert done.returncode != 0
    assert "main の履歴を書き換える送信（強制送信）はできません" in remote_said(done)
    assert refs(central) == before
    assert push(yamada, "kyodo", "+HEAD:main").returncode == 0


def test_access_schema_is_valid_draft_2020_12():
    from jsonschema import Draft202012Validator

    from shinchoku.model import schema

    Draft202012Validator.check_schema(schema.load(schema.ACCESS))


def test_rules_come_from_the_servers_main_not_the_pushed_tree(office):
    central, coord, yamada, _s = office
    # the coordinator moves yamada to 児童青少年課 on main
    git(coord, "pull", "-q")
    (coord / access.ACCESS_RELPATH).write_text(ACCESS.replace("  yamada:\n    - 指導室\n", "  yamada:\n    - 児童青少年課\n"),
                                               encoding="utf-8")
    commit(coord, COORDINATOR, "山田さんの担当を児童青少年課に変更")
    assert push(coord, "kyodo").returncode == 0
    # yamada's commit is on the old access.yaml (it names 指導室); the server's main decides
    edit_report(yamada, "R2", 5, "指導室", 課題="講師の確保が難しい。日程も調整する。")
    commit(yamada, YAMADA, "R2 No.5 指導室: 課題 を更新")
    git(yamada, "pull", "-q", "--no-rebase", "--no-edit", who=YAMADA)
    assert "    - 指導室" not in (yamada / access.ACCESS_RELPATH).read_text(encoding="utf-8")
    before = refs(central)
    done = push(yamada, "yamada")
    assert done.returncode != 0
    assert "yamada さんは「指導室」の報告を変更できません（変更できる課: 児童青少年課）" in remote_said(done)
    assert refs(central) == before


def test_pre_commit_checks_a_staged_access_yaml(small_repo):
    from shinchoku.hooks import precommit
    from shinchoku.store import Store

    git(small_repo, "init", "-q", "-b", "main")
    git(small_repo, "add", "-A")
    git(small_repo, "commit", "-q", "-m", "取り込み", who=COORDINATOR)
    (small_repo / access.ACCESS_RELPATH).write_text("調整担当: [kyodo]\n担当:\n  yamada: 指導室\n", encoding="utf-8")
    git(small_repo, "add", access.ACCESS_RELPATH)
    with Store(small_repo) as store:
        problems, _checked = precommit.check_index(store)
    assert [str(p) for p in problems] == [
        "records/access.yaml:3: 担当.yamada: 一覧（- で始まる行）で書いてください（今は文字列です）"]


def test_a_plan_change_must_still_fit_the_records_it_did_not_touch(office):
    """Even a coordinator cannot push a plan that orphans existing records."""
    central, coord, _y, _s = office
    before = refs(central)
    plan = coord / validate.PLAN_RELPATH
    text = plan.read_text(encoding="utf-8")
    both = "主管課:\n              - 指導室\n              - 児童青少年課\n"
    assert both in text
    plan.write_text(text.replace(both, "主管課:\n              - 指導室\n"), encoding="utf-8")
    commit(coord, COORDINATOR, "No 5 の主管課を指導室だけにする")
    done = push(coord, "kyodo")
    assert done.returncode != 0
    said = remote_said(done)
    for year in ("H30", "R1", "R2"):      # every year's No 5 still has a 児童青少年課 report
        assert f"records/{year}/05.yaml:" in said, said
    assert "「児童青少年課」はNo 5（次代の協働の担い手の育成）の主管課ではありません（主管課：指導室）" in said
    assert refs(central) == before


def test_sync_refused_by_the_server_says_how_to_take_the_commit_back(office, capsys, monkeypatch):
    """A staff member changed another department's report: the server refuses, and since it
    checks every commit a fix on top would be refused too; sync says how to undo the
    commit without losing the typed text."""
    _central, _c, yamada, _s = office
    git(yamada, "config", "user.name", YAMADA[0])
    git(yamada, "config", "user.email", YAMADA[1])
    path = yamada / "records/R2/05.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("課題: 協力者との情報交換が足りない。", "課題: 他課のメモ"), encoding="utf-8")
    commit(yamada, YAMADA, "R2 No.5 児童青少年課: 備考 を更新")
    monkeypatch.setenv("REMOTE_USER", "yamada")
    monkeypatch.setenv("SHINCHOKU_PYTHON", sys.executable)
    capsys.readouterr()
    assert main(["sync", "--repo", str(yamada)]) == 1
    err = capsys.readouterr().err
    assert "「児童青少年課」の報告を変更できません" in err
    assert "git reset origin/main でコミットを取り消すと、変更した内容はファイルに残ります" in err
    # and the advice works: the text is still in the file, the clone at the central head
    git(yamada, "reset", "-q", "origin/main")
    assert "他課のメモ" in path.read_text(encoding="utf-8")
    assert git(yamada, "rev-parse", "HEAD") == git(yamada, "rev-parse", "origin/main")

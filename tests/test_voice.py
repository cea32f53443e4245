"""One voice (issue 9): one error base with a kind and its problems, one boundary that
says every refusal, one wording per situation, and no English from git, a parser or
the system without a Japanese sentence first."""

from __future__ import annotations

import errno
import re
import socket
from pathlib import Path

import pytest

from shinchoku import cli, errors
from shinchoku.cli import main

PROJECT = Path(__file__).resolve().parents[1]
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def _english_words(text: str) -> list[str]:
    """Latin words in ``text`` that are not an option (``--plan``), a path or a command."""
    text = re.sub(r"--?[A-Za-z][\w-]*", "", text)
    text = re.sub(r"\S*[/\\]\S*", "", text)
    text = re.sub(r"\bshinchoku( [a-z-]+)?\b", "", text)
    return ENGLISH.findall(text)


# --------------------------------------------------------------------------- the one boundary


def test_a_refusal_lists_its_problems_first_then_says_its_message(monkeypatch, capsys):
    from shinchoku.commands import status

    def refuses(_args):
        raise errors.ShinchokuError("記録に問題があるため送りませんでした", kind=errors.Kind.INVALID,
                                    problems=["records/R2/05.yaml:8: 報告[指導室].進捗状況: 空です"])

    monkeypatch.setattr(status, "run", refuses)
    assert main(["status"]) == 1
    said = capsys.readouterr()
    assert said.out == "records/R2/05.yaml:8: 報告[指導室].進捗状況: 空です\n"
    assert said.err == "shinchoku: 記録に問題があるため送りませんでした\n"


def test_an_error_carries_its_kind_exit_code_and_problems():
    plain = errors.ShinchokuError("だめです")
    assert (plain.kind, plain.exit_code, plain.problems, str(plain)) == (errors.Kind.REFUSED, 1, [], "だめです")
    usage = errors.UsageError("使い方が違います", problems=["a"])
    assert (usage.kind, usage.exit_code, usage.problems) == (errors.Kind.USAGE, 2, ["a"])
    assert errors.ShinchokuError("x", exit_code=2, kind=errors.Kind.NO_REPOSITORY).exit_code == 2


def test_gits_english_reaches_the_command_line_only_under_the_japanese_heading(monkeypatch, capsys):
    from shinchoku.commands import status
    from shinchoku.store import GitError

    def fails(_args):
        raise GitError("中央のリポジトリに接続できませんでした", "fatal: unable to access 'https://x/': Could not resolve host")

    monkeypatch.setattr(status, "run", fails)
    assert main(["status"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "shinchoku: 中央のリポジトリに接続できませんでした"
    assert lines[1].startswith("（git からの詳細")
    assert lines[2].startswith("　　fatal: unable to access")


def test_the_servers_own_reasons_are_said_as_they_are(monkeypatch, capsys):
    from shinchoku.commands import status
    from shinchoku.store import PushRefused

    def refused(_args):
        raise PushRefused("records/R2/05.yaml:1: 「報告」がありません")

    monkeypatch.setattr(status, "run", refused)
    assert main(["status"]) == 1
    assert capsys.readouterr().err == ("shinchoku: 中央のリポジトリが受け付けませんでした\n"
                                       "records/R2/05.yaml:1: 「報告」がありません\n")


def test_init_says_a_git_failure_under_the_heading_not_in_parentheses(tmp_path, monkeypatch, capsys):
    from conftest import small_plan

    from shinchoku.model import records
    from shinchoku.store import GitError, Store

    plan = tmp_path / "plan.yaml"
    plan.write_text(records.dumps_plan(small_plan()), encoding="utf-8")

    def cannot(*_a, **_k):
        raise GitError("git init ができませんでした", "fatal: cannot mkdir /x/.git: Permission denied")

    monkeypatch.setattr(Store, "create", cannot)
    assert main(["init", str(tmp_path / "new"), "--plan", str(plan), "--coordinator", "kyodo"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "shinchoku: git init ができませんでした"
    fatal = [ln for ln in lines if "fatal" in ln]
    assert fatal and all(ln.startswith("　　") for ln in fatal), lines


def test_commands_never_say_shinchoku_themselves_and_nothing_runs_the_command_line():
    """Only cli's boundary writes ``shinchoku: <message>``; a command that needs another
    command's work calls the library, never ``cli.main``."""
    commands = PROJECT / "src" / "shinchoku" / "commands"
    talking = [f"{p.name}:{n}" for p in commands.glob("*.py")
               for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
               if re.search(r"""print\(f?["']shinchoku: """, line)]
    assert talking == []
    importing_cli = [p.relative_to(PROJECT).as_posix() for p in (PROJECT / "src" / "shinchoku").rglob("*.py")
                     if re.search(r"^\s*(from shinchoku\.cli import|from shinchoku import cli\b|import shinchoku\.cli)",
                                  p.read_text(encoding="utf-8"), re.M)]
    assert importing_cli == ["src/shinchoku/__main__.py"]


# --------------------------------------------------------------------------- one wording for the plan


@pytest.mark.parametrize("command", [["status"], ["progress"], ["export", "csv", "OUT.csv"], ["report", "--html", "OUT.html"],
                                     ["workbook", "OUT.xlsx"], ["year", "close", "R1"]])
def test_an_unreadable_plan_is_said_one_way_by_every_command(tmp_path, small_repo, capsys, command):
    (small_repo / "records/plan.yaml").write_text("名前: [x\n", encoding="utf-8")
    args = [a.replace("OUT", str(tmp_path / "out")) for a in command]
    assert main([*args, "--repo", str(small_repo)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("shinchoku: 計画を読めません: records/plan.yaml:"), err
    assert "Traceback" not in err


@pytest.mark.parametrize("command, code", [(["status"], 1), (["progress"], 1), (["export", "csv", "OUT.csv"], 1),
                                           (["year", "close", "R1"], 1), (["check"], 2), (["fmt"], 2)])
def test_no_repository_is_said_one_way_with_each_commands_exit_code(tmp_path, capsys, command, code):
    empty = tmp_path / "empty"
    empty.mkdir()
    args = [a.replace("OUT", str(tmp_path / "out")) for a in command]
    assert main([*args, "--repo", str(empty)]) == code
    assert capsys.readouterr().err == f"shinchoku: 記録リポジトリが見つかりません（{empty} に records/plan.yaml がありません）\n"


def test_the_plans_refusals_name_their_kind(tmp_path, small_repo):
    from shinchoku.model import plan as plan_mod

    with pytest.raises(plan_mod.PlanUnavailable) as missing:
        plan_mod.load_repository(tmp_path)
    assert missing.value.kind is errors.Kind.NO_REPOSITORY
    (small_repo / "records/plan.yaml").write_text("- 1\n", encoding="utf-8")
    with pytest.raises(plan_mod.PlanUnavailable) as broken:
        plan_mod.load_repository(small_repo)
    assert broken.value.kind is errors.Kind.PLAN_UNREADABLE


# --------------------------------------------------------------------------- kinds, not wording


def test_an_unresolved_merge_is_a_problem_of_kind_conflict(small_repo):
    from shinchoku.rules import validate
    from shinchoku.rules.merge import OURS_MARK, SPLIT_MARK, THEIRS_MARK

    path = small_repo / "records/R2/01.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "課題: 参加者が少ない。", f"課題: |-\n      {OURS_MARK}\n      少ない。\n      {SPLIT_MARK}\n      多い。\n      {THEIRS_MARK}")
    path.write_text(text, encoding="utf-8")
    problems = validate.check_paths(small_repo, [path])
    assert [p.kind for p in problems] == [errors.Kind.CONFLICT], problems


def test_the_hooks_closing_advice_follows_the_problems_kinds_not_their_wording():
    from shinchoku.hooks.advice import server_closing
    from shinchoku.rules.validate import Problem

    closed = Problem("records/H30/01.yaml", 3, "報告[協働推進課].実績", "変更できません", errors.Kind.CLOSED_YEAR)
    assert server_closing([closed]).startswith("締め切られた年度の変更は元に戻してください")
    other = Problem("records/R2/05.yaml", 4, "報告[指導室].実績", "変更できません", errors.Kind.OTHER_DEPARTMENT)
    assert server_closing([other]).startswith("自分の課ではない報告の変更は元に戻してください")
    plain = Problem("records/R2/05.yaml", 4, "報告[指導室].進捗状況", "「計画通り」は選べる値ではありません")
    assert server_closing([plain]).startswith("内容を直してから")


# --------------------------------------------------------------------------- no English without Japanese first


@pytest.mark.parametrize("argv", [
    ["init", "x", "--sheet", "a.tsv", "--plan", "b.yaml"],      # mutually exclusive
    ["init", "x"],                                              # one of a group required
    ["review", "--no"],                                         # ambiguous abbreviation
    ["review", "--json=1"],                                     # a value for a flag
    ["status", "--year"],                                       # a value missing
    ["submit", "x", "-d", "指導室"],                             # not a number
])
def test_argparse_says_every_usage_error_in_japanese(argv, capsys):
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "エラー" in last and _english_words(last.split("エラー:", 1)[1]) == [], last


def test_a_workbook_into_a_missing_folder_is_said_in_japanese_not_the_systems_english(tmp_path, small_repo, capsys):
    out = tmp_path / "ない" / "入力用.xlsx"
    assert main(["workbook", str(out), "--repo", str(small_repo)]) == 1
    err = capsys.readouterr().err
    assert "書き出す先のフォルダがありません" in err and "Errno" not in err and "No such" not in err, err


def test_a_settings_file_that_cannot_be_read_is_explained_without_the_systems_english(tmp_path):
    from shinchoku.sharing import settings

    folder = tmp_path / "config.toml"
    folder.mkdir()
    with pytest.raises(settings.SettingsError) as info:
        settings.load(folder)
    message = str(info.value)
    assert str(folder) in message and _english_words(message.replace(str(folder), "")) == [], message


def test_a_file_error_without_a_sentence_of_its_own_is_still_japanese():
    from shinchoku.fileout import describe

    said = describe(OSError(errno.EBUSY, "Device or resource busy", "records/R2/05.yaml"))
    assert said.startswith("records/R2/05.yaml: ") and _english_words(said) == [], said


def test_a_mail_server_that_cannot_be_reached_is_said_in_japanese_its_words_kept_as_detail():
    from shinchoku.sharing import notify
    from shinchoku.words import refusal

    with socket.socket() as s:                  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mail = notify.Mail(["a@example.invalid"], "件名", "本文")
    with pytest.raises(notify.NotifyError) as info:
        notify.send(notify.SmtpSettings("127.0.0.1", port), [mail])
    assert _english_words(str(info.value)) == [], str(info.value)
    assert "ConnectionRefusedError" in info.value.detail
    lines = refusal(info.value).splitlines()
    assert lines[1].startswith("（詳しい内容") and lines[2].startswith("　　ConnectionRefusedError")


def test_the_boundary_is_the_cli_and_it_heads_the_layers():
    text = (PROJECT / "pyproject.toml").read_text(encoding="utf-8")
    layers = re.search(r"layers = \[(.*?)\]", text, re.S).group(1)
    assert re.findall(r'"([^"]+)"', layers)[:2] == ["shinchoku.cli", "shinchoku.commands"]
    assert cli.COMMANDS

"""The administrator's first day, as the README tells it: `shinchoku init --coordinator`,
a bare central repository with `server-install`, the first push, a staff clone and
`shinchoku install`.  Real git, the real hooks; the journey at the end goes over HTTP
through `git http-backend` behind Basic auth on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import small_plan
from gitrepo import git, git_env, git_http, remote_said, run_git
from shinchoku.cli import main
from shinchoku.model import records
from shinchoku.rules import access

COORD = ("協働推進課 鈴木", "kyodo@city.example")


@pytest.fixture
def gitconfig(tmp_path, monkeypatch):
    """A global git configuration of our own: the coordinator's name, and git's old
    default branch (``master``) so that `git init --bare` behaves as on many servers."""
    cfg = tmp_path / "gitconfig"
    cfg.write_text(f"[user]\n\tname = {COORD[0]}\n\temail = {COORD[1]}\n[init]\n\tdefaultBranch = master\n",
                   encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(cfg))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
                "REMOTE_USER", "GL_USERNAME", "GITEA_PUSHER_NAME"):
        monkeypatch.delenv(var, raising=False)
    return cfg


@pytest.fixture
def plan_file(tmp_path) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(records.dumps_plan(small_plan()), encoding="utf-8")
    return path


def test_init_without_coordinator_is_a_usage_error_when_nobody_can_be_asked(tmp_path, plan_file, gitconfig,
                                                                            capsys):
    repo = tmp_path / "records-repo"
    assert main(["init", str(repo), "--plan", str(plan_file)]) == 2
    err = capsys.readouterr().err
    assert "調整担当（協働推進課）のサーバーの利用者名を --coordinator で指定してください" in err
    assert not repo.exists()
    assert main(["init", str(repo), "--plan", str(plan_file), "--coordinator", "kyodo suzuki"]) == 2
    assert "利用者名「kyodo suzuki」は使えません" in capsys.readouterr().err
    assert not repo.exists()


def test_init_writes_access_for_exactly_the_coordinator_and_their_first_push_is_accepted(
        tmp_path, plan_file, gitconfig, capsys):
    repo = tmp_path / "records-repo"
    assert main(["init", str(repo), "--plan", str(plan_file), "--coordinator", "kyodo-suzuki"]) == 0
    said = capsys.readouterr().out
    assert "records/access.yaml には、調整担当として kyodo-suzuki だけを書きました" in said
    text = (repo / access.ACCESS_RELPATH).read_text(encoding="utf-8")
    rules = access.parse(text.encode())
    assert rules.coordinators == {"kyodo-suzuki"} and rules.staff == {}
    for sample in ("yamada", "sato"):                 # examples, commented out, naming real departments
        assert not rules.knows(sample)
        assert f"#   {sample}:" in text
    assert "#     - 協働推進課" in text
    assert main(["check", "--repo", str(repo)]) == 0
    assert git(repo, "status", "--porcelain") == ""               # committed with the rest

    central = tmp_path / "central.git"
    git(tmp_path, "init", "-q", "--bare", str(central))
    assert main(["server-install", str(central)]) == 0
    git(repo, "remote", "add", "origin", str(central))
    # someone else (or nobody) is refused, and the server stays empty ...
    done = run_git(repo, "push", "-u", "origin", "main", user="yamada", check=False)
    assert done.returncode != 0 and "yamada" in remote_said(done)
    assert git(central, "for-each-ref") == ""
    # ... the coordinator named at init is accepted
    done = run_git(repo, "push", "-u", "origin", "main", user="kyodo-suzuki", check=False)
    assert done.returncode == 0, done.stderr
    assert git(central, "rev-parse", "main") == git(repo, "rev-parse", "HEAD")


def test_init_asks_for_the_coordinator_on_a_terminal(tmp_path, plan_file, gitconfig):
    from terminal import run_on_terminal

    repo = tmp_path / "records-repo"
    prompt = "利用者名を入力してください"
    code, shown = run_on_terminal(["init", str(repo), "--plan", str(plan_file)], {prompt: "kyodo-tanaka"})
    assert prompt in shown, shown
    assert code == 0, shown
    rules = access.parse((repo / access.ACCESS_RELPATH).read_bytes())
    assert rules.coordinators == {"kyodo-tanaka"}


def test_server_install_points_an_empty_central_at_main_or_says_what_it_found(tmp_path, gitconfig, capsys):
    central = tmp_path / "central.git"
    git(tmp_path, "init", "-q", "--bare", str(central))          # without -b main: HEAD names master
    assert git(central, "symbolic-ref", "HEAD").strip() == "refs/heads/master"
    assert main(["server-install", str(central)]) == 0
    assert git(central, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert "HEAD を refs/heads/main にしました（まだない枝 master を指していたため" in capsys.readouterr().out
    # a central whose HEAD names an existing other branch is left alone, and said so
    other = tmp_path / "other.git"
    git(tmp_path, "init", "-q", "--bare", str(other))
    work = tmp_path / "w"
    git(tmp_path, "init", "-q", str(work))
    git(work, "commit", "-q", "--allow-empty", "-m", "x")
    git(work, "push", "-q", str(other), "master")
    assert main(["server-install", str(other)]) == 0
    out = capsys.readouterr().out
    assert "注意: HEAD は枝「master」を指しています（main ではありません）" in out
    assert git(other, "symbolic-ref", "HEAD").strip() == "refs/heads/master"


def _seeded_central(tmp_path, plan_file) -> Path:
    """A central repository with a records repository pushed to ``main``, but HEAD left
    naming ``master`` (the README's old step 2) and no hook."""
    repo = tmp_path / "records-repo"
    assert main(["init", str(repo), "--plan", str(plan_file), "--coordinator", "kyodo"]) == 0
    central = tmp_path / "central.git"
    git(tmp_path, "init", "-q", "--bare", str(central))
    git(repo, "push", "-q", str(central), "main")
    return central


def test_install_refuses_an_empty_or_wrong_checkout_in_japanese(tmp_path, plan_file, gitconfig, capsys):
    central = _seeded_central(tmp_path, plan_file)
    capsys.readouterr()
    empty = tmp_path / "empty"
    run_git(tmp_path, "clone", "-q", str(central), str(empty), check=False)   # git: nonexistent ref
    assert main(["install", "--repo", str(empty)]) == 1
    err = capsys.readouterr().err
    assert "この複製には、まだ何も取り出されていません" in err and "git switch main" in err
    assert git(empty, "config", "--get", "core.hooksPath", check=False) == ""   # nothing was wired
    # after `git switch main` it works
    git(empty, "switch", "-q", "main")
    assert main(["install", "--repo", str(empty)]) == 0
    # another branch, a detached HEAD
    git(empty, "switch", "-q", "-c", "master")
    assert main(["install", "--repo", str(empty)]) == 1
    assert "枝「master」が取り出されています" in capsys.readouterr().err
    git(empty, "switch", "-q", "--detach", "main")
    assert main(["install", "--repo", str(empty)]) == 1
    assert "特定のコミット" in capsys.readouterr().err
    # a central nobody has pushed to yet
    bare = tmp_path / "new.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    nothing = tmp_path / "nothing"
    run_git(tmp_path, "clone", "-q", str(bare), str(nothing), check=False)
    assert main(["install", "--repo", str(nothing)]) == 1
    assert "この複製にはコミットがありません（中央のリポジトリがまだ空です）" in capsys.readouterr().err
    # a repository that is not a records repository
    stranger = tmp_path / "stranger"
    git(tmp_path, "init", "-q", "-b", "main", str(stranger))
    git(stranger, "commit", "-q", "--allow-empty", "-m", "x")
    assert main(["install", "--repo", str(stranger)]) == 1
    assert "records/plan.yaml（計画）がありません" in capsys.readouterr().err


# --------------------------------------------------------------------------- the README, word for word

def readme_steps() -> list[str]:
    """The four `sh` blocks of README's "Records in git" steps, as written."""
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text.split("## Records in git", 1)[1].split("### What guards", 1)[0]
    blocks = []
    for chunk in section.split("```sh\n")[1:]:
        body = chunk.split("```", 1)[0]
        blocks.append("\n".join(line.strip() for line in body.splitlines() if line.strip()))
    assert len(blocks) == 4, blocks
    return blocks


class PC:
    """A person's machine: a home folder with its own git configuration, a password
    helper answering git's prompts (as a credential manager would), and `shinchoku` on
    PATH; runs README lines with bash."""

    def __init__(self, base: Path, name: str, login: str, password: str, port: int, identity=None):
        self.home = base / name
        self.home.mkdir(parents=True)
        self.port = port
        (self.home / ".gitconfig").write_text(
            "" if identity is None else f"[user]\n\tname = {identity[0]}\n\temail = {identity[1]}\n", encoding="utf-8")
        askpass = self.home / "askpass.sh"
        askpass.write_text(f'#!/bin/sh\ncase "$1" in Username*) echo {login};; *) echo {password};; esac\n')
        askpass.chmod(0o755)
        bin_dir = self.home / "bin"
        bin_dir.mkdir()
        (bin_dir / "shinchoku").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m shinchoku "$@"\n')
        (bin_dir / "shinchoku").chmod(0o755)
        gone = ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_DIR",
                "GIT_WORK_TREE")
        self.env = git_env(env={**dict.fromkeys(gone), "HOME": str(self.home),
                                "GIT_CONFIG_GLOBAL": str(self.home / ".gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
                                "GIT_ASKPASS": str(askpass),
                                "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"})

    def local(self, commands: str, server: Path) -> str:
        """README commands with the example server replaced by this test's: the same URLs
        and paths, pointing at loopback and a temporary folder."""
        return (commands.replace("https://", "http://")
                .replace("git.example.city.lg.jp/kyodo/", f"127.0.0.1:{self.port}/")
                .replace("/srv/git/", f"{server}/"))

    def sh(self, commands: str, server: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
        script = "set -e\n" + self.local(commands, server)
        done = subprocess.run(["bash", "-c", script], cwd=cwd or self.home, env=self.env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{script}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        return done


@pytest.fixture
def server(tmp_path):
    """`git http-backend` behind Basic auth on loopback, serving tmp_path/srv/git."""
    root = tmp_path / "srv" / "git"
    root.mkdir(parents=True)
    with git_http(root, {"kyodo-suzuki": "pw-kyodo", "yamada": "pw-yamada"}) as port:
        yield root, port


def test_the_readme_first_day_over_http(tmp_path, server):
    """README's steps 1–4 run as written (only the server's address and folder are this
    test's), then the first sends: the coordinator names a member of staff, opens the
    year, and the staff member's edit goes through the server hook."""
    from conftest import PROJECT, edit_report

    srv, port = server
    step1, step2, step3, step4 = readme_steps()
    coord = PC(tmp_path, "coordinator-pc", "kyodo-suzuki", "pw-kyodo", port, ("協働推進課 鈴木", "suzuki@city.example"))
    admin = PC(tmp_path, "server-admin", "-", "-", port)
    staff = PC(tmp_path, "yamada-pc", "yamada", "pw-yamada", port)
    # the sheet the city keeps in Excel (the bundled records, exported as the published layout)
    assert main(["export", "xlsx", str(coord.home / "進行管理シート.xlsx"), "--repo", str(PROJECT)]) == 0

    # 1. the coordinator creates the records repository
    said = coord.sh(step1, srv).stdout
    repo = coord.home / "shinchoku-records"
    assert "records/access.yaml には、調整担当として kyodo-suzuki だけを書きました" in said
    # 2. the server's administrator makes the central repository
    said = admin.sh(step2, srv).stdout
    central = srv / "shinchoku-records.git"
    assert "フックを入れました" in said and git(central, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    # 3. the first push, as the coordinator (git asks for the password)
    done = coord.sh(step3, srv)
    assert git(central, "rev-parse", "main") == git(repo, "rev-parse", "HEAD")
    assert "remote:" not in done.stderr
    # 4. a member of staff clones and wires the clone
    said = staff.sh(step4, srv).stdout
    clone = staff.home / "shinchoku-records"
    assert "コミット前の確認（hooks/pre-commit）を有効にしました" in said
    assert (clone / "records" / "plan.yaml").is_file()
    assert git(clone, "config", "core.hooksPath").strip() == "hooks"

    # the coordinator names yamada for 指導室 (the commented example, filled in) and opens R3
    access_file = repo / "records" / "access.yaml"
    text = access_file.read_text(encoding="utf-8")
    assert "# 担当:" in text
    access_file.write_text(text + "担当:\n  yamada:\n    - 指導室\n", encoding="utf-8")
    coord.sh('git commit -q -am "担当者を登録" && shinchoku sync && shinchoku year open R3 --yes', srv, cwd=repo)
    assert git(central, "cat-file", "-t", "main:records/R3/05.yaml").strip() == "blob"

    # yamada's first send: their own department is accepted, another one is not
    staff.sh("shinchoku sync", srv, cwd=clone)
    edit_report(clone, "R3", 5, "指導室", 実績="地域の方を講師に授業を3回実施した。")
    staff.sh('git commit -q -am "R3 No.5 指導室: 実績 を更新" && shinchoku sync', srv, cwd=clone)
    assert "地域の方を講師に" in git(central, "show", "main:records/R3/05.yaml")
    assert git(central, "log", "-1", "--format=%an", "main").strip() == "山田 花子"
    before = git(central, "rev-parse", "main")
    edit_report(clone, "R3", 5, "児童青少年課", 実績="よその課の欄")
    script = staff.local('git commit -q -am "R3 No.5 児童青少年課: 実績 を更新" && shinchoku sync', srv)
    done = subprocess.run(["bash", "-c", script], cwd=clone, env=staff.env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode != 0
    assert "yamada さんは「児童青少年課」の報告を変更できません（変更できる課: 指導室）" in done.stdout + done.stderr
    assert git(central, "rev-parse", "main") == before

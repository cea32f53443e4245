"""The fiscal-year cycle: `shinchoku year open R3` / `shinchoku year close R2`."""

from __future__ import annotations

from pathlib import Path

from conftest import small_plan
from gitrepo import author, central_repo, clone, commit_all, git
from shinchoku.cli import main
from shinchoku.model import plan as plan_mod
from shinchoku.model import records, yamlio
from shinchoku.rules import validate


def years_of(root: Path) -> list[tuple[str, int, str]]:
    data = yamlio.load((root / "records" / "plan.yaml").read_bytes())
    return [(y["年度"], y["西暦"], y["状態"]) for y in data["年度"]]


def test_open_new_year_adds_it_and_creates_blank_records(small_repo, capsys):
    before = {p: p.read_bytes() for p in records.iter_record_files(small_repo)}
    assert main(["year", "open", "R3", "--yes", "--repo", str(small_repo)]) == 0
    out = capsys.readouterr().out
    assert "R3年度（2021年度）を受付中にしました" in out and "記録を3件作りました" in out
    assert years_of(small_repo)[-1] == ("R3", 2021, "受付中")
    assert years_of(small_repo)[:3] == [("H30", 2018, "締切"), ("R1", 2019, "締切"), ("R2", 2020, "受付中")]
    five = records.load_record(small_repo / "records" / "R3" / "05.yaml")
    assert five == {"No": 5, "年度": "R3", "報告": [{"主管課": "指導室"}, {"主管課": "児童青少年課"}]}
    assert (small_repo / "records" / "R3" / "05.yaml").read_text(encoding="utf-8") == \
        "'No': 5\n年度: R3\n報告:\n  - 主管課: 指導室\n  - 主管課: 児童青少年課\n"
    # nothing else changed, and everything is valid and canonical
    assert {p: p.read_bytes() for p in before} == before
    assert validate.check_paths(small_repo, None, canonical=True) == []


def test_open_keeps_existing_records_and_is_idempotent(small_repo, capsys):
    path = small_repo / "records" / "R2" / "01.yaml"
    original = path.read_bytes()
    assert main(["year", "open", "R2", "--repo", str(small_repo)]) == 0
    out = capsys.readouterr().out
    assert "R2年度はすでに受付中です" in out and "すでにある記録3件はそのままです" in out
    assert path.read_bytes() == original


def test_close_marks_the_year_closed(small_repo, capsys):
    assert main(["year", "close", "R2", "--repo", str(small_repo)]) == 0
    assert "R2年度を締切にしました" in capsys.readouterr().out
    assert ("R2", 2020, "締切") in years_of(small_repo)
    assert plan_mod.load(small_repo / "records").year("R2").open is False
    assert main(["year", "close", "R2", "--repo", str(small_repo)]) == 0
    assert "R2年度はすでに締切です" in capsys.readouterr().out


def test_year_errors_are_japanese_and_change_nothing(small_repo, capsys):
    plan_before = (small_repo / "records" / "plan.yaml").read_bytes()
    assert main(["year", "close", "R5", "--repo", str(small_repo)]) == 1
    assert "年度「R5」は計画（plan.yaml）にありません（ある年度: H30・R1・R2）" in capsys.readouterr().err
    assert main(["year", "open", "令和3", "--repo", str(small_repo)]) == 2       # not a year: usage
    assert "「令和3」は年度として読めません" in capsys.readouterr().err
    assert (small_repo / "records" / "plan.yaml").read_bytes() == plan_before
    assert not (small_repo / "records" / "R3").exists()


def test_label_spellings(small_repo, capsys):
    assert main(["year", "open", "ｒ３年度", "--yes", "--repo", str(small_repo)]) == 0
    assert years_of(small_repo)[-1] == ("R3", 2021, "受付中")
    assert small_plan()["年度"][-1]["年度"] == "R2"          # the fixture itself is untouched


SUZUKI = ("協働推進課 鈴木", "suzuki@city.example")


def test_close_sends_the_change_even_when_the_central_repository_moved(small_repo, tmp_path, capsys):
    """A member of staff pushed after the coordinator's last fetch: closing the year merges
    that in and sends the close, instead of failing with git's 'rejected'."""
    central = central_repo(tmp_path / "central.git", hook=False)
    git(small_repo, "init", "-q", "-b", "main")
    author(small_repo, SUZUKI)
    commit_all(small_repo, "作成", who=SUZUKI)
    git(small_repo, "remote", "add", "origin", str(central))
    git(small_repo, "push", "-q", "-u", "origin", "main")
    staff = clone(central, tmp_path / "staff", install=False)
    (staff / "notes.txt").write_text("x\n", encoding="utf-8")
    commit_all(staff, "staff", who=SUZUKI)
    git(staff, "push", "-q", "origin", "main")

    assert main(["year", "close", "R2", "--repo", str(small_repo)]) == 0
    captured = capsys.readouterr()
    assert "中央のリポジトリへ送りました" in captured.out, captured.err
    assert "rejected" not in captured.err
    assert git(central, "rev-parse", "main") == git(small_repo, "rev-parse", "HEAD")
    plan = yamlio.load(git(central, "show", "main:records/plan.yaml").encode("utf-8"))
    assert {y["年度"]: y["状態"] for y in plan["年度"]}["R2"] == "締切"
    assert git(central, "show", "main:notes.txt") == "x\n"


def test_open_checks_the_year_against_the_plan(small_repo, capsys):
    """`year open R33` once created 35 records for 2051 and published them."""
    plan_before = (small_repo / "records" / "plan.yaml").read_bytes()
    assert main(["year", "open", "R33", "--yes", "--repo", str(small_repo)]) == 1
    err = capsys.readouterr().err
    assert "R33年度（2051年度）は、計画期間の年度（R1・R2・R3）でも、計画にある最後の年度の次（R3年度）でもない" in err
    assert "records/plan.yaml の「計画年度」を直してください" in err
    assert main(["year", "open", "R4", "--yes", "--repo", str(small_repo)]) == 1    # skips R3
    assert (small_repo / "records" / "plan.yaml").read_bytes() == plan_before
    assert not (small_repo / "records" / "R33").exists() and not (small_repo / "records" / "R4").exists()
    # within the plan period, then the year after the latest one
    assert main(["year", "open", "R3", "--yes", "--repo", str(small_repo)]) == 0
    assert main(["year", "open", "R4", "--yes", "--repo", str(small_repo)]) == 0
    assert [y[0] for y in years_of(small_repo)][-2:] == ["R3", "R4"]


def test_open_asks_first_and_needs_yes_where_nobody_can_answer(small_repo, capsys):
    from terminal import run_on_terminal

    plan_before = (small_repo / "records" / "plan.yaml").read_bytes()
    assert main(["year", "open", "R3", "--repo", str(small_repo)]) == 2
    assert ("R3年度（2021年度）を受付中にし、記録を3件作ります。よければ --yes を付けて"
            in capsys.readouterr().err)
    argv = ["year", "open", "R3", "--repo", str(small_repo)]
    code, shown = run_on_terminal(argv, {"よろしいですか？ [y/N]: ": "n"})
    assert code == 1 and "何も変えずに終わりました" in shown, shown
    assert (small_repo / "records" / "plan.yaml").read_bytes() == plan_before
    assert not (small_repo / "records" / "R3").exists()
    code, shown = run_on_terminal(argv, {"よろしいですか？ [y/N]: ": "y"})
    assert code == 0 and "記録を3件作りました" in shown, shown
    assert (small_repo / "records" / "R3" / "05.yaml").is_file()


def test_an_opened_year_is_undone_as_the_command_says(small_repo, tmp_path, capsys, monkeypatch):
    from conftest import wire_for_git

    for k, v in (("GIT_AUTHOR_NAME", "協働推進課"), ("GIT_COMMITTER_NAME", "協働推進課"),
                 ("GIT_AUTHOR_EMAIL", "kyodo@city.example"), ("GIT_COMMITTER_EMAIL", "kyodo@city.example")):
        monkeypatch.setenv(k, v)
    central = central_repo(tmp_path / "central.git", hook=False)
    wire_for_git(small_repo)
    git(small_repo, "init", "-q", "-b", "main")
    author(small_repo, ("協働推進課", "kyodo@city.example"))
    git(small_repo, "add", "-A")
    git(small_repo, "commit", "-q", "--no-verify", "-m", "記録")
    git(small_repo, "remote", "add", "origin", str(central))
    git(small_repo, "push", "-q", "-u", "origin", "main")
    assert main(["install", "--repo", str(small_repo)]) == 0
    before = git(central, "rev-parse", "main:records")
    capsys.readouterr()
    assert main(["year", "open", "R3", "--yes", "--repo", str(small_repo)]) == 0
    out = capsys.readouterr().out
    assert git(central, "cat-file", "-t", "main:records/R3/05.yaml").strip() == "blob"
    undo = next(ln for ln in out.splitlines() if "元に戻せます" in ln)
    command = undo.split("元に戻せます: ")[1].split(" のあと")[0]
    assert command.startswith("git revert --no-edit ") and "shinchoku sync" in undo
    git(small_repo, *command.split()[1:])
    assert main(["sync", "--repo", str(small_repo)]) == 0
    assert git(central, "rev-parse", "main:records") == before          # as it was before the opening

"""The shape of the code, checked: layer contracts, the one boundary, documented commands."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shinchoku import cli, errors

PROJECT = Path(__file__).resolve().parents[1]


def _lint_imports() -> str:
    found = Path(sys.executable).with_name("lint-imports")
    if found.exists():
        return str(found)
    on_path = shutil.which("lint-imports")
    assert on_path, "lint-imports (import-linter) is a test dependency: pip install -e '.[test]'"
    return on_path


def test_layer_contracts_hold():
    """pyproject.toml's [tool.importlinter] contracts: the core never imports xlwings, the
    model and rules never run git, nothing below the add-in imports it."""
    done = subprocess.run([_lint_imports(), "--no-cache"], cwd=PROJECT, capture_output=True,
                          text=True, encoding="utf-8")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"Contracts: (\d+) kept, 0 broken", done.stdout), done.stdout


def test_every_command_is_documented_in_the_readme():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    missing = [name for name, _module, _summary in cli.COMMANDS
               if not re.search(rf"shinchoku {re.escape(name)}\b", readme)]
    assert not missing, f"commands the README never shows: {missing}"


def test_an_unexpected_error_is_logged_and_said_in_japanese(monkeypatch, tmp_path, capsys):
    from shinchoku.commands import status

    def broken(_args):
        raise RuntimeError("a bug somewhere deep")

    monkeypatch.setattr(status, "run", broken)
    monkeypatch.setenv("SHINCHOKU_LOG_DIR", str(tmp_path / "logs"))
    code = cli.main(["status"])
    err = capsys.readouterr().err
    assert code == errors.EXIT_UNEXPECTED == 3
    assert "Traceback" not in err and "RuntimeError" not in err
    assert "思いがけないエラー" in err and "データは変更していません" in err
    logs = list((tmp_path / "logs").glob("shinchoku-*.log"))
    assert len(logs) == 1 and str(logs[0]) in err
    logged = logs[0].read_text(encoding="utf-8")
    assert "RuntimeError: a bug somewhere deep" in logged and "Traceback" in logged


def test_a_shinchoku_error_says_its_message_with_its_exit_code(monkeypatch, capsys):
    from shinchoku.commands import status

    def refuses(_args):
        raise errors.UsageError("年度「R99」は計画にありません")

    monkeypatch.setattr(status, "run", refuses)
    assert cli.main(["status"]) == 2
    assert capsys.readouterr().err.strip() == "shinchoku: 年度「R99」は計画にありません"


@pytest.mark.parametrize("name", ["GitError", "Unreadable", "Rejected", "Conflicted", "AccessError",
                                  "ReviewError", "YamlError", "ExportError", "SettingsError",
                                  "SheetError", "YearError", "CycleError", "NotifyError", "UnknownDepartment",
                                  "Refused", "PlanUnavailable"])
def test_every_refusal_shares_the_one_base(name):
    import importlib

    for module in ("store", "sharing.sync", "rules.access", "sharing.review", "model.yamlio", "publish.export",
                   "sharing.settings", "importing.importer", "sharing.yearcycle", "rules.cycle", "sharing.notify",
                   "sheet.workbook", "importing.xlsxguard", "model.plan"):
        cls = getattr(importlib.import_module(f"shinchoku.{module}"), name, None)
        if cls is not None:
            assert issubclass(cls, errors.ShinchokuError)
            return
    pytest.fail(f"{name} not found")


def test_the_sentences_name_the_plan_where_the_model_keeps_it():
    # words may import no layer, so it spells the plan's path itself; the model's is the one
    from shinchoku import words
    from shinchoku.model import plan, records
    from shinchoku.rules import access, validate
    from shinchoku.sharing import review
    from shinchoku.store import repo_setup

    assert plan.PLAN_RELPATH == f"{records.RECORDS}/{plan.PLAN_FILE}" == words.PLAN_RELPATH
    assert {validate.PLAN_RELPATH, access.PLAN_RELPATH, review.PLAN_RELPATH, repo_setup.PLAN_RELPATH} == {plan.PLAN_RELPATH}

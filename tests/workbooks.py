"""Workbooks in the tests: made by `shinchoku workbook`, opened in the Excel stand-in
(tests/xlclient.py), and held by a member of staff who presses the add-in's buttons.

:func:`excel` is the one way a test opens a workbook in :class:`xlclient.Excel`;
:class:`Staff` is a member of staff at their PC (a wired clone, a settings file, a
workbook made from the clone); :func:`check_remote_engine` makes sure the buttons can run
at all (xlwings' remote engine), failing the test — never skipping it — where they cannot.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import gitrepo
from shinchoku.cli import main
from shinchoku.sheet import sheetmodel as sm
from shinchoku.store import Author

if TYPE_CHECKING:
    import xlclient

MAIN = sm.SHEET_NAME

#: The departments of the add-in's office (test_addin, test_xlserver): login → departments.
DEPARTMENTS = {
    "yamada": ["指導室", "協働推進課", "産業振興課"],
    "sato": ["児童青少年課", "協働推進課", "産業振興課"],
    "ito": ["指導室"],
}


def make_workbook(repo: Path, book: Path) -> Path:
    """`shinchoku workbook BOOK --repo REPO`: the staff workbook of ``repo``."""
    assert main(["workbook", str(book), "--repo", str(repo)]) == 0
    return book


def excel(book: Path, *, repo: Path | None = None) -> xlclient.Excel:
    """``book`` open in the Excel stand-in; first made from ``repo`` when it is given."""
    import xlclient  # xlwings: only where a workbook is opened, not where one is made

    if repo is not None:
        make_workbook(repo, book)
    return xlclient.Excel(book)


def check_remote_engine(monkeypatch) -> None:
    """xlwings' remote engine, set up as the add-in's buttons need it (a noncommercial key,
    this Python for the hooks) and made to load a payload; the test fails where it cannot."""
    import pytest
    import xlwings as xw

    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    monkeypatch.setenv("SHINCHOKU_PYTHON", sys.executable)
    try:
        if "remote" not in xw.engines.engines_by_name:
            # xlwings registers its remote engine at import time, only when a licence key
            # is set then; register it now (tests only: noncommercial key).
            from xlwings.pro import _xlremote

            xw.engines.add(xw.main.Engine(impl=_xlremote.engine))
            monkeypatch.setattr(xw, "__pro__", True)
        xw.Book(json=payload_probe())
    except Exception as exc:        # noqa: BLE001
        pytest.fail(f"xlwings' remote engine cannot load a payload here: {exc}")


def payload_probe() -> dict:
    import xlwings as xw

    return {"client": "VBA", "version": xw.__version__, "names": [],
            "book": {"name": "probe.xlsx", "active_sheet_index": 0, "selection": "A1"},
            "sheets": [{"name": "Sheet1", "values": [[""]], "pictures": [], "tables": []}]}


class Staff:
    """One staff member: a clone, a config file, a workbook open in the test client."""

    def __init__(self, tmp: Path, central: Path, who: Author, department: str = "", monkeypatch=None):
        self.who = who
        self.user = who.email.split("@")[0]
        self.monkeypatch = monkeypatch
        self.root = gitrepo.clone(central, tmp / self.user, who)
        self.config = tmp / f"{self.root.name}.toml"
        lines = [f'name = "{who.name}"', f'email = "{who.email}"', f"repo = '{self.root}'"]
        if department:
            lines.append(f'department = "{department}"')
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.xl = excel(tmp / f"{self.root.name}.xlsx", repo=self.root)

    def press(self, func) -> list[tuple[str, str, str]]:
        self.monkeypatch.setenv("SHINCHOKU_CONFIG", str(self.config))
        self.monkeypatch.setenv("REMOTE_USER", self.user)       # who the server sees pushing
        return self.xl.run(func)

    def addr(self, year: str, no: int, dept: str, field: str) -> str:
        return self.xl.address(year, no, dept, field)

    def cell(self, year: str, no: int, dept: str, field: str):
        return self.xl.sheet(MAIN).get(self.addr(year, no, dept, field))

    def type(self, year: str, no: int, dept: str, field: str, value) -> str:
        a = self.addr(year, no, dept, field)
        self.xl.type(MAIN, a, value)
        return a

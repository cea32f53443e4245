"""The one error base: everything shinchoku refuses on purpose is a :class:`ShinchokuError`.

An error carries what the user needs (``str(error)``, in Japanese), the exit code the
command line ends with, a :class:`Kind` for code that must tell refusals apart (never
their wording), the ``problems`` behind it (one line each, e.g. ``file:line: field: …``)
and, in ``detail``, words from outside shinchoku (git's stderr) that are shown only
under a Japanese heading (:func:`shinchoku.words.refusal`).  Each entry point has one
boundary that turns errors into words (``shinchoku.cli.main`` for commands,
``shinchoku.addin`` for the buttons); anything that is *not* a ``ShinchokuError`` there
is a bug: it is logged in full and the user is told, in Japanese, where the log is
(:func:`log_unexpected`).
"""

from __future__ import annotations

import datetime as _dt
import enum
import os
import tempfile
import traceback
from pathlib import Path
from typing import Any, Iterable

#: Exit codes of every command (README "Commands").
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_UNEXPECTED = 0, 1, 2, 3


class Kind(str, enum.Enum):
    """What kind of refusal an error is, for the code that must branch on it."""

    REFUSED = "refused"                 # the operation was refused; the message says why
    USAGE = "usage"                     # the command was called wrongly
    NO_REPOSITORY = "no-repository"     # no records repository (no records/plan.yaml) there
    PLAN_UNREADABLE = "plan-unreadable"  # records/plan.yaml cannot be read as a plan
    INVALID = "invalid"                 # the records have problems (``problems`` lists them)
    CONFLICT = "conflict"               # the same field changed two ways
    GIT = "git"                         # git failed (its own words in ``detail``)
    SERVER_REFUSED = "server-refused"   # the central repository refused (its reasons in ``detail``, Japanese)
    # why the central repository refuses a change (records/access.yaml; shinchoku.hooks.advice)
    UNKNOWN_USER = "unknown-user"       # the pusher is in neither list
    CLOSED_YEAR = "closed-year"         # a change to a closed year's report
    OTHER_DEPARTMENT = "other-department"  # a change to another department's report
    COORDINATOR_ONLY = "coordinator-only"  # what only the coordinator may change


class ShinchokuError(Exception):
    """A refusal or a problem the user can act on; ``str()`` is the Japanese message."""

    exit_code: int = EXIT_PROBLEMS
    kind: Kind = Kind.REFUSED
    detail: str = ""

    def __init__(self, message: str = "", *, kind: Kind | None = None, problems: Iterable[Any] = (),
                 exit_code: int | None = None, detail: str = ""):
        super().__init__(message)
        if kind is not None:
            self.kind = kind
        if exit_code is not None:
            self.exit_code = exit_code
        if detail:
            self.detail = detail
        if problems:
            self.problems = list(problems)

    @property
    def problems(self) -> list[Any]:
        """The problems behind the refusal, said one per line before its message."""
        return self.__dict__.setdefault("_problems", [])

    @problems.setter
    def problems(self, value: Iterable[Any]) -> None:
        self.__dict__["_problems"] = list(value)


class UsageError(ShinchokuError):
    """The command was called wrongly (a value that cannot be, a missing option)."""

    exit_code = EXIT_USAGE
    kind = Kind.USAGE


def log_dir() -> Path:
    """Where unexpected errors are logged: ``$SHINCHOKU_LOG_DIR``, else the user's cache."""
    configured = os.environ.get("SHINCHOKU_LOG_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("LOCALAPPDATA") or os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "shinchoku" / "logs"
    home = Path.home()
    return (home / ".cache" / "shinchoku" / "logs") if str(home) not in ("", "/") else Path(tempfile.gettempdir()) / "shinchoku-logs"


def log_unexpected(exc: BaseException, where: str) -> str:
    """Write ``exc``'s traceback to a new log file and return the Japanese sentence that
    tells the user what happened and where the details are."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    text = f"{where} {_dt.datetime.now().isoformat()}\n" + "".join(
        traceback.format_exception(type(exc), exc, exc.__traceback__))
    for directory in (log_dir(), Path(tempfile.gettempdir())):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f"shinchoku-{stamp}-", suffix=".log", dir=directory)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            return (f"思いがけないエラーが起きたため、処理を止めました。データは変更していません。"
                    f"詳しい内容を {name} に記録しました。このファイルを添えて担当者にお知らせください")
        except OSError:
            continue
    return "思いがけないエラーが起きたため、処理を止めました。記録ファイルも書けませんでした。担当者にお知らせください"

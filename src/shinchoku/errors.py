"""The one error base: everything shinchoku refuses on purpose is a :class:`ShinchokuError`.

An error carries what the user needs (``str(error)``, in Japanese) and the exit code the
command line ends with.  Each entry point has one boundary that turns errors into words
(``shinchoku.cli.main`` for commands, ``shinchoku.addin`` for the buttons); anything that
is *not* a ``ShinchokuError`` there is a bug: it is logged in full and the user is told, in
Japanese, where the log is (:func:`log_unexpected`).
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
import traceback
from pathlib import Path

#: Exit codes of every command (README "Commands").
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_UNEXPECTED = 0, 1, 2, 3


class ShinchokuError(Exception):
    """A refusal or a problem the user can act on; ``str()`` is the Japanese message."""

    exit_code: int = EXIT_PROBLEMS


class UsageError(ShinchokuError):
    """The command was called wrongly (a value that cannot be, a missing option)."""

    exit_code = EXIT_USAGE


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

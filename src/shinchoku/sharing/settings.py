"""Per-user settings of the Excel add-in (``config.toml``).

Where the file is:

* ``SHINCHOKU_CONFIG`` (environment) when set — the tests use it;
* ``%APPDATA%\\shinchoku\\config.toml`` on Windows;
* ``~/.config/shinchoku/config.toml`` (or ``$XDG_CONFIG_HOME``) elsewhere.

Keys::

    name = "山田 花子"                 # who commits (required to send)
    email = "yamada@city.example"      # (required to send)
    repo = 'C:\\Users\\yamada\\shinchoku-records'   # the local clone (required)
    department = "指導室"              # optional: only this department's rows
    remote = "https://…/records.git"   # optional: the central repository (informational)

Every problem is a :class:`SettingsError` whose message (Japanese) names the file and
the key, so that staff can fix it themselves.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from shinchoku.errors import ShinchokuError
from shinchoku.fileout import reason

ENV = "SHINCHOKU_CONFIG"
# Settings given by the caller instead of a file: xlwings Server (``shinchoku serve``)
# runs the same buttons for the signed-in user with the server's clone (see :func:`given`).
_GIVEN: contextvars.ContextVar["Settings | None"] = contextvars.ContextVar("shinchoku_settings", default=None)
KEYS = ("name", "email", "department", "repo", "remote")


class SettingsError(ShinchokuError):
    """A missing or unusable setting (message for staff, in Japanese)."""


@dataclass(frozen=True)
class Settings:
    path: Path
    name: str = ""
    email: str = ""
    department: str = ""
    repo: str = ""
    remote: str = ""

    def repo_path(self, *, may_clone: bool = False) -> Path:
        """The local clone; :class:`SettingsError` when not set or not there.  With
        ``may_clone`` a missing (or empty) folder is fine when ``remote`` says where to
        clone it from (the first 取得 on a new PC)."""
        if not self.repo:
            raise SettingsError(f"設定ファイル {self.path} に repo（記録リポジトリのフォルダ）が書かれていません")
        path = Path(os.path.expandvars(os.path.expanduser(self.repo)))
        if self.needs_clone(path) and not (may_clone and self.remote):
            hint = ("。remote に中央のリポジトリのアドレスを書いておくと、［取得］のときにこのフォルダを作ります"
                    if not self.remote else "。［取得］を押すと、remote の中央のリポジトリから作ります")
            raise SettingsError(f"設定ファイル {self.path} の repo に書かれたフォルダ「{self.repo}」が見つかりません{hint}")
        return path

    @staticmethod
    def needs_clone(path: Path) -> bool:
        return not path.is_dir() or not any(path.iterdir())

    def author(self):
        """The git author (name and e-mail) for commits; both keys are required."""
        from shinchoku.store import Author

        missing = [k for k in ("name", "email") if not getattr(self, k)]
        if missing:
            raise SettingsError(f"設定ファイル {self.path} に {'・'.join(missing)}（"
                                + "・".join({"name": "氏名", "email": "メールアドレス"}[k] for k in missing)
                                + "）が書かれていません。送信には必要です")
        if "@" not in self.email:
            raise SettingsError(f"設定ファイル {self.path} の email「{self.email}」はメールアドレスの形ではありません")
        return Author(self.name, self.email)


def config_path() -> Path:
    env = os.environ.get(ENV)
    if env:
        return Path(env)
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
        return Path(base) / "shinchoku" / "config.toml"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "shinchoku" / "config.toml"


@contextlib.contextmanager
def given(settings: "Settings"):
    """Within the block (this thread or task), :func:`load` returns ``settings``."""
    token = _GIVEN.set(settings)
    try:
        yield settings
    finally:
        _GIVEN.reset(token)


def _toml_line(exc: tomllib.TOMLDecodeError) -> int | None:
    """The line tomllib stopped at; None when it ran off the end of the document (the
    only other place it names).  Python 3.14 says it as ``lineno``; before, only inside
    its English message, which is read for the number alone and never shown."""
    if isinstance(getattr(exc, "lineno", None), int):           # Python 3.14+
        return exc.lineno if exc.pos < len(exc.doc) else None
    found = re.search(r"\bline (\d+)", str(exc))
    return int(found.group(1)) if found else None


def load(path: Path | None = None) -> Settings:
    """Read the settings; :class:`SettingsError` when the file is missing or invalid."""
    if path is None and _GIVEN.get() is not None:
        return _GIVEN.get()
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SettingsError(f"設定ファイル {path} がありません。name・email・repo を書いたファイルを作成してください") from None
    except OSError as exc:
        raise SettingsError(f"設定ファイル {path} を読めません（{reason(exc)}）") from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SettingsError(f"設定ファイル {path} が UTF-8 で保存されていません") from None
    except tomllib.TOMLDecodeError as exc:
        # the parser's own text is English: say only where
        line = _toml_line(exc)
        where = f"{line}行目の" if line else "最後の行の"
        raise SettingsError(f"設定ファイル {path} の{where}書き方に誤りがあります。"
                            "値は \"山田 花子\" のように引用符で囲み、"
                            "フォルダの場所のように \\ を含む値は 'C:\\Users\\…' のように一重引用符で囲んでください") from None
    values: dict[str, str] = {}
    for key, value in data.items():
        if key not in KEYS:
            raise SettingsError(f"設定ファイル {path} の「{key}」は使えない項目です（使える項目：{'・'.join(KEYS)}）")
        if not isinstance(value, str):
            raise SettingsError(f"設定ファイル {path} の {key} は文字列で書いてください（\"…\" で囲みます）")
        values[key] = value.strip()
    return Settings(path=path, **values)

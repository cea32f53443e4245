"""Who may use the server: per-user access tokens, stored hashed (``users.json``).

The administrator issues a token per user (``shinchoku serve token add``) and hands it
to that person once; the server keeps only its SHA-256 (the token is 256 random bits, so
a plain hash is enough: nothing to brute-force), with the user's name, e-mail and
department.  The file lives in the server's data folder, never in the records
repository.  Revoking removes the user's tokens; the next request with one is refused.

The user id (``login``) is the name ``records/access.yaml`` knows the person by: the
server hands it to the central repository's hook as the pusher (``REMOTE_USER``).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from shinchoku.errors import UsageError

FILE = "users.json"
PREFIX = "shk_"
_LOGIN = re.compile(r"^[^\s\x00-\x1f\x7f/\\:]{1,64}$")


class UsersError(UsageError):
    """A usage problem (message in Japanese)."""


@dataclass
class User:
    login: str
    name: str
    email: str
    department: str = ""
    tokens: list[dict[str, str]] = field(default_factory=list)   # {"sha256", "created"}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


class Users:
    """The user list of one data folder; reread when the file changes (another process
    — ``shinchoku serve token revoke`` — may write it while the server runs)."""

    def __init__(self, data: Path):
        self.path = Path(data) / FILE
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._users: dict[str, User] = {}
        self._by_hash: dict[str, str] = {}

    # -- reading -------------------------------------------------------------------------
    def _load(self) -> None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._users, self._by_hash, self._stamp = {}, {}, None
            return
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp == self._stamp:
            return
        raw = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        users = {login: User(login, u.get("name", ""), u.get("email", ""), u.get("department", ""),
                             list(u.get("tokens", []))) for login, u in raw.get("users", {}).items()}
        self._users = users
        self._by_hash = {t["sha256"]: login for login, u in users.items() for t in u.tokens}
        self._stamp = stamp

    def all(self) -> list[User]:
        with self._lock:
            self._load()
            return list(self._users.values())

    def get(self, login: str) -> User | None:
        with self._lock:
            self._load()
            return self._users.get(login)

    def by_token(self, token: str) -> User | None:
        """The user a token belongs to (None: unknown or revoked)."""
        token = (token or "").strip()
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        if not token:
            return None
        with self._lock:
            self._load()
            login = self._by_hash.get(hash_token(token))
            return self._users.get(login) if login else None

    # -- writing -------------------------------------------------------------------------
    def _save(self) -> None:
        data = {"users": {u.login: {"name": u.name, "email": u.email, "department": u.department,
                                    "tokens": u.tokens} for u in self._users.values()}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{FILE}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=2)
            f.write("\n")
        os.replace(tmp, self.path)
        self._stamp = None

    def add(self, login: str, name: str, email: str, department: str = "") -> str:
        """Issue a new token for ``login`` (made or updated); returns the token (shown once)."""
        if not _LOGIN.match(login or ""):
            raise UsersError(f"利用者名「{login}」は使えません（空白・/・\\・: を含まない64文字以内にしてください）")
        if not name.strip():
            raise UsersError("--name で氏名を指定してください（コミットに残る名前です）")
        if "@" not in email:
            raise UsersError(f"--email「{email}」はメールアドレスの形ではありません")
        token = new_token()
        with self._lock:
            self._load()
            user = self._users.get(login) or User(login, name, email, department)
            user.name, user.email, user.department = name.strip(), email.strip(), department.strip()
            user.tokens.append({"sha256": hash_token(token),
                                "created": _dt.datetime.now().astimezone().isoformat(timespec="seconds")})
            self._users[login] = user
            self._save()
        return token

    def revoke(self, login: str) -> int:
        """Remove every token of ``login``; how many there were."""
        with self._lock:
            self._load()
            user = self._users.get(login)
            if user is None:
                raise UsersError(f"利用者「{login}」は登録されていません（shinchoku serve token list で確かめてください）")
            n = len(user.tokens)
            user.tokens = []
            self._save()
        return n

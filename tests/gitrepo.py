"""Real git for the tests: one runner, and the repositories of an office built from it.

In the manner of pre-commit's ``testing/`` package: real repositories, made by small
functions named for what they make.

* :func:`run_git` is the one way a test runs git (:func:`git` is its standard output;
  :func:`push`, :func:`refs`, :func:`remote_said` and :func:`central_value` are built on it).
  ``who`` is the author and committer, ``when`` their date, ``user`` the pusher the
  central repository's hook is told of (``REMOTE_USER``, as the local transport and
  ``git http-backend`` hand it over), ``env`` anything else (``None`` removes a variable).
  The pushers' variables and ``SHINCHOKU_PYTHON`` are never inherited from the test
  process: the hooks find their Python in the repository's own configuration, as in
  production.
* :func:`central_repo`, :func:`records_repo`, :func:`seed`, :func:`clone`, :func:`wire`,
  :func:`author` and :func:`commit_all` make the repositories (:func:`access_yaml` their
  access rules); :class:`Office` puts them together: a bare central repository with the
  real server hook, the small plan pushed to it by the coordinator, and a clone for each
  member of staff.  conftest's ``make_office`` fixture builds one under tmp_path.
* :func:`git_http` serves bare repositories over HTTP (``git http-backend`` behind Basic
  auth) on loopback.
"""

from __future__ import annotations

import base64
import contextlib
import os
import subprocess
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import wire_for_git, write_small_repo
from shinchoku.cli import main
from shinchoku.store import Author

#: What the test process must not hand to a git it starts: who pushes is said per call.
PUSHER_VARS = ("REMOTE_USER", "GL_USERNAME", "GITEA_PUSHER_NAME")
NOT_INHERITED = (*PUSHER_VARS, "SHINCHOKU_PYTHON")

COORDINATOR = Author("協働推進課 調整担当", "kyodo@city.example")
COORDINATOR_LOGIN = "kyodo"
YAMADA = Author("山田 花子", "yamada@city.example")     # 指導室
SATO = Author("佐藤 一郎", "sato@city.example")         # 児童青少年課

Who = Author | tuple[str, str]


# -- the runner ------------------------------------------------------------------------------


def name_and_email(who: Who) -> tuple[str, str]:
    return (who.name, who.email) if isinstance(who, Author) else who


def author_env(who: Who) -> dict[str, str]:
    name, email = name_and_email(who)
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}


def git_env(*, user: str | None = None, who: Who | None = None, when: str | None = None,
            env: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """The environment of a git (or of a command that runs git) started by a test."""
    out = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    out["GIT_TERMINAL_PROMPT"] = "0"                 # never wait for a password
    if user:
        out["REMOTE_USER"] = user
    if who:
        out.update(author_env(who))
    if when:
        out.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    for key, value in (env or {}).items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def run_git(cwd: Path | None, *args: str, who: Who | None = None, user: str | None = None,
            when: str | None = None, env: Mapping[str, str | None] | None = None, check: bool = True,
            input: str | bytes | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``git *args`` in ``cwd``; with ``check`` a failure fails the test with git's stderr.
    Text in and out, unless ``input`` is bytes."""
    done = subprocess.run(["git", *args], cwd=cwd, env=git_env(user=user, who=who, when=when, env=env),
                          input=input, capture_output=True, text=not isinstance(input, bytes), timeout=timeout)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def git(cwd: Path | None, *args: str, **kw) -> str:
    """What ``git *args`` printed (see :func:`run_git`)."""
    return run_git(cwd, *args, **kw).stdout


def refs(repo: Path) -> str:
    """Every ref of ``repo`` with its object: equal before and after means nothing changed."""
    return git(repo, "for-each-ref", "--format=%(objectname) %(refname)")


def central_value(central: Path, year: str, no: int, dept: str, field: str, rev: str = "main"):
    """One department's field of a record as ``rev`` of the repository ``central`` has it."""
    from shinchoku.store import Store

    with Store(central) as s:
        rec = s.record_at(rev, year, no)
    return next(r for r in rec["報告"] if r["主管課"] == dept).get(field)


def push(root: Path, user: str | None, *refspec: str) -> subprocess.CompletedProcess:
    """``git push -q origin REFSPEC`` (HEAD:main) from ``root``, the pusher named ``user``."""
    return run_git(root, "push", "-q", "origin", *(refspec or ("HEAD:main",)), user=user, check=False)


def remote_said(done: subprocess.CompletedProcess) -> str:
    """The hook's words as git relays them (``remote: `` taken off)."""
    return "\n".join(line[len("remote: "):].rstrip() for line in done.stderr.splitlines()
                     if line.startswith("remote: "))


# -- repositories ------------------------------------------------------------------------------


def access_yaml(staff: Mapping[str, list[str]], coordinators: tuple[str, ...] = (COORDINATOR_LOGIN,)) -> str:
    """records/access.yaml: the coordinators, and the departments each login reports for."""
    return ("調整担当:\n" + "".join(f"  - {c}\n" for c in coordinators) + "担当:\n"
            + "".join(f"  {login}:\n" + "".join(f"    - {d}\n" for d in departments)
                      for login, departments in staff.items()))


def central_repo(path: Path, *, hook: bool = True) -> Path:
    """A bare central repository (HEAD at main) with the real server hook put in by
    `shinchoku server-install`, or none (``hook=False``)."""
    git(path.parent, "init", "-q", "--bare", "-b", "main", str(path))
    if hook:
        assert main(["server-install", str(path)]) == 0
    return path


def records_repo(path: Path, *, access: str | None = None, wired: bool = True) -> Path:
    """A new git repository holding the small plan and its records (conftest), with the
    hook shims and .gitattributes of `shinchoku init` unless ``wired=False``, and
    records/access.yaml when ``access`` is given.  Nothing committed yet."""
    write_small_repo(path)
    if wired:
        wire_for_git(path)
    if access is not None:
        (path / "records" / "access.yaml").write_text(access, encoding="utf-8")
    git(path, "init", "-q", "-b", "main")
    return path


def author(root: Path, who: Who) -> Path:
    """Name ``who`` as the author of the commits made in ``root`` (git config user.*)."""
    name, email = name_and_email(who)
    git(root, "config", "user.name", name)
    git(root, "config", "user.email", email)
    return root


def wire(root: Path, who: Who | None = None) -> Path:
    """A clone as a member of staff sets it up: their name (``who``), then `shinchoku install`."""
    if who:
        author(root, who)
    assert main(["install", "--repo", str(root)]) == 0
    return root


def commit_all(root: Path, message: str, *, who: Who | None = None, when: str | None = None) -> str:
    """``git add -A`` and commit everything; the new commit's id."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, who=who, when=when)
    return git(root, "rev-parse", "HEAD").strip()


def seed(central: Path, path: Path, *, access: str | None = None, wired: bool = True,
         message: str = "計画と記録の取り込み", who: Who = COORDINATOR, when: str | None = None) -> Path:
    """The coordinator's first repository: the small plan committed by ``who`` and pushed
    to ``central`` as its main (the coordinator's login names the pusher).  It stays a
    working repository with ``origin`` and main tracking origin/main."""
    records_repo(path, access=access, wired=wired)
    author(path, who)
    commit_all(path, message, who=who, when=when)
    git(path, "remote", "add", "origin", str(central))
    git(path, "push", "-q", "-u", "origin", "main", user=COORDINATOR_LOGIN)
    return path


def clone(central: Path, path: Path, who: Who | None = None, *, install: bool = True) -> Path:
    """A member of staff's clone of ``central`` at ``path``: named ``who`` and wired by
    `shinchoku install` (``install=False``: a plain git clone, named if ``who``)."""
    git(path.parent, "clone", "-q", str(central), path.name)
    if install:
        wire(path, who)
    elif who:
        author(path, who)
    return path


class Office:
    """A bare central repository (:func:`central_repo`), seeded by the coordinator from
    ``root/<seed_dir>`` (:func:`seed`), and ``staff`` — login: who (or None) — each with a
    clone at ``root/<login>`` (:func:`clone`; more with :meth:`add`).  ``office["yamada"]``
    is that clone."""

    def __init__(self, root: Path, *, hook: bool = True, access: str | None = None, wired: bool = True,
                 message: str = "計画と記録の取り込み", when: str | None = None, seed_dir: str = "seed",
                 staff: Mapping[str, Who | None] | None = None, install: bool = True):
        self.root = root
        self.central = central_repo(root / "central.git", hook=hook)
        self.seed = seed(self.central, root / seed_dir, access=access, wired=wired, message=message, when=when)
        self.clones: dict[str, Path] = {}
        for login, who in (staff or {}).items():
            self.add(login, who, install=install)

    def add(self, login: str, who: Who | None = None, *, install: bool = True) -> Path:
        """One more member of staff: their clone at ``root/<login>``."""
        self.clones[login] = clone(self.central, self.root / login, who, install=install)
        return self.clones[login]

    def __getitem__(self, login: str) -> Path:
        return self.clones[login]


# -- git over HTTP ------------------------------------------------------------------------------


class GitHTTP(BaseHTTPRequestHandler):
    """``git http-backend`` as CGI behind HTTP Basic auth: REMOTE_USER is the user."""

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass

    def do_GET(self) -> None:
        self._cgi()

    def do_POST(self) -> None:
        self._cgi()

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _cgi(self) -> None:
        user = None
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            name, _, password = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
            if self.server.users.get(name) == password:
                user = name
        if user is None:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="shinchoku"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        body = self._body()
        cgi = dict(GIT_PROJECT_ROOT=str(self.server.root), GIT_HTTP_EXPORT_ALL="1", PATH_INFO=path,
                   QUERY_STRING=query, REQUEST_METHOD=self.command, REMOTE_ADDR="127.0.0.1",
                   CONTENT_TYPE=self.headers.get("Content-Type", ""), CONTENT_LENGTH=str(len(body)),
                   GATEWAY_INTERFACE="CGI/1.1", SERVER_PROTOCOL="HTTP/1.1",
                   HTTP_CONTENT_ENCODING=self.headers.get("Content-Encoding") or None,
                   GIT_PROTOCOL=self.headers.get("Git-Protocol") or None)
        done = run_git(None, "http-backend", user=user, env=cgi, input=body, check=False)
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.decode("latin-1").split("\r\n"):
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.split()[0])
            elif key:
                headers.append((key, value.strip()))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@contextlib.contextmanager
def git_http(root: Path, users: Mapping[str, str], *, stop_after: float | None = None) -> Iterator[int]:
    """Serve the bare repositories under ``root`` on 127.0.0.1 (a random port, yielded) to
    ``users`` (login: password); ``stop_after`` seconds at the most."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), GitHTTP)
    server.root = root
    server.users = dict(users)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stop = None
    if stop_after:
        stop = threading.Timer(stop_after, server.shutdown)         # stops itself whatever happens
        stop.daemon = True
        stop.start()
    try:
        yield server.server_address[1]
    finally:
        if stop:
            stop.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

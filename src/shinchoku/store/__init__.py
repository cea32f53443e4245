"""The records repository in git: the one module that runs git.

* reads records at any revision straight from git objects (no checkout), through one
  long-lived ``git cat-file --batch`` process;
* writes records and commits them under the editor's own name and e-mail, with a
  generated message (``R2 No.5 児童青少年課: 課題, 実績 を更新``);
* fetches, merges field by field (the ``shinchoku`` merge driver) and pushes, retrying
  when the central repository moved meanwhile, never forcing.

Everything else (review, history, hooks, the add-in) asks this module for git.
Commands run as plain ``git`` processes: the hooks and ``shinchoku history`` must start
in a fraction of a second, and importing GitPython alone costs 40-80 ms; GitPython's
``Repo`` is opened lazily (:attr:`Store.repo`) where its object model serves better
(configuration in :mod:`shinchoku.store.repo_setup`).  Errors are :class:`GitError` with a Japanese message for staff and git's own words in
``detail``.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import os
import shlex
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from shinchoku.errors import Kind, ShinchokuError

RECORDS = "records"          # = records.RECORDS; the store imports the record modules lazily so
                             # that a command can start git before the heavier imports

if TYPE_CHECKING:
    from shinchoku.model.plan import Plan

DRIVER = "shinchoku"
ATTRIBUTES = "records/**/*.yaml merge=shinchoku diff=shinchoku\n"
UNSENT_PREFIX = "refs/shinchoku/unsent/"


class GitError(ShinchokuError):
    """A git operation that failed: ``message`` for staff (Japanese), ``detail`` from git."""

    kind = Kind.GIT

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail.strip()

    def __str__(self) -> str:
        return f"{self.message}\n{self.detail}" if self.detail else self.message


class DiskFull(GitError):
    """This PC's disk (or the central server's, ``on_server``) has no room left: named as a
    full disk, never as a lock or a refusal."""

    def __init__(self, detail: str = "", *, on_server: bool = False):
        if on_server:
            message = ("中央のサーバーのディスクの空き容量が足りないため、送れませんでした。"
                       "サーバーの管理者に連絡してください（送れなかった変更はこの PC に残っています）")
        else:
            message = ("ディスクの空き容量が足りないため、記録を保存できませんでした。"
                       "不要なファイルを削除して空きを作ってから、もう一度実行してください"
                       "（記録はそのままです）")
        super().__init__(message, detail)
        self.on_server = on_server


class PushRefused(GitError):
    """The server refused the content; ``detail`` holds the server's own reasons."""

    kind = Kind.SERVER_REFUSED

    def __init__(self, said: str):
        super().__init__("中央のリポジトリが受け付けませんでした", said)


class PushRace(GitError):
    """The push lost a race (the central repository moved, or its ref was locked by another
    push at that moment): fetch, merge and push again; never shown as a refusal."""

    def __init__(self, detail: str = ""):
        super().__init__("中央のリポジトリが先に更新されていました", detail)


LOCKED = ("別の git の操作が実行中のため、記録を変更できませんでした。しばらく待ってからもう一度実行してください"
          "（それでも続くときは .git/index.lock を確認してください）")
# What git says on a full disk (it exits 128 as for any failure): strerror(ENOSPC) under
# LC_ALL=C, and csum-file.c's own words when writing the index or a pack runs out of room.
NO_SPACE = ("No space left on device", "Out of diskspace")


def no_space(text: str) -> bool:
    return any(marker in (text or "") for marker in NO_SPACE)


@dataclass(frozen=True)
class PushStatus:
    """One ref's line of ``git push --porcelain``: ``flag`` (' ' fast-forward, '*' new,
    '=' up to date, '!' rejected, …), ``summary`` (``[rejected]``, ``[remote rejected]``,
    ``[remote failure]`` or the range) and git's ``reason`` in parentheses."""

    flag: str
    ref: str
    summary: str
    reason: str

    @property
    def ok(self) -> bool:
        return self.flag != "!"


def parse_push_porcelain(out: str) -> dict[str, PushStatus]:
    """{destination ref: status} from ``git push --porcelain``'s stdout."""
    statuses = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or len(parts[0]) != 1:
            continue                        # "To <url>", "Done"
        flag, refs, summary = parts
        dst = refs.split(":", 1)[-1]
        reason = ""
        if summary.endswith(")") and " (" in summary:
            summary, reason = summary[:-1].split(" (", 1)
        elif summary.startswith("(") and summary.endswith(")"):
            summary, reason = "", summary[1:-1]
        statuses[dst] = PushStatus(flag, dst, summary.strip(), reason.strip())
    return statuses


# A ref update the server could not make because another push moved or held the ref at that
# moment ([remote rejected] reasons from receive-pack's ref transaction).
RACE_REASONS = ("failed to update ref", "failed to lock", "cannot lock ref", "incorrect old value",
                "atomic transaction failed")
# The client's own verdict that the central repository has commits this push lacks.
MOVED_REASONS = ("fetch first", "non-fast-forward", "stale info")


class Unreadable(ShinchokuError):
    """Records that cannot be read as records (broken YAML, not a mapping)."""

    def __init__(self, paths: list[str]):
        super().__init__("、".join(paths))
        self.paths = paths


@dataclass(frozen=True)
class Author:
    name: str
    email: str

    def env(self) -> dict[str, str]:
        return {"GIT_AUTHOR_NAME": self.name, "GIT_AUTHOR_EMAIL": self.email,
                "GIT_COMMITTER_NAME": self.name, "GIT_COMMITTER_EMAIL": self.email}


def python_command() -> str:
    """How git should start this Python (quoted for git's shell)."""
    exe = os.environ.get("SHINCHOKU_PYTHON") or sys.executable or "python3"
    return shlex.quote(exe.replace("\\", "/"))


def driver_config(python: str | None = None) -> dict[str, str]:
    """The merge and diff drivers' git configuration (what ``shinchoku install`` writes)."""
    py = python or python_command()
    return {
        f"merge.{DRIVER}.name": "shinchoku field-level merge",
        f"merge.{DRIVER}.driver": f"{py} -m shinchoku merge-driver %O %A %B %P",
        f"diff.{DRIVER}.textconv": f"{py} -m shinchoku textconv",
        f"diff.{DRIVER}.cachetextconv": "false",
    }


# Variables added to every git this thread or task runs (see :func:`environment`).
_EXTRA_ENV: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("shinchoku_git_env", default={})


_push_gate: threading.Lock | None = None


def serialize_pushes() -> None:
    """Within this process, let one push at a time talk to the central repository.

    For a server that sends for many people at once (``shinchoku serve``): without it,
    twenty simultaneous pushes each run the central hook and all but one lose the race
    for the ref and run it again.  With it, a push that has become stale is refused by
    git on this side at once (no hook run) and retried after a fetch and merge.  The
    central repository's atomic ref update stays the arbiter between processes and hosts;
    this only avoids wasted work inside one."""
    global _push_gate
    if _push_gate is None:
        _push_gate = threading.Lock()


@contextlib.contextmanager
def environment(**env: str):
    """Within the block, every git run here gets ``env`` too: xlwings Server names the
    signed-in user (``REMOTE_USER``) for the central repository's hook this way, per
    request, without touching the process environment other requests share."""
    token = _EXTRA_ENV.set({**_EXTRA_ENV.get(), **env})
    try:
        yield
    finally:
        _EXTRA_ENV.reset(token)


def _git_env(env: dict[str, str] | None = None) -> dict[str, str]:
    # git's own words are matched in English (push rejections, locks)
    return {**os.environ, "LC_ALL": "C", "LANGUAGE": "C", **_EXTRA_ENV.get(), **(env or {})}


def spawn(args: list[str], cwd: Path | str | None = None) -> subprocess.Popen:
    """Start ``git ARGS`` in the background, for a command that starts git first and
    imports the rest while git works; read it with :func:`collect`.  The output goes to
    temporary files, not a pipe, where git would stop at 64 KB until read."""
    import tempfile

    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    proc = subprocess.Popen(["git", *args], cwd=cwd or None, stdout=out, stderr=err,
                            stdin=subprocess.DEVNULL, env=_git_env())
    proc.output_files = (out, err)
    return proc


def collect(proc: subprocess.Popen) -> str:
    """The output of a :func:`spawn`-ed git; GitError when it failed."""
    proc.wait()
    out, err = proc.output_files
    try:
        out.seek(0)
        err.seek(0)
        data, detail = out.read(), err.read().decode("utf-8", "replace").strip()
    finally:
        discard(proc)
    if proc.returncode != 0:
        if no_space(detail):
            raise DiskFull(detail)
        raise GitError(_explain(proc.args[1] if len(proc.args) > 1 else "", detail), detail)
    return data.decode("utf-8", "replace")


def discard(proc: subprocess.Popen) -> None:
    """Stop a :func:`spawn`-ed git that is no longer wanted and drop its files."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    for f in proc.output_files:
        f.close()


def remote_lines(text: str) -> str:
    """What the server said (``remote: …`` lines), without git's own noise."""
    lines = []
    for line in text.splitlines():
        if line.startswith("remote: "):
            body = line[len("remote: "):].rstrip()
            if body and not body.startswith(("error: hook declined", "To ")):
                lines.append(body)
    return "\n".join(lines)


class Store:
    """A git clone (or bare repository) holding ``records/``."""

    def __init__(self, root: Path | str, *, bare: bool = False):
        self.root = Path(root)
        self._cat: subprocess.Popen | None = None
        self._check: subprocess.Popen | None = None
        self._repo = None
        self.repaired: list[str] = []      # what shinchoku.store.repair.heal put right, for staff (Japanese)
        if not self.root.is_dir():
            raise GitError(f"{self.root} は git のリポジトリではありません")
        ok, out = self.try_git("rev-parse", "--is-bare-repository")
        if not ok:
            raise GitError(f"{self.root} は git のリポジトリではありません")
        self.bare = bare or out.strip() == "true"

    @classmethod
    def create(cls, root: Path | str, *, bare: bool = False, branch: str = "main") -> "Store":
        """``git init`` a new repository at ``root`` (made if missing) and open it."""
        Path(root).mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["git", "init", "-q", "-b", branch, *(["--bare"] if bare else []), str(root)],
                              capture_output=True, env=_git_env(), stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip()
            raise GitError("git init ができませんでした", detail)
        return cls(root)

    @classmethod
    def clone(cls, url: str, root: Path | str) -> "Store":
        """``git clone URL ROOT`` (ROOT must be missing or empty) and open the clone."""
        root = Path(root)
        if root.exists() and any(root.iterdir()):
            raise GitError(f"{root} は空のフォルダではないため、記録リポジトリを複製できません")
        root.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["git", "clone", "-q", url, str(root)], capture_output=True, env=_git_env(),
                              stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip()
            raise GitError(f"中央のリポジトリ（{url}）を複製できませんでした（アドレスとネットワークをご確認ください）",
                           detail)
        return cls(root)

    @property
    def repo(self):
        """GitPython's view of the repository (opened on first use)."""
        if self._repo is None:
            import git as _gitpython

            self._repo = _gitpython.Repo(self.root)
        return self._repo

    def close(self) -> None:
        for proc in (self._cat, self._check):
            if proc is not None:
                try:
                    proc.stdin.close()
                    proc.wait(timeout=5)
                except Exception:
                    proc.kill()
        self._cat = self._check = None
        if self._repo is not None:
            self._repo.close()
            self._repo = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    # -- the one place git runs -----------------------------------------------------------
    def git(self, *args: str, env: dict[str, str] | None = None, input: bytes | None = None,
            config: dict[str, str] | None = None, raw: bool = False) -> Any:
        """Run ``git ARGS`` in the repository; stdout as text (bytes when ``raw``).

        Raises :class:`GitError` (git's stderr in ``detail``) when git fails."""
        cmd = ["git"]
        for key, value in (config or {}).items():
            cmd += ["-c", f"{key}={value}"]
        cmd += list(args)
        done = subprocess.run(cmd, cwd=self.root, input=input, capture_output=True, env=_git_env(env),
                              stdin=subprocess.DEVNULL if input is None else None)
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip()
            if no_space(detail):
                raise DiskFull(detail)
            raise GitError(_explain(args[0] if args else "", detail), detail)
        return done.stdout if raw else done.stdout.decode("utf-8", "replace")

    def try_git(self, *args: str, **kwargs) -> tuple[bool, str]:
        """(succeeded, stdout or git's stderr) without raising."""
        try:
            return True, self.git(*args, **kwargs)
        except GitError as exc:
            return False, exc.detail

    # -- reading -------------------------------------------------------------------------
    def rev(self, ref: str) -> str | None:
        ok, out = self.try_git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        return out.strip() or None if ok else None

    def head(self) -> str | None:
        return self.rev("HEAD")

    def branch(self) -> str:
        ok, out = self.try_git("symbolic-ref", "--short", "-q", "HEAD")
        return out.strip() if ok and out.strip() else "main"

    def config(self, key: str) -> str:
        ok, out = self.try_git("config", "--get", key)
        return out.strip() if ok else ""

    def author_from_config(self) -> Author:
        name, email = self.config("user.name"), self.config("user.email")
        if not name or not email:
            raise GitError("git の名前とメールアドレスが設定されていません"
                           "（git config user.name「氏名」、git config user.email「メール」を設定してください）")
        return Author(name, email)

    def git_dir(self) -> Path:
        """This clone's own git folder (``.git``: index, MERGE_HEAD, locks), absolute."""
        return Path(self.git("rev-parse", "--absolute-git-dir").strip())

    def cache_dir(self) -> Path:
        """``.git/shinchoku``: what shinchoku may remember between runs (parsed plans)."""
        ok, out = self.try_git("rev-parse", "--git-common-dir")
        base = Path(out.strip()) if ok and out.strip() else Path(".git")
        return (base if base.is_absolute() else self.root / base) / "shinchoku"

    def plan_at(self, rev: str) -> "Plan | None":
        """The plan at ``rev`` (``:`` for the index); None when absent.  YamlError when broken."""
        from shinchoku.model.plan import load_cached

        raw = self.read_blob(rev, f"{RECORDS}/plan.yaml") if rev != ":" else \
            self.read_object(f":{RECORDS}/plan.yaml")
        return None if raw is None else load_cached(raw, self.cache_dir())

    def read_blob(self, rev: str, path: str) -> bytes | None:
        """The bytes of ``path`` at ``rev`` (None when it is not there)."""
        return self.read_object(f"{rev}:{path}")

    def read_object(self, spec: str) -> bytes | None:
        """A blob by sha or ``rev:path`` through the long-lived ``cat-file --batch`` (None
        when missing or not a blob)."""
        if "\n" in spec:
            return None
        self._cat = cat = self._cat_process(self._cat, "--batch")
        cat.stdin.write(spec.encode("utf-8") + b"\n")
        cat.stdin.flush()
        header = cat.stdout.readline().split()
        if len(header) != 3:
            return None                        # "<spec> missing" / "ambiguous"
        data = cat.stdout.read(int(header[2]))
        cat.stdout.read(1)
        return data if header[1] == b"blob" else None

    def read_objects(self, shas: Iterable[str]) -> dict[str, bytes]:
        """Many blobs at once: one ``cat-file --batch`` call, requests pipelined."""
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        data = self.git("cat-file", "--batch", input="\n".join(wanted).encode() + b"\n", raw=True)
        out: dict[str, bytes] = {}
        pos = 0
        for sha in wanted:
            end = data.index(b"\n", pos)
            header = data[pos:end].split()
            pos = end + 1
            if len(header) != 3:
                continue
            size = int(header[2])
            if header[1] == b"blob":
                out[sha] = data[pos:pos + size]
            pos += size + 1
        return out

    def object_id(self, spec: str) -> str | None:
        """The sha of ``spec`` (``rev:path``), through a long-lived ``cat-file --batch-check``
        (None when there is no such object); cheap enough to ask once per commit."""
        if "\n" in spec:
            return None
        self._check = self._cat_process(self._check, "--batch-check")
        self._check.stdin.write(spec.encode("utf-8") + b"\n")
        self._check.stdin.flush()
        header = self._check.stdout.readline().split()
        return header[0].decode() if len(header) == 3 else None

    def _cat_process(self, proc: subprocess.Popen | None, mode: str) -> subprocess.Popen:
        if proc is None or proc.poll() is not None:
            proc = subprocess.Popen(["git", "cat-file", mode], cwd=self.root, stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return proc

    def tree_entries(self, rev: str, path: str = RECORDS) -> dict[str, str]:
        """{repository path: blob sha} of every file under ``path`` at ``rev``."""
        ok, out = self.try_git("ls-tree", "-r", "-z", "--full-tree", rev, "--", path)
        if not ok:
            return {}
        entries = {}
        for item in out.split("\0"):
            if not item:
                continue
            meta, name = item.split("\t", 1)
            _mode, kind, sha = meta.split()
            if kind == "blob":
                entries[name] = sha
        return entries

    def read_records(self, rev: str = "HEAD", *, paths: Iterable[str] | None = None,
                     strict: bool = False) -> dict[tuple[str, int], dict[str, Any]]:
        """{(年度, No): record} at ``rev`` (every record, or those of ``paths``).

        Unreadable ones are left out, or with ``strict`` raise :class:`Unreadable` naming
        them all (a reader that would otherwise show them as empty).  A clean clone
        standing on ``rev`` has the same bytes in its files, which are quicker to read
        than git's objects."""
        from shinchoku.model import records

        entries = self.tree_entries(rev)
        if paths is not None:
            entries = {p: entries[p] for p in paths if p in entries}
        from_files = self.head() == rev and not self.dirty_paths()
        out: dict[tuple[str, int], dict[str, Any]] = {}
        broken: list[str] = []
        for path, sha in entries.items():
            if not records.is_record_path(path):
                continue
            data = None
            if from_files:
                try:
                    data = (self.root / path).read_bytes()
                except OSError:
                    data = None
            rec = records.mapping_or_none(data if data is not None else self.read_object(sha))
            if rec is None:
                broken.append(path)
            else:
                out[records.parse_relpath(path.split("/", 1)[1])] = rec
        if broken and strict:
            raise Unreadable(broken)
        return out

    def changed_paths(self, since: str, rev: str = "HEAD", path: str = RECORDS) -> list[str]:
        """Paths under ``path`` that differ between two commits."""
        return [p for p in self.git("diff", "--name-only", "-z", since, rev, "--", path).split("\0") if p]

    def log_changes(self, rev_range: list[str], *, since: str | None = None,
                    path: str = RECORDS) -> list[tuple[list[str], list[tuple[str, str, str]]]]:
        """Every commit in ``rev_range`` (merges left out) that changed something under
        ``path``, oldest first, with the files it changed against its parent, from one
        ``git log --raw``: ``[([sha, author, email, ISO date, subject, body],
        [(path, blob before, blob after)])]``; a blob is forty zeros where the file was
        absent.  (One git process for the whole range, however many commits.)"""
        fmt = "\x1e" + "\x1f".join(["%H", "%an", "%ae", "%aI", "%s", "%b"]) + "\x1d"
        args = ["log", "--reverse", "--topo-order", "--no-merges", "--raw", "--no-abbrev", "--no-renames",
                f"--format={fmt}"]
        if since:
            args.append(f"--since={since}")
        out = self.git(*args, *rev_range, "--", path)
        found = []
        for chunk in out.split("\x1e"):
            if not chunk.strip():
                continue
            head, _, raw = chunk.partition("\x1d")
            fields = (head.split("\x1f") + [""] * 6)[:6]
            files = []
            for line in raw.splitlines():
                if not line.startswith(":"):
                    continue
                meta, _, name = line.partition("\t")
                parts = meta.split()            # :mode mode before after STATUS
                if len(parts) >= 5:
                    files.append((name, parts[2], parts[3]))
            found.append((fields, files))
        return found

    def record_at(self, rev: str, year: str, no: int) -> dict[str, Any] | None:
        from shinchoku.model import records

        return records.mapping_or_none(self.read_blob(rev, records.record_relpath(year, no)))

    def dirty_paths(self) -> list[str]:
        """Tracked or untracked paths under records/ that differ from HEAD."""
        out = self.git("status", "--porcelain", "-z", "--untracked-files=all", "--", RECORDS)
        paths = []
        for item in out.split("\0"):
            if len(item) > 3:
                paths.append(item[3:])
        return paths

    # -- writing -------------------------------------------------------------------------
    def write_records(self, recs: Iterable[dict[str, Any]]) -> list[str]:
        """Write records into the working tree in canonical form; their repository paths."""
        from shinchoku.model import records

        paths = []
        for rec in recs:
            records.write_record(self.root, rec)
            paths.append(records.record_relpath(rec["年度"], int(rec["No"])))
        return paths

    def commit(self, paths: list[str], author: Author, message: str, *, verify: bool = True) -> str | None:
        """Stage ``paths`` and commit them as ``author`` (None when nothing changed).

        The commit runs the repository's hooks (pre-commit validates the staged records)."""
        if not paths:
            return None
        self.git("add", "--", *paths)
        ok, _ = self.try_git("diff", "--cached", "--quiet", "--", *paths)
        if ok:
            return None                                  # nothing staged differs from HEAD
        args = ["commit", "-q", "-F", "-", "--", *paths]
        if not verify:
            args.insert(1, "--no-verify")
        try:
            self.git(*args, env=author.env(), input=message.encode("utf-8"))
        except DiskFull:
            self.try_git("reset", "-q", "--", *paths)
            raise
        except GitError as exc:
            # Leave the index as HEAD has it; the files stay written.
            self.try_git("reset", "-q", "--", *paths)
            msg = "記録をコミットできませんでした"
            if verify and exc.detail:                    # the pre-commit hook said why
                msg += "（入力内容の確認で問題が見つかりました）"
            raise GitError(msg, exc.detail) from None
        return self.head()

    def commit_records(self, recs: list[dict[str, Any]], author: Author, message: str | None = None,
                       *, note: str | None = None, verify: bool = True) -> str | None:
        """Write ``recs`` and commit them; the message is generated when not given.
        ``verify=False`` skips the pre-commit hook, for a caller that has just checked
        the very text of these records as the hook would.

        When git cannot take them (a held lock, a hook's refusal) the files are put back
        as HEAD has them, so the clone stays clean and the next attempt can go ahead."""
        from shinchoku.model import records

        head = self.head()
        keys = [(r["年度"], int(r["No"])) for r in recs]
        paths = [records.record_relpath(year, no) for year, no in keys]
        originals = {p: self.read_blob(head, p) if head else None for p in paths}
        if message is None:
            message = commit_message([(year, no, records.mapping_or_none(originals[p]), r)
                                      for (year, no), p, r in zip(keys, paths, recs)], note)
        try:
            self.write_records(recs)
            return self.commit(paths, author, message, verify=verify)
        except GitError:
            self._put_back(originals)
            raise
        except OSError as exc:
            self._put_back(originals)
            if exc.errno == errno.ENOSPC:
                raise DiskFull(str(exc)) from None
            raise

    def _put_back(self, originals: dict[str, bytes | None]) -> None:
        """Files as they were (without git's index, which may be the thing that is locked)."""
        for path, data in originals.items():
            target = self.root / path
            try:
                if data is None:
                    target.unlink(missing_ok=True)
                else:
                    target.write_bytes(data)
            except OSError:
                pass

    # -- the central repository ----------------------------------------------------------
    def has_remote(self, name: str = "origin") -> bool:
        return name in self.git("remote").split()

    def upstream(self) -> str:
        """The remote-tracking ref of the current branch (``origin/main``)."""
        return f"origin/{self.branch()}"

    def fetch(self) -> None:
        if not self.has_remote():
            return
        try:
            self.git("fetch", "-q", "--prune", "origin", "+refs/heads/*:refs/remotes/origin/*",
                     "+refs/tags/*:refs/tags/*")
        except DiskFull:
            raise
        except GitError as exc:
            raise GitError("中央のリポジトリに接続できませんでした（ネットワークをご確認ください）", exc.detail) from None

    def ahead_behind(self) -> tuple[int, int]:
        """(commits only here, commits only on the central repository)."""
        if self.rev(self.upstream()) is None or self.head() is None:
            return 0, 0
        out = self.git("rev-list", "--left-right", "--count", f"HEAD...{self.upstream()}").split()
        return int(out[0]), int(out[1])

    def push(self) -> None:
        """Push the current branch, never forcing.  What happened is read from git's exit
        status and ``--porcelain`` ref status, not from its prose:

        * :class:`PushRace` when another push won (the central repository moved, or its ref
          was locked at that moment): the caller fetches, merges and pushes again;
        * :class:`PushRefused` with the server's own reasons when its hook refused the content;
        * :class:`DiskFull` when the server's disk is full;
        * :class:`GitError` when the server could not be reached or failed otherwise."""
        branch = self.branch()
        ref = f"refs/heads/{branch}"
        with _push_gate or contextlib.nullcontext():
            done = subprocess.run(["git", "push", "--porcelain", "origin", f"HEAD:{ref}"], cwd=self.root,
                                  capture_output=True, env=_git_env(), stdin=subprocess.DEVNULL)
        out = done.stdout.decode("utf-8", "replace")
        err = done.stderr.decode("utf-8", "replace").strip()
        status = parse_push_porcelain(out).get(ref)
        if done.returncode == 0 and status is not None and status.ok:
            return
        said = remote_lines(err)
        if status is None:                       # no ref status: git never got to talk to the server
            if no_space(err):
                raise DiskFull(err, on_server=no_space(said))
            raise GitError("中央のリポジトリに送れませんでした（ネットワークをご確認ください）", err)
        if no_space(said):
            raise DiskFull(said, on_server=True)
        if status.summary == "[rejected]" and status.reason.startswith(MOVED_REASONS):
            raise PushRace(status.reason)
        if status.summary == "[remote rejected]" and "hook declined" in status.reason:
            raise PushRefused(said or status.reason)
        if status.summary == "[remote rejected]" and status.reason.startswith(RACE_REASONS):
            raise PushRace(status.reason)
        if status.summary == "[remote failure]":     # the server went quiet: did it land? fetch and see
            raise PushRace(status.reason)
        raise GitError("中央のリポジトリで記録を更新できませんでした。しばらくしてからもう一度実行してください",
                       "\n".join(x for x in (said, f"{status.summary} ({status.reason})") if x))

    def merge_upstream(self, author: Author, *, keep_conflicts: bool = False) -> list[str]:
        """Merge the central repository's branch into HEAD with the field-level driver.

        Returns [] when merged (or nothing to merge); on conflicts the conflicted paths,
        with the merge aborted (HEAD as it was), or with ``keep_conflicts`` left in
        progress: both values stand inside each conflicting field for the user to choose."""
        upstream = self.upstream()
        if self.rev(upstream) is None:
            return []
        ahead, behind = self.ahead_behind()
        if behind == 0:
            return []
        if ahead == 0:
            self.git("merge", "-q", "--ff-only", upstream)
            return []
        ok, detail = self.try_git("merge", "-q", "--no-ff", "--no-edit", "-m",
                                  f"中央の変更を取り込み（{upstream}）", upstream,
                                  env=author.env(), config=driver_config())
        if ok:
            return []
        conflicted = [p for p in self.git("diff", "--name-only", "--diff-filter=U", "-z").split("\0") if p]
        if keep_conflicts and conflicted:
            return conflicted
        self.try_git("merge", "--abort")
        if not conflicted:
            if (self.git_dir() / "index.lock").exists():      # git says only "Unable to write index"
                raise GitError(LOCKED, detail)
            raise GitError("中央の変更を取り込めませんでした", detail)
        return conflicted

    def save_unsent(self, label: str = "") -> str:
        """Keep HEAD under ``refs/shinchoku/unsent/…`` (so a reset never loses a commit)."""
        import datetime as _dt

        head = self.head()
        if head is None:
            return ""
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        ref = f"{UNSENT_PREFIX}{stamp}-{head[:7]}{('-' + label) if label else ''}"
        self.git("update-ref", ref, head)
        return ref

    def reset_to(self, rev: str) -> None:
        self.git("reset", "-q", "--hard", rev)


def _explain(command: str, detail: str) -> str:
    """A Japanese sentence for staff from what git said."""
    if no_space(detail):
        return DiskFull().message
    if "index.lock" in detail or ".lock': File exists" in detail:
        return LOCKED
    if "would be overwritten" in detail:
        return "まだコミットしていない記録の変更があるため、中央の変更を取り込めませんでした"
    return f"git {command} が失敗しました"


def commit_message(changed: list[tuple[str, int, dict | None, dict]], note: str | None = None) -> str:
    """``R2 No.5 児童青少年課: 課題, 実績 を更新`` (one line per record and department; the
    first is the subject, ``ほかN件`` when there are more), then the editor's note."""
    from shinchoku.model import schema
    from shinchoku.rules import fielddiff

    fields = schema.report_fields()
    lines = []
    for year, no, old, new in changed:
        by_dept: dict[str, list[str]] = {}
        for fc in fielddiff.changes(old, new, fields):
            by_dept.setdefault(fc.department, []).append(fc.field)
        for dept, names in by_dept.items():
            lines.append(f"{year} No.{no} {dept}: {', '.join(names)} を更新")
    if not lines:
        lines = [f"{year} No.{no}: 記録を更新" for year, no, _o, _n in changed] or ["記録を更新"]
    subject = lines[0] if len(lines) == 1 else f"{lines[0]} ほか{len(lines) - 1}件"
    body = "\n".join(lines) if len(lines) > 1 else ""
    parts = [subject] + ([body] if body else []) + ([note.strip()] if note and note.strip() else [])
    return "\n\n".join(parts) + "\n"

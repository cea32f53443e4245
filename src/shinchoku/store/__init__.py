"""The records repository in git: the one door to git.

* reads records at any revision straight from git objects (no checkout), through one
  long-lived ``git cat-file --batch`` process;
* writes records and commits them under the editor's own name and e-mail, with a
  generated message (``R2 No.5 児童青少年課: 課題, 実績 を更新``);
* fetches, merges field by field (the ``shinchoku`` merge driver) and pushes, retrying
  when the central repository moved meanwhile, never forcing;
* answers the questions the rest of the package asks of git, each by its intent (the log
  of a path, what a commit changed, the review tags, the parents of a commit, …): the
  command runner itself (:meth:`Store._git`) is private to this package, and what git
  writes is read by :mod:`shinchoku.store.gitlog`, one parser per format.

Commands run as plain ``git`` processes: the hooks and ``shinchoku history`` must start
in a fraction of a second, and importing GitPython alone costs 40-80 ms; GitPython's
``Repo`` is opened lazily (:attr:`Store.repo`) where its object model serves better
(configuration in :mod:`shinchoku.store.repo_setup`).  Errors are :class:`GitError` with
a Japanese message for staff and git's own words in ``detail``.
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
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from shinchoku.errors import Kind, ShinchokuError
from shinchoku.store import gitlog
from shinchoku.store.gitlog import NULL, FileChange, PushStatus, parse_push_porcelain  # noqa: F401

RECORDS = "records"          # = records.RECORDS; the store imports the record modules lazily so
                             # that a command can start git before the heavier imports

if TYPE_CHECKING:
    from shinchoku.model.fields import Commit
    from shinchoku.model.plan import Plan

DRIVER = "shinchoku"
ATTRIBUTES = "records/**/*.yaml merge=shinchoku diff=shinchoku\n"
UNSENT_PREFIX = "refs/shinchoku/unsent/"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"     # git's id of a tree with nothing in it


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


class GitLocked(GitError):
    """Another git held this clone's lock (``index.lock``): the operation did nothing."""

    def __init__(self, detail: str = ""):
        super().__init__(LOCKED, detail)


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


def _spawn(args: list[str], cwd: Path | str | None = None) -> subprocess.Popen:
    """Start ``git ARGS`` in the background; read it with :func:`_collect`.  The output goes
    to temporary files, not a pipe, where git would stop at 64 KB until read."""
    import tempfile

    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    proc = subprocess.Popen(["git", *args], cwd=cwd or None, stdout=out, stderr=err,
                            stdin=subprocess.DEVNULL, env=_git_env())
    proc.output_files = (out, err)
    return proc


def _collect(proc: subprocess.Popen) -> bytes:
    """The output of a :func:`_spawn`-ed git; GitError when it failed."""
    proc.wait()
    out, err = proc.output_files
    try:
        out.seek(0)
        err.seek(0)
        data, stderr = out.read(), err.read()
    finally:
        discard(proc)
    if proc.returncode != 0:
        raise _failure(proc.args[1:], stderr)
    return data


def start_history(relpath: str, cwd: Path | str | None = None, *, follow: bool = True) -> subprocess.Popen:
    """Start reading the history of one file (``records/R2/05.yaml``) before anything heavy
    is imported, so git works while Python loads the rest: hand it to
    :meth:`Store.file_log` as ``started`` (and :func:`discard` it when not used)."""
    return _spawn(gitlog.log_args([relpath], follow), cwd)


def discard(proc: subprocess.Popen) -> None:
    """Stop a started git (:func:`start_history`) that is no longer wanted and drop its files."""
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


def _failure(args: list[str] | tuple[str, ...], stderr: bytes) -> GitError:
    detail = stderr.decode("utf-8", "replace").strip()
    if no_space(detail):
        return DiskFull(detail)
    if _locked(detail):
        return GitLocked(detail)
    return GitError(_explain(args[0] if args else "", detail), detail)


FEW_BY_PATH = 200     # records read one by one by path; more are read from one listing of the tree


class Store:
    """A git clone (or bare repository) holding ``records/``."""

    def __init__(self, root: Path | str, *, bare: bool = False):
        self.root = Path(root)
        self._cat: subprocess.Popen | None = None
        self._check: subprocess.Popen | None = None
        self._repo = None
        self.repaired: list[str] = []      # what shinchoku.store.repair.heal put right, for staff (Japanese)
        # Asked many times per button press and changed only through this Store (point_head):
        # the current branch and the remotes are read from git once.
        self._branch: str | None = None
        self._remotes: list[str] | None = None
        if not self.root.is_dir():
            raise GitError(f"{self.root} は git のリポジトリではありません")
        # one git for what every later question needs: bare or not, and where its folders are
        ok, out = self._try_git("rev-parse", "--is-bare-repository", "--absolute-git-dir", "--git-common-dir")
        lines = out.splitlines()
        if not ok or len(lines) < 3:
            raise GitError(f"{self.root} は git のリポジトリではありません")
        self.bare = bare or lines[0].strip() == "true"
        self._git_dir = Path(lines[1].strip())
        common = Path(lines[2].strip() or ".git")
        self._common_dir = common if common.is_absolute() else self.root / common

    @classmethod
    def create(cls, root: Path | str, *, bare: bool = False, branch: str = "main") -> "Store":
        """``git init`` a new repository at ``root`` (made if missing; ``--bare`` for a
        central one) and open it."""
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

    # -- the one place git runs (private to shinchoku.store) --------------------------------
    def _git(self, *args: str, env: dict[str, str] | None = None, input: bytes | None = None,
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
            raise _failure(args, done.stderr)
        return done.stdout if raw else done.stdout.decode("utf-8", "replace")

    def _try_git(self, *args: str, **kwargs) -> tuple[bool, str]:
        """(succeeded, stdout or git's stderr) without raising."""
        try:
            return True, self._git(*args, **kwargs)
        except GitError as exc:
            return False, exc.detail

    # -- reading: refs and commits ------------------------------------------------------
    def rev(self, ref: str) -> str | None:
        """The commit ``ref`` names, or None."""
        ok, out = self._try_git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        return out.strip() or None if ok else None

    def head(self) -> str | None:
        return self.rev("HEAD")

    def head_ref(self) -> str | None:
        """The ref HEAD names (``refs/heads/main``), or None when HEAD is detached."""
        ok, out = self._try_git("symbolic-ref", "-q", "HEAD")
        return out.strip() or None if ok else None

    def point_head(self, ref: str) -> None:
        """Make HEAD name ``ref`` (``refs/heads/main``), which need not exist yet."""
        self._git("symbolic-ref", "HEAD", ref)
        self._branch = None

    def branch(self) -> str:
        """The current branch (``main`` when HEAD is detached)."""
        if self._branch is None:
            ok, out = self._try_git("symbolic-ref", "--short", "-q", "HEAD")
            self._branch = out.strip() if ok and out.strip() else "main"
        return self._branch

    def refs(self, prefix: str) -> list[str]:
        """The full names of the refs under ``prefix`` (``refs/heads/``)."""
        return [r.name for r in gitlog.parse_refs(self._git("for-each-ref", gitlog.REF_FORMAT, prefix))]

    def root_commit(self, rev: str = "HEAD") -> str | None:
        """The first commit ``rev`` descends from along its first parents (the repository's
        creation)."""
        roots = self._git("rev-list", "--max-parents=0", "--first-parent", rev).split()
        return roots[-1] if roots else None

    def parents(self, rev: str) -> tuple[str, ...]:
        """The parents of commit ``rev`` (none for a root commit)."""
        return tuple(self._git("rev-list", "--parents", "-n", "1", rev).split()[1:])

    def is_ancestor(self, ancestor: str, rev: str) -> bool:
        """Whether ``rev`` contains ``ancestor`` (a push of ``rev`` over it is a fast-forward)."""
        ok, _ = self._try_git("merge-base", "--is-ancestor", ancestor, rev)
        return ok

    # -- reading: configuration and folders ---------------------------------------------------
    def config(self, key: str) -> str:
        ok, out = self._try_git("config", "--get", key)
        return out.strip() if ok else ""

    def local_config(self, key: str) -> str:
        """A setting of this repository's own configuration (``--local``: never one the
        caller's environment adds through GIT_CONFIG_PARAMETERS or GIT_CONFIG_COUNT)."""
        ok, out = self._try_git("config", "--local", "--get", key)
        return out.strip() if ok else ""

    def set_config(self, key: str, value: str) -> None:
        """Write one setting into this repository's configuration."""
        self._git("config", key, value)

    def author_from_config(self) -> Author:
        name, email = self.config("user.name"), self.config("user.email")
        if not name or not email:
            raise GitError("git の名前とメールアドレスが設定されていません"
                           "（git config user.name「氏名」、git config user.email「メール」を設定してください）")
        return Author(name, email)

    def git_dir(self) -> Path:
        """This clone's own git folder (``.git``: index, MERGE_HEAD, locks), absolute."""
        return self._git_dir

    def git_path(self, name: str) -> Path:
        """Where git keeps ``name`` (``hooks``, ``info/attributes``) for this repository,
        ``core.hooksPath`` and worktrees taken into account; absolute."""
        path = Path(self._git("rev-parse", "--git-path", name).strip())
        return path if path.is_absolute() else self.root / path

    def cache_dir(self) -> Path:
        """``.git/shinchoku``: what shinchoku may remember between runs (parsed plans)."""
        return self._common_dir / "shinchoku"

    # -- reading: objects -------------------------------------------------------------------
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
        return gitlog.BatchReader(cat.stdout).next()[1]

    def read_objects(self, shas: Iterable[str]) -> dict[str, bytes]:
        """Many blobs at once: one ``cat-file --batch`` call, requests pipelined."""
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        data = self._git("cat-file", "--batch", input="\n".join(wanted).encode() + b"\n", raw=True)
        return gitlog.parse_batch(data, wanted)

    def object_id(self, spec: str) -> str | None:
        """The sha of ``spec`` (``rev:path``), through a long-lived ``cat-file --batch-check``
        (None when there is no such object); cheap enough to ask once per commit."""
        if "\n" in spec:
            return None
        self._check = self._cat_process(self._check, "--batch-check")
        self._check.stdin.write(spec.encode("utf-8") + b"\n")
        self._check.stdin.flush()
        return gitlog.batch_check_id(self._check.stdout.readline())

    def object_ids(self, specs: Iterable[str]) -> dict[str, str | None]:
        """``rev:path`` -> object id (None: absent), many at once through one
        ``cat-file --batch-check``."""
        wanted = [s for s in dict.fromkeys(specs) if "\n" not in s]
        if not wanted:
            return {}
        out = self._git("cat-file", "--batch-check", input="".join(f"{s}\n" for s in wanted).encode())
        return dict(gitlog.parse_batch_check(out, wanted))

    def _cat_process(self, proc: subprocess.Popen | None, mode: str) -> subprocess.Popen:
        if proc is None or proc.poll() is not None:
            proc = subprocess.Popen(["git", "cat-file", mode], cwd=self.root, stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return proc

    def tree_entries(self, rev: str, path: str = RECORDS) -> dict[str, str]:
        """{repository path: blob sha} of every file under ``path`` at ``rev``."""
        ok, out = self._try_git("ls-tree", "-r", "-z", "--full-tree", rev, "--", path)
        if not ok:
            return {}
        return {name: sha for name, (_mode, kind, sha) in gitlog.parse_ls_tree(out).items() if kind == "blob"}

    def read_records(self, rev: str = "HEAD", *, paths: Iterable[str] | None = None,
                     strict: bool = False) -> dict[tuple[str, int], dict[str, Any]]:
        """{(年度, No): record} at ``rev`` (every record, or those of ``paths``).

        Unreadable ones are left out, or with ``strict`` raise :class:`Unreadable` naming
        them all (a reader that would otherwise show them as empty).  A clean clone
        standing on ``rev`` has the same bytes in its files, which are quicker to read
        than git's objects."""
        from shinchoku.model import records

        wanted = None if paths is None else [p for p in paths if records.is_record_path(p)]
        out: dict[tuple[str, int], dict[str, Any]] = {}
        broken: list[str] = []
        for path, raw in self._record_bytes(rev, wanted):
            rec = records.mapping_or_none(raw)
            if rec is None:
                broken.append(path)
            else:
                out[records.record_key(path)] = rec
        if broken and strict:
            raise Unreadable(broken)
        return out

    def _record_bytes(self, rev: str, wanted: list[str] | None) -> Iterator[tuple[str, bytes | None]]:
        """(path, bytes) of every record at ``rev`` (or of the ``wanted`` ones there)."""
        from shinchoku.model import records

        if wanted is not None and len(wanted) <= FEW_BY_PATH:
            # a few records (a 送信, a 取得 soon after the last): each read at ``rev`` by its
            # path, without listing the whole tree (one that is not there is left out)
            for path in wanted:
                raw = self.read_blob(rev, path)
                if raw is not None:
                    yield path, raw
            return
        entries = self.tree_entries(rev)
        if wanted is not None:
            entries = {p: entries[p] for p in wanted if p in entries}
        entries = {p: sha for p, sha in entries.items() if records.is_record_path(p)}
        from_files: dict[str, bytes] = {}
        if not self.bare and self.head() == rev and not self.dirty_paths():
            for path in entries:
                with contextlib.suppress(OSError):
                    from_files[path] = (self.root / path).read_bytes()
        objects = self.read_objects(sha for p, sha in entries.items() if p not in from_files)   # the rest in one batch
        for path, sha in entries.items():
            yield path, from_files[path] if path in from_files else objects.get(sha)

    def record_at(self, rev: str, year: str, no: int) -> dict[str, Any] | None:
        from shinchoku.model import records

        return records.mapping_or_none(self.read_blob(rev, records.record_relpath(year, no)))

    # -- reading: what changed ------------------------------------------------------------
    def changed_paths(self, since: str, rev: str = "HEAD", path: str = RECORDS) -> list[str]:
        """Paths under ``path`` that differ between two commits."""
        return gitlog.parse_paths(self._git("diff", "--name-only", "-z", since, rev, "--", path))

    def commit_paths(self, rev: str, path: str = RECORDS) -> list[str]:
        """Paths under ``path`` that commit ``rev`` changed against its first parent (all of
        them for a root commit)."""
        return gitlog.parse_paths(self._git("diff-tree", "--root", "--no-commit-id", "-r", "--name-only", "-z",
                                            rev, "--", path))

    def log(self, revs: list[str], *, path: str | None = RECORDS, since: str | None = None,
            merges: bool = True, abbrev: bool = False) -> list["Commit"]:
        """The commits of ``revs`` (``["A..B"]``, ``[new, "--not", "--all"]``) that changed
        something under ``path`` (every commit: None), oldest first in topological order;
        merges left out unless ``merges``; git's own abbreviations with ``abbrev``."""
        args = ["log", "-z", "--reverse", "--topo-order", gitlog.log_format(abbrev=abbrev)]
        if not merges:
            args.append("--no-merges")
        if since:
            args.append(f"--since={since}")
        out = self._git(*args, *revs, *(["--", path] if path else []), raw=True)
        return [commit for commit, _files in gitlog.parse_log(out)]

    @staticmethod
    def _changes_args(rev_range: list[str], since: str | None, path: str) -> list[str]:
        args = ["log", "-z", "--reverse", "--topo-order", "--no-merges", "--raw", "--no-abbrev", "--no-renames",
                gitlog.log_format()]
        if since:
            args.append(f"--since={since}")
        return [*args, *rev_range, "--", path]

    def log_changes(self, rev_range: list[str], *, since: str | None = None,
                    path: str = RECORDS) -> list[tuple["Commit", list[FileChange]]]:
        """Every commit in ``rev_range`` (merges left out) that changed something under
        ``path``, oldest first, with the files it changed against its parent, from one
        ``git log --raw`` (one git process for the whole range, however many commits)."""
        return gitlog.parse_log(self._git(*self._changes_args(rev_range, since, path), raw=True))

    def log_with_blobs(self, rev_range: list[str], *, since: str | None = None, path: str = RECORDS,
                       wanted: Callable[[str], bool] = lambda path: True) -> "LogStream":
        """:meth:`log_changes` with the blobs before and after of each file ``wanted``
        (by path), as git writes them: the log and one ``cat-file --batch`` start at once
        and work side by side, each blob asked for as soon as the log names it (and once).
        Iterate the stream for (commit, files, blobs so far) oldest first; close it (or use
        it in a ``with``) when done."""
        return LogStream(self, self._changes_args(rev_range, since, path), wanted)

    def file_log(self, paths: list[str], *, follow: bool = False, rev: str = "HEAD",
                 started: subprocess.Popen | None = None) -> list[tuple["Commit", list[FileChange]]]:
        """The history of ``paths``, newest first: each commit that changed them with, per
        file, its blob in every parent (a merge is read combined) and after; ``follow``
        follows one file across renames.  ``started``: the same log begun early
        (:func:`start_history`)."""
        out = _collect(started) if started is not None else self._git(*gitlog.log_args(paths, follow, rev), raw=True)
        return gitlog.parse_log(out)

    def commits_changes(self, commits: Iterable[str | tuple[str, ...]], *, combined: bool = False,
                        trees: bool = False) -> dict[str, list[FileChange]]:
        """{commit: the paths it changed}, from one ``git diff-tree --stdin`` for many
        commits.  A commit is given alone, or as (commit, parent…) to compare it with those
        parents only.  ``combined``: for a merge, only the paths that differ from every
        parent; ``trees``: folders too."""
        lines = [c if isinstance(c, str) else " ".join(c) for c in commits]
        if not lines:
            return {}
        options = [*(["-c"] if combined else []), *(["-t"] if trees else [])]
        out = self._git("diff-tree", "--stdin", "-r", "--root", "-z", "--no-renames", *options, gitlog.log_format(),
                        input="".join(f"{line}\n" for line in lines).encode(), raw=True)
        return {commit.sha: files for commit, files in gitlog.parse_log(out)}

    def tree_diff(self, old: str | None, new: str) -> list[FileChange]:
        """Every entry (folders too) that differs between two commits (``old`` None: the
        empty tree)."""
        out = self._git("diff-tree", "-r", "-t", "-z", "--no-renames", old or EMPTY_TREE, new, raw=True)
        return gitlog.parse_raw(out)

    def dirty_paths(self) -> list[str]:
        """Tracked or untracked paths under records/ that differ from HEAD."""
        return gitlog.parse_status(self._git("status", "--porcelain", "-z", "--untracked-files=all", "--", RECORDS))

    def is_clean(self) -> bool:
        """Nothing in the working tree differs from HEAD, untracked files included."""
        return not gitlog.parse_status(self._git("status", "--porcelain", "-z", "--untracked-files=all"))

    def staged_paths(self, path: str = RECORDS) -> list[str]:
        """Added, copied, modified or renamed paths under ``path`` in the index (what the next
        commit brings)."""
        return gitlog.parse_paths(self._git("diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR", "--", path))

    def index_paths(self, path: str = RECORDS) -> list[str]:
        """Every path under ``path`` in the index."""
        return gitlog.parse_paths(self._git("ls-files", "-z", "--cached", "--", path))

    # -- tags -------------------------------------------------------------------------------
    def tags(self, prefix: str, *, merged: str | None = None) -> list[tuple[str, str | None]]:
        """(tag name, the commit it names) of the tags starting with ``prefix``
        (``reviewed/``), newest first (by date, then version order); with ``merged``, only
        those ``merged`` contains."""
        args = ["tag", "--list", f"{prefix}*", *(["--merged", merged] if merged else []),
                "--sort=-v:refname", "--sort=-creatordate", gitlog.REF_FORMAT]
        return [(ref.short, ref.commit) for ref in gitlog.parse_refs(self._git(*args))]

    def create_tag(self, name: str, message: str, rev: str) -> None:
        """An annotated tag ``name`` on ``rev``."""
        self._git("tag", "-a", name, "-m", message, rev)

    def delete_tag(self, name: str) -> None:
        self._git("tag", "-d", name)

    def remote_tags(self, prefix: str, remote: str = "origin") -> set[str]:
        """The names of the central repository's tags starting with ``prefix`` (empty when
        it cannot be asked)."""
        ok, out = self._try_git("ls-remote", "--tags", remote, f"refs/tags/{prefix}*")
        return {ref.short for ref in gitlog.parse_refs(out)} if ok else set()

    def push_tag(self, name: str, remote: str = "origin") -> None:
        """Send one tag to the central repository (GitError when it could not)."""
        self._git("push", remote, f"refs/tags/{name}")

    # -- writing -------------------------------------------------------------------------
    def commit(self, paths: list[str], author: Author, message: str, *, verify: bool = True,
               changed: bool = False, new_files: bool = True) -> str | None:
        """Stage ``paths`` and commit them as ``author`` (None when nothing changed;
        ``changed``: the caller knows the files differ from HEAD, so git is not asked;
        ``new_files``: some of them are not in HEAD yet, so they are added first).

        The commit runs the repository's hooks (pre-commit validates the staged records)."""
        if not paths:
            return None
        if not changed or new_files:             # `git commit -- PATHS` takes tracked files' new content itself
            self._git("add", "--", *paths)
        if not changed:
            ok, _ = self._try_git("diff", "--cached", "--quiet", "--", *paths)
            if ok:
                return None                              # nothing staged differs from HEAD
        args = ["commit", "-q", "-F", "-", "--", *paths]
        if not verify:
            args.insert(1, "--no-verify")
        try:
            self._git(*args, env=author.env(), input=message.encode("utf-8"))
        except (DiskFull, GitLocked):
            self._try_git("reset", "-q", "--", *paths)
            raise
        except GitError as exc:
            # Leave the index as HEAD has it; the files stay written.
            self._try_git("reset", "-q", "--", *paths)
            msg = "記録をコミットできませんでした"
            if verify and exc.detail:                    # the pre-commit hook said why
                msg += "（入力内容の確認で問題が見つかりました）"
            raise GitError(msg, exc.detail) from None
        return self.head()

    def commit_all(self, author: Author, message: str, *, verify: bool = True) -> str | None:
        """Stage everything in the working tree and commit it as ``author`` (a new
        repository's first commit); the commit."""
        self._git("add", "-A")
        self._git("commit", "-q", *([] if verify else ["--no-verify"]), "-F", "-", env=author.env(),
                  input=message.encode("utf-8"))
        return self.head()

    def commit_records(self, recs: list[dict[str, Any]], author: Author, message: str | None = None,
                       *, note: str | None = None, verify: bool = True, head: str | None = None,
                       texts: list[str] | None = None) -> str | None:
        """Write ``recs`` and commit them; the message is generated when not given.
        ``verify=False`` skips the pre-commit hook, for a caller that has just checked
        the very text of these records as the hook would (``texts``: those canonical
        texts, in the order of ``recs``, so they are not written out again).

        When git cannot take them (a held lock, a hook's refusal) the files are put back
        as HEAD has them, so the clone stays clean and the next attempt can go ahead."""
        from shinchoku.model import records

        head = head or self.head()          # (a caller that has just put HEAD somewhere says where)
        keys = [(r["年度"], int(r["No"])) for r in recs]
        paths = [records.record_relpath(year, no) for year, no in keys]
        originals = {p: self.read_blob(head, p) if head else None for p in paths}
        if message is None:
            message = commit_message([(year, no, records.mapping_or_none(originals[p]), r)
                                      for (year, no), p, r in zip(keys, paths, recs)], note)
        text_of = dict(zip(paths, texts)) if texts is not None else \
            {p: records.dumps(r, self.root) for p, r in zip(paths, recs)}
        if all(text_of[p].encode("utf-8") == originals[p] for p in paths):
            return None                                  # the records are as HEAD has them
        try:
            for p in paths:
                records.write_text(self.root, p, text_of[p])
            return self.commit(paths, author, message, verify=verify, changed=True,
                               new_files=any(originals[p] is None for p in paths))
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
        if self._remotes is None:
            self._remotes = self._git("remote").split()
        return name in self._remotes

    def upstream(self) -> str:
        """The remote-tracking ref of the current branch (``origin/main``)."""
        return f"origin/{self.branch()}"

    def fetch(self) -> None:
        if not self.has_remote():
            return
        try:
            self._git("fetch", "-q", "--prune", "origin", "+refs/heads/*:refs/remotes/origin/*",
                      "+refs/tags/*:refs/tags/*")
        except DiskFull:
            raise
        except GitError as exc:
            raise GitError("中央のリポジトリに接続できませんでした（ネットワークをご確認ください）", exc.detail) from None

    def ahead_behind(self) -> tuple[int, int]:
        """(commits only here, commits only on the central repository)."""
        if self.rev(self.upstream()) is None or self.head() is None:
            return 0, 0
        out = self._git("rev-list", "--left-right", "--count", f"HEAD...{self.upstream()}").split()
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

    def push_to(self, url: str, branch: str = "main") -> None:
        """Push ``branch`` to the repository at ``url`` (a central repository being built)."""
        self._git("push", "-q", url, branch)

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
            self._git("merge", "-q", "--ff-only", upstream)
            return []
        ok, detail = self._try_git("merge", "-q", "--no-ff", "--no-edit", "-m",
                                   f"中央の変更を取り込み（{upstream}）", upstream,
                                   env=author.env(), config=driver_config())
        if ok:
            return []
        conflicted = self.conflicted_paths()
        if keep_conflicts and conflicted:
            return conflicted
        self._try_git("merge", "--abort")
        if not conflicted:
            if (self.git_dir() / "index.lock").exists():      # git says only "Unable to write index"
                raise GitLocked(detail)
            raise GitError("中央の変更を取り込めませんでした", detail)
        return conflicted

    def conflicted_paths(self) -> list[str]:
        """The paths a merge in progress left conflicted."""
        return gitlog.parse_paths(self._git("diff", "--name-only", "--diff-filter=U", "-z"))

    def save_unsent(self, label: str = "") -> str:
        """Keep HEAD under ``refs/shinchoku/unsent/…`` (so a reset never loses a commit)."""
        import datetime as _dt

        head = self.head()
        if head is None:
            return ""
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        ref = f"{UNSENT_PREFIX}{stamp}-{head[:7]}{('-' + label) if label else ''}"
        self._git("update-ref", ref, head)
        return ref

    def reset_to(self, rev: str) -> None:
        """Put the branch, the index and the files where ``rev`` is (``reset --hard``)."""
        self._git("reset", "-q", "--hard", rev)



class LogStream:
    """A ``git log -z --raw`` read while git writes it, the blobs it names read alongside
    through one ``cat-file --batch`` (see :meth:`Store.log_with_blobs`).

    A thread reads the log and asks for each commit's blobs; the commit is handed over
    before its blobs are asked for, so that the reader (this side) takes git's answers as
    they come and neither pipe can fill up with nobody reading it."""

    def __init__(self, store: Store, args: list[str], wanted: Callable[[str], bool]):
        import queue
        import tempfile

        self._err = tempfile.TemporaryFile()
        self._log = subprocess.Popen(["git", *args], cwd=store.root, stdout=subprocess.PIPE, stderr=self._err,
                                     stdin=subprocess.DEVNULL, env=_git_env())
        self._cat = subprocess.Popen(["git", "cat-file", "--batch"], cwd=store.root, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_git_env())
        self._wanted = wanted
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._args = args
        self.blobs: dict[str, bytes] = {}
        self._thread = threading.Thread(target=self._feed, name="shinchoku-log", daemon=True)
        self._thread.start()

    def _feed(self) -> None:
        asked: set[str] = {NULL}
        try:
            parser = gitlog.LogParser()
            stream = self._log.stdout
            while True:
                data = stream.read1(1 << 16)
                done = parser.feed(data) if data else parser.close()
                requests = []
                for commit, files in done:
                    shas = []
                    for ch in files:
                        if self._wanted(ch.path):
                            for sha in (*ch.befores, ch.after):
                                if sha not in asked:
                                    asked.add(sha)
                                    shas.append(sha)
                    self._queue.put((commit, files, shas))          # before asking: see the class doc
                    requests += shas
                if requests:                 # all that this piece of the log names, at once
                    self._cat.stdin.write("".join(f"{sha}\n" for sha in requests).encode())
                    self._cat.stdin.flush()
                if not data:
                    break
        except BaseException as exc:  # noqa: BLE001 - handed to the reader, which raises it
            self._queue.put(exc)
        finally:
            try:
                self._cat.stdin.close()
            except OSError:
                pass
            self._queue.put(None)

    def __iter__(self) -> Iterator[tuple["Commit", list[FileChange], dict[str, bytes]]]:
        reader = gitlog.BatchReader(self._cat.stdout)
        while True:
            item = self._queue.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            commit, files, shas = item
            for sha in shas:
                _spec, data = reader.next()
                if data is not None:
                    self.blobs[sha] = data
            yield commit, files, self.blobs
        self._thread.join()
        if self._log.wait() != 0:
            self._err.seek(0)
            raise _failure(self._args, self._err.read())

    def close(self) -> None:
        for proc in (self._log, self._cat):
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        self._thread.join(timeout=5)
        for stream in (self._log.stdout, self._cat.stdout, self._err):
            stream.close()

    def __enter__(self) -> "LogStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _locked(detail: str) -> bool:
    """git could not take a lock file another git holds (it exits 128 as for any failure)."""
    return "index.lock" in detail or ".lock': File exists" in detail


def _explain(command: str, detail: str) -> str:
    """A Japanese sentence for staff from what git said."""
    if no_space(detail):
        return DiskFull().message
    if _locked(detail):
        return LOCKED
    if "would be overwritten" in detail:
        return "まだコミットしていない記録の変更があるため、中央の変更を取り込めませんでした"
    return f"git {command} が失敗しました"


def commit_message(changed: list[tuple[str, int, dict | None, dict]], note: str | None = None) -> str:
    """``R2 No.5 児童青少年課: 課題, 実績 を更新`` (one line per record and department; the
    first is the subject, ``ほかN件`` when there are more), then the editor's note."""
    from shinchoku.model import fields as model, schema

    order = schema.shape().sheet_fields
    lines = []
    for year, no, old, new in changed:
        by_dept: dict[str, list[str]] = {}
        for fc in model.changes(old, new, order, key=(year, no)):
            by_dept.setdefault(fc.department, []).append(fc.field)
        for dept, names in by_dept.items():
            lines.append(f"{year} No.{no} {dept}: {', '.join(names)} を更新")
    if not lines:
        lines = [f"{year} No.{no}: 記録を更新" for year, no, _o, _n in changed] or ["記録を更新"]
    subject = lines[0] if len(lines) == 1 else f"{lines[0]} ほか{len(lines) - 1}件"
    body = "\n".join(lines) if len(lines) > 1 else ""
    parts = [subject] + ([body] if body else []) + ([note.strip()] if note and note.strip() else [])
    return "\n\n".join(parts) + "\n"

"""A clone puts itself back on its feet before a send or a pull.

What an interrupted git leaves behind (a ``kill -9``, a closed laptop, a crashed Excel) and
what :func:`heal` does about it, before ``shinchoku sync`` or the add-in's 取得/送信 touch
the clone:

* **a stale lock** (``.git/index.lock``, ``.git/HEAD.lock``, ``refs/**.lock``): removed when
  no git process runs in this clone and the lock is older than :data:`STALE_AFTER`
  seconds; a live one is left alone (the caller then says another git is at work);
* **an unreadable index** (half written, corrupt): moved aside into ``.git/shinchoku/`` and
  rebuilt from the last commit; the files in the folder are not touched, so uncommitted
  edits stay as they were;
* **a merge left in progress** (``MERGE_HEAD``) that shinchoku did not leave on purpose
  (``shinchoku sync --keep-both`` does, and records that it did): the folder as it stood is
  saved first under ``refs/shinchoku/saved/…``, then the clone is put back to its last
  commit: the files the merge touched return to that commit, every other uncommitted edit
  stays in its file.  Committed edits are never touched.

Each repair appends one Japanese sentence to ``store.repaired`` (and returns them), which
the command or the add-in shows.  All git goes through :class:`~shinchoku.store.Store`.
"""

from __future__ import annotations

import datetime as _dt
import os
import time
from pathlib import Path

from shinchoku.store import RECORDS, Author, GitError, Store

STALE_AFTER = 10.0                 # seconds: no git command of shinchoku's holds a lock this long
SAVED_PREFIX = "refs/shinchoku/saved/"
KEEP_BOTH = "keep-both"            # .git/shinchoku/keep-both: the MERGE_HEAD --keep-both left
MERGE_STATE = ("MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "AUTO_MERGE")


def heal(store: Store) -> list[str]:
    """Repair what an interrupted git left in this clone (see module doc); the sentences
    saying what was done."""
    if store.bare:
        return []
    gitdir = store.git_dir()
    notes = _stale_locks(store, gitdir)
    notes += _broken_index(store, gitdir)
    notes += _unfinished_merge(store, gitdir)
    store.repaired += notes
    return notes


def deliberate_merge(store: Store) -> bool:
    """A merge ``shinchoku sync --keep-both`` left for the user to finish is in progress."""
    gitdir = store.git_dir()
    head = _read(gitdir / "MERGE_HEAD")
    return bool(head) and head == _read(gitdir / "shinchoku" / KEEP_BOTH)


def mark_deliberate_merge(store: Store) -> None:
    """Record that the merge now in progress is left on purpose (``--keep-both``)."""
    gitdir = store.git_dir()
    head = _read(gitdir / "MERGE_HEAD")
    if head:
        (gitdir / "shinchoku").mkdir(exist_ok=True)
        (gitdir / "shinchoku" / KEEP_BOTH).write_text(head + "\n", encoding="ascii")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return ""


# -- locks -----------------------------------------------------------------------------------

def _lock_files(gitdir: Path) -> list[Path]:
    found = [p for p in (gitdir / "index.lock", gitdir / "HEAD.lock", gitdir / "ORIG_HEAD.lock",
                         gitdir / "packed-refs.lock") if p.exists()]
    refs = gitdir / "refs"
    if refs.is_dir():
        found += sorted(refs.rglob("*.lock"))
    return found


def _old(paths: list[Path]) -> list[Path]:
    now = time.time()
    out = []
    for path in paths:
        try:
            if now - path.stat().st_mtime >= STALE_AFTER:
                out.append(path)
        except OSError:
            pass                                      # gone meanwhile
    return out


def _stale_locks(store: Store, gitdir: Path) -> list[str]:
    locks = _old(_lock_files(gitdir))
    # the merge driver's temporary files (git's ".merge_file_XXXXXX"), left by a killed merge
    scraps = _old(sorted(Path(store.root).glob(".merge_file_*")))
    if not (locks or scraps) or git_running_in(store.root, gitdir):
        return []
    removed = []
    for path in locks + scraps:
        try:
            path.unlink()
            removed.append(path)
        except FileNotFoundError:
            pass
    notes = []
    if any(p in removed for p in locks):
        names = "、".join(p.relative_to(gitdir.parent).as_posix() if p.is_relative_to(gitdir.parent) else p.name
                         for p in locks if p in removed)
        notes.append(f"前回の git の操作が途中で止まったときの印（{names}）が残っていたため、取り除きました"
                     "（動いている git はありませんでした）")
    if any(p in removed for p in scraps):
        notes.append(f"途中で止まった取り込みの一時ファイル（.merge_file_… {sum(p in removed for p in scraps)}件）を削除しました")
    return notes


def git_running_in(root: Path, gitdir: Path) -> bool:
    """Whether a git process (other than the long-lived ``cat-file`` readers) works in this clone:
    its current folder is the clone or inside it.  git moves into the clone's top folder
    (also for ``git -C``), so this finds command-line git, GUI tools' git and the add-in's."""
    import psutil

    me = os.getpid()
    places = {os.path.normcase(str(Path(root).resolve())), os.path.normcase(str(Path(gitdir).resolve()))}
    for proc in psutil.process_iter(["pid", "name", "cwd", "cmdline"]):
        info = proc.info
        name = (info.get("name") or "").lower()
        if not name.startswith("git") or info["pid"] == me:
            continue
        cmdline = info.get("cmdline") or []
        if len(cmdline) > 1 and cmdline[1] in ("cat-file",):     # readers take no lock
            continue
        cwd = info.get("cwd")
        if not cwd:
            continue                                              # another user's, or gone
        cwd = os.path.normcase(cwd)
        if any(cwd == place or cwd.startswith(place + os.sep) for place in places):
            return True
    return False


# -- the index -------------------------------------------------------------------------------

def _broken_index(store: Store, gitdir: Path) -> list[str]:
    index = gitdir / "index"
    if not index.exists():
        return []
    if index_intact(index, checked_only=True):                 # its own checksum holds: git need not be asked
        return []
    if store.head() is None:
        return []
    ok, _ = store._try_git("ls-files", "--stage", "-z")        # reads nothing but the index
    if ok and index_intact(index):
        return []
    keep = gitdir / "shinchoku" / f"index.broken-{_stamp()}"
    keep.parent.mkdir(exist_ok=True)
    os.replace(index, keep)
    store._git("read-tree", "HEAD")                             # the index of the last commit
    store._try_git("update-index", "-q", "--refresh")
    return ["git の索引ファイル（.git/index）が壊れていたため、最後のコミットから作り直しました"
            f"（フォルダーのファイルはそのままです。壊れたファイルは {keep.relative_to(gitdir.parent).as_posix()} にあります）"]


def index_intact(index: Path, *, checked_only: bool = False) -> bool:
    """The index has git's signature and its trailing checksum matches (git itself checks
    the checksum only in fsck, so a half-written index can read as a shorter one).  An
    index written without a checksum (``index.skipHash``) counts as intact, unless
    ``checked_only``: then only a checksum that matches does."""
    import hashlib

    try:
        data = index.read_bytes()
    except OSError:
        return False
    if len(data) < 12 + 20 or data[:4] != b"DIRC":
        return False
    if data[-20:] == b"\0" * 20:      # index.skipHash: no checksum written
        return not checked_only
    for algo in ("sha1", "sha256"):
        size = hashlib.new(algo).digest_size
        if len(data) > size and hashlib.new(algo, data[:-size]).digest() == data[-size:]:
            return True
    return False


# -- a merge in progress ---------------------------------------------------------------------

def _unfinished_merge(store: Store, gitdir: Path) -> list[str]:
    merge_head = _read(gitdir / "MERGE_HEAD")
    if not merge_head or deliberate_merge(store):
        return []
    head = store.head()
    if head is None:
        return []
    saved = save_folder(store, "取り込み（マージ）が途中で止まっていたときの記録のフォルダー")
    touched = set()
    if store.rev(merge_head):
        touched.update(store.changed_paths(head, merge_head, "."))
    touched.update(store.conflicted_paths())
    store._git("reset", "-q")                                   # index = HEAD; ends the merge; files stay
    for name in MERGE_STATE:
        (gitdir / name).unlink(missing_ok=True)
    in_head = set()
    if touched:
        in_head = {p for p in store._git("ls-tree", "-r", "--name-only", "-z", "--full-tree", head, "--",
                                         *sorted(touched)).split("\0") if p}
    restore = sorted(p for p in touched if p in in_head)
    if restore:
        store._git("checkout", "-q", head, "--", *restore)
    for path in sorted(touched - in_head):
        (Path(store.root) / path).unlink(missing_ok=True)
    note = ("前回の取り込み（マージ）が途中で止まっていたため、取り込む前の状態に戻しました"
            "（この PC でコミットした変更はそのままです")
    note += f"。途中の状態は {saved} に保存しました）" if saved else "）"
    return [note]


def save_folder(store: Store, message: str) -> str:
    """Save the records folder as it stands (uncommitted edits included) as a commit on top
    of HEAD under ``refs/shinchoku/saved/…``, without touching the index or the files; the
    ref, or "" when the folder is as HEAD has it."""
    head = store.head()
    if head is None:
        return ""
    gitdir = store.git_dir()
    tmp_index = gitdir / "shinchoku" / f"save-index-{os.getpid()}"
    tmp_index.parent.mkdir(exist_ok=True)
    env = {"GIT_INDEX_FILE": str(tmp_index)}
    try:
        store._git("read-tree", head, env=env)
        store._git("add", "-A", "--", RECORDS, env=env)
        tree = store._git("write-tree", env=env).strip()
    finally:
        tmp_index.unlink(missing_ok=True)
    if tree == store._git("rev-parse", f"{head}^{{tree}}").strip():
        return ""
    who = fallback_author(store)
    commit = store._git("commit-tree", tree, "-p", head, "-F", "-", env=who.env(),
                       input=f"{message}（自動保存）\n".encode("utf-8")).strip()
    ref = f"{SAVED_PREFIX}{_stamp()}-{commit[:7]}"
    store._git("update-ref", ref, commit)
    return ref


def fallback_author(store: Store) -> Author:
    """The clone's git user, or shinchoku itself when none is set (for commits no one typed)."""
    try:
        return store.author_from_config()
    except GitError:
        return Author("shinchoku", "shinchoku@localhost")


def _stamp() -> str:
    return _dt.datetime.now().strftime("%Y%m%d-%H%M%S")

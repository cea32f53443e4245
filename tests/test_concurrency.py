"""Many staff sending at once, and clones left broken by an interrupted git.

Real parts only: a bare central repository whose pre-receive hook was put in by the real
`shinchoku server-install`, staff clones wired by the real `shinchoku install`, pushes over
the local transport with ``REMOTE_USER`` naming the pusher, and the real `shinchoku sync`
command run as its own process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import gitrepo
from conftest import edit_report
from gitrepo import Office, access_yaml, git, git_env, run_git
from shinchoku.model.fields import FieldChange, FieldRef
from shinchoku.sharing import history
from shinchoku.store import Store, repair


def cell_edit(year: str, no: int, department: str, field: str, before: str | None, after: str | None) -> FieldChange:
    """One cell's edit as 送信 hands it to sync.publish: made against ``before``."""
    return FieldChange(FieldRef(year, no, department, field), before, after)


COORDINATOR = ("協働推進課 調整担当", "kyodo@city.example")
REFUSED = "受け付けませんでした"

# Ten members of staff, each changing a field nobody else changes (R2 is the open year).
SLOTS = [(no, dept, fld) for no, dept in ((1, "協働推進課"), (5, "指導室"), (5, "児童青少年課"),
                                          (9, "産業振興課"), (9, "協働推進課"))
         for fld in ("課題", "備考")]


def run_sync(clone: Path, user: str) -> subprocess.CompletedProcess:
    """`shinchoku sync` as a member of staff runs it: its own process, in the clone."""
    return subprocess.run([sys.executable, "-m", "shinchoku", "sync"], cwd=clone, env=git_env(user=user),
                          capture_output=True, text=True, timeout=300)


def staff_office(tmp_path: Path, staff: int) -> tuple[Path, list[tuple[Path, str]]]:
    """A central repository with the real hook and ``staff`` wired clones: [(clone, user)].
    Staff member i reports for the department of SLOTS[i]."""
    users = [f"staff{i}" for i in range(staff)]
    office = Office(tmp_path, access=access_yaml({u: [SLOTS[i][1]] for i, u in enumerate(users)}),
                    staff={u: (f"職員{i}", f"{u}@city.example") for i, u in enumerate(users)})
    return office.central, [(office[u], u) for u in users]


def commit_edit(clone: Path, i: int, value: str) -> None:
    no, dept, fld = SLOTS[i]
    edit_report(clone, "R2", no, dept, **{fld: value})
    git(clone, "commit", "-qam", f"R2 No.{no} {dept}: {fld} を更新", who=(f"職員{i}", f"staff{i}@city.example"))


def central_value(central: Path, i: int) -> str | None:
    no, dept, fld = SLOTS[i]
    with Store(central) as s:
        rec = s.record_at("main", "R2", no)
    return next(r for r in rec["報告"] if r["主管課"] == dept).get(fld)


# -- ten clones pushing at the same moment ----------------------------------------------------

def test_ten_clones_sending_at_the_same_moment_all_land_and_none_is_told_refused(tmp_path, capsys):
    central, clones = staff_office(tmp_path, 10)
    capsys.readouterr()
    rounds = 5
    retried = 0
    started = time.monotonic()
    for rnd in range(1, rounds + 1):
        barrier = threading.Barrier(len(clones))
        results: dict[int, subprocess.CompletedProcess] = {}

        def staff(i: int, clone: Path, user: str) -> None:
            commit_edit(clone, i, f"職員{i}の{rnd}回目の入力")
            barrier.wait()                                   # everyone presses the button at once
            results[i] = run_sync(clone, user)

        threads = [threading.Thread(target=staff, args=(i, c, u)) for i, (c, u) in enumerate(clones)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i, done in sorted(results.items()):
            assert done.returncode == 0, f"round {rnd}, staff{i}:\n{done.stderr}"
            assert REFUSED not in done.stderr and "受け付け" not in done.stdout, done.stderr
            assert "中央のリポジトリへ送りました" in done.stdout or "件を送りました" in done.stdout, done.stdout
        retried += sum("送り直します" in d.stderr for d in results.values())
        for i in range(len(clones)):                         # this round's edit of everyone is there
            assert central_value(central, i) == f"職員{i}の{rnd}回目の入力"
    elapsed = time.monotonic() - started
    assert retried > 0, "no send ever raced: the test did not test concurrency"
    # every edit landed, counted: each staff member's field has their five values, theirs alone
    landed = 0
    with Store(central) as s:
        for i, (no, dept, fld) in enumerate(SLOTS):
            changes = history.field_history(s, "R2", no, fld, dept)
            values = [c.after for c in changes if c.author == f"職員{i}"]
            assert values == [f"職員{i}の{r}回目の入力" for r in range(rounds, 0, -1)], values
            assert {c.author for c in changes} <= {f"職員{i}", COORDINATOR[0]}     # and the import
            landed += len(values)
    assert landed == rounds * len(clones) == 50
    for clone, _user in clones:                              # nothing was left behind as unsent
        assert git(clone, "for-each-ref", "refs/shinchoku/unsent/") == ""
    print(f"\n10 clones x {rounds} rounds: {landed} edits landed, {retried} sends retried a race, "
          f"{elapsed:.1f} s")


# -- faults: a killed sync, a stale lock, a broken index, a full disk ------------------------------

@pytest.fixture
def pair(tmp_path):
    """(central, (clone A, user), (clone B, user)): A and B report for different departments."""
    central, clones = staff_office(tmp_path, 2)
    return central, clones[0], clones[1]


def _stale(path: Path) -> None:
    old = time.time() - 10 * repair.STALE_AFTER
    os.utime(path, (old, old))


def test_a_sync_killed_in_the_merge_step_is_repaired_by_the_next_sync(pair, tmp_path):
    """kill -9 of a real `shinchoku sync` while git merges (its merge driver is running):
    git dies holding .git/index.lock.  The next sync finds no git at work, removes the lock,
    and the edit lands; the clone is clean."""
    central, (a, ua), (b, ub) = pair
    commit_edit(b, 1, "Bが先に送った")                       # central moves: A's sync must merge
    assert run_sync(b, ub).returncode == 0
    commit_edit(a, 0, "Aの入力")
    flag = tmp_path / "driver-started"
    # the Python git starts the merge driver with (SHINCHOKU_PYTHON): the real one, after a
    # pause long enough to kill in
    slow = tmp_path / "slow-python.sh"
    slow.write_text(f'#!/bin/sh\ntouch "{flag}"\nsleep 60\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    slow.chmod(0o755)
    proc = subprocess.Popen([sys.executable, "-m", "shinchoku", "sync"], cwd=a,
                            env=git_env(user=ua, env={"SHINCHOKU_PYTHON": str(slow)}),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while not flag.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)                      # sync, git merge and the driver: kill -9
    proc.communicate()
    lock = a / ".git" / "index.lock"
    assert lock.exists(), "the kill did not leave the state this test is about"
    assert git(a, "rev-parse", "HEAD") != git(a, "rev-parse", "origin/main")

    fresh = run_sync(a, ua)                                   # a lock this young may still be in use
    assert fresh.returncode == 1 and "別の git の操作が実行中" in fresh.stderr, fresh.stderr
    assert REFUSED not in fresh.stderr

    for left in [lock, *a.glob(".merge_file_*")]:             # ... time passes
        _stale(left)
    done = run_sync(a, ua)
    assert done.returncode == 0, done.stderr
    assert "index.lock）が残っていたため、取り除きました" in done.stderr
    assert central_value(central, 0) == "Aの入力" and central_value(central, 1) == "Bが先に送った"
    assert git(a, "status", "--porcelain") == "" and not lock.exists()
    assert git(a, "rev-parse", "HEAD") == git(central, "rev-parse", "main")


def test_the_state_a_kill_leaves_after_the_merge_a_stale_lock_and_an_own_edit(pair):
    """What a kill between git's conflicted merge and sync's abort leaves (MERGE_HEAD and a
    conflicted index, conflict markers in the file), plus a stale index.lock, plus an edit
    the user typed into another record afterwards: one `shinchoku sync` saves the folder,
    puts the clone back, keeps the typed edit in its file and sends the committed one."""
    central, (a, ua), (b, ub) = pair
    # B changes A's field in central (as a coordinator could), so that A's merge conflicts
    edit_report(b, "R2", 1, "協働推進課", 課題="中央の値")
    git(b, "commit", "-qam", "中央の値", who=COORDINATOR)
    git(b, "push", "-q", "origin", "HEAD:main", user="kyodo")
    edit_report(a, "R2", 1, "協働推進課", 課題="Aの値")
    git(a, "commit", "-qam", "Aの値", who=("職員0", "staff0@city.example"))
    mine = git(a, "rev-parse", "HEAD").strip()
    git(a, "fetch", "-q")
    merged = run_git(a, "merge", "--no-edit", "origin/main", check=False)
    assert merged.returncode != 0                             # git's own conflicted merge, left as a kill leaves it
    assert (a / ".git" / "MERGE_HEAD").exists() and git(a, "ls-files", "-u")
    assert "<<<<<<<" in (a / "records/R2/01.yaml").read_text(encoding="utf-8")
    edit_report(a, "R2", 9, "産業振興課", 実績="あとで入力した文")     # typed after the kill, not committed
    lock = a / ".git" / "index.lock"
    lock.write_bytes(b"")
    _stale(lock)

    done = run_sync(a, ua)
    # the merge step comes back with the same-field conflict, reported as such (not as a refusal)
    assert "前回の取り込み（マージ）が途中で止まっていたため、取り込む前の状態に戻しました" in done.stderr, done.stderr
    assert "index.lock）が残っていたため、取り除きました" in done.stderr
    assert REFUSED not in done.stderr
    assert not (a / ".git" / "MERGE_HEAD").exists() and not lock.exists()
    assert git(a, "ls-files", "-u") == ""
    assert git(a, "rev-parse", "HEAD").strip() == mine                      # the committed edit stays
    assert "あとで入力した文" in (a / "records/R2/09.yaml").read_text(encoding="utf-8")   # the typed edit stays
    assert "<<<<<<<" not in (a / "records/R2/01.yaml").read_text(encoding="utf-8")
    saved = git(a, "for-each-ref", "--format=%(refname)", repair.SAVED_PREFIX).split()
    assert len(saved) == 1 and "<<<<<<<" in git(a, "show", f"{saved[0]}:records/R2/01.yaml")
    # the typed edit is uncommitted, so sync says to commit it first; then the same field is a conflict
    assert done.returncode == 1 and "まだコミットしていない変更があります（records/R2/09.yaml）" in done.stderr
    git(a, "commit", "-qam", "実績", who=("職員0", "staff0@city.example"))
    again = run_sync(a, ua)
    assert again.returncode == 1 and "同じ項目を変更しているため" in again.stderr and REFUSED not in again.stderr
    assert git(a, "status", "--porcelain") == "" and not (a / ".git" / "MERGE_HEAD").exists()


def test_a_merge_killed_without_conflict_and_a_stale_lock_then_one_sync_lands_the_edit(pair):
    """MERGE_HEAD with a merged (not yet committed) index, as a kill in git's merge commit
    leaves it, and a stale lock: one sync and the edit is in central, the clone clean."""
    central, (a, ua), (b, ub) = pair
    commit_edit(b, 1, "Bの値")
    assert run_sync(b, ub).returncode == 0
    commit_edit(a, 0, "Aの値")
    git(a, "fetch", "-q")
    git(a, "merge", "-q", "--no-commit", "--no-ff", "origin/main")
    assert (a / ".git" / "MERGE_HEAD").exists()
    lock = a / ".git" / "index.lock"
    lock.write_bytes(b"")
    _stale(lock)
    done = run_sync(a, ua)
    assert done.returncode == 0, done.stderr
    assert "取り込む前の状態に戻しました" in done.stderr
    assert central_value(central, 0) == "Aの値" and central_value(central, 1) == "Bの値"
    assert git(a, "status", "--porcelain") == "" and not (a / ".git" / "MERGE_HEAD").exists()
    assert git(a, "rev-parse", "HEAD") == git(central, "rev-parse", "main")


def test_a_half_written_index_is_rebuilt_and_uncommitted_edits_stay(pair):
    central, (a, ua), _b = pair
    commit_edit(a, 0, "送る値")
    edit_report(a, "R2", 9, "産業振興課", 実績="まだ送らない文")
    index = a / ".git" / "index"
    data = index.read_bytes()
    index.write_bytes(data[: len(data) // 2])                 # half written
    assert not repair.index_intact(index)
    done = run_sync(a, ua)
    assert "索引ファイル（.git/index）が壊れていたため、最後のコミットから作り直しました" in done.stderr
    assert "まだコミットしていない変更があります（records/R2/09.yaml）" in done.stderr
    assert "まだ送らない文" in (a / "records/R2/09.yaml").read_text(encoding="utf-8")
    git(a, "checkout", "-q", "--", "records/R2/09.yaml")
    done = run_sync(a, ua)
    assert done.returncode == 0, done.stderr
    assert central_value(central, 0) == "送る値"


def test_a_live_git_in_the_clone_keeps_its_lock(pair):
    """A lock held by a git that is still running is never taken away, however old."""
    _central, (a, ua), (b, ub) = pair
    commit_edit(b, 1, "Bの値")                               # central moves: A's sync has to merge
    assert run_sync(b, ub).returncode == 0
    commit_edit(a, 0, "待つ値")
    lock = a / ".git" / "index.lock"
    lock.write_bytes(b"")
    _stale(lock)
    # a git at work in the clone (waiting on its stdin) for as long as the sync runs
    live = subprocess.Popen(["git", "hash-object", "--stdin"], cwd=a, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL)
    try:
        with Store(a) as s:
            assert repair.git_running_in(a, s.git_dir())
        done = run_sync(a, ua)
    finally:
        live.communicate(b"")
    assert done.returncode == 1 and "別の git の操作が実行中" in done.stderr and lock.exists()
    assert REFUSED not in done.stderr


# -- a full disk --------------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB tmpfs mounted for the test (needs root; skipped, with the reason, elsewhere)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _fill(mnt: Path) -> Path:
    filler = mnt / "filler"
    # Unbuffered: a buffered file would try the failed write again when it is closed.
    with open(filler, "wb", buffering=0) as f:
        chunk = b"\0" * 65536
        while len(chunk) >= 1:
            try:
                f.write(chunk)
            except OSError:
                chunk = chunk[: len(chunk) // 2]      # fill the last blocks too
    return filler


def test_a_full_disk_is_named_as_a_full_disk_and_the_edit_lands_once_there_is_room(small_disk, pair):
    central, (_a, _ua), (b, ub) = pair
    clone = gitrepo.clone(central, small_disk / "clone", ("職員0", "staff0@city.example"))
    commit_edit(clone, 0, "満杯でも残る値")
    commit_edit(b, 1, "Bの値")                               # central moves: the sync has to fetch
    assert run_sync(b, ub).returncode == 0
    filler = _fill(small_disk)
    done = run_sync(clone, "staff0")
    assert done.returncode == 1
    assert "ディスクの空き容量が足りない" in done.stderr, done.stderr
    for wrong in ("別の git の操作が実行中", REFUSED, "接続できませんでした"):
        assert wrong not in done.stderr
    filler.unlink()
    done = run_sync(clone, "staff0")
    assert done.returncode == 0, done.stderr
    assert central_value(central, 0) == "満杯でも残る値" and central_value(central, 1) == "Bの値"
    assert git(clone, "status", "--porcelain") == ""


def test_a_full_disk_while_publishing_leaves_the_clone_clean(small_disk, pair):
    """送信 on a full disk: the message names the disk; the clone stays at the central head."""
    from shinchoku.sharing import sync
    from shinchoku.store import Author, DiskFull

    central, _a, _b = pair
    clone = gitrepo.clone(central, small_disk / "clone")
    head = git(clone, "rev-parse", "HEAD")
    filler = _fill(small_disk)
    edit = cell_edit("R2", 1, "協働推進課", "課題", "参加者が少ない。", "空きがない")
    os.environ["REMOTE_USER"] = "staff0"
    try:
        with Store(clone) as s, pytest.raises(DiskFull) as err:
            sync.publish(s, [edit], Author("職員0", "staff0@city.example"))
        assert "ディスクの空き容量が足りない" in err.value.message
        filler.unlink()
        assert git(clone, "rev-parse", "HEAD") == head and git(clone, "status", "--porcelain") == ""
        with Store(clone) as s:
            assert sync.publish(s, [edit], Author("職員0", "staff0@city.example")).commit
    finally:
        os.environ.pop("REMOTE_USER", None)
    assert central_value(central, 0) == "空きがない"

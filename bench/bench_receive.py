"""What does the central pre-receive check add to a push? Printed, not asserted.

    python bench/bench_receive.py [--commits 100] [--initiatives 1000] [--years 10] [--no-synth]

Floors measured in the same run: a plain ``git receive-pack`` (the same push into a bare
copy without the hook) and a whole-repository ``shinchoku check --canonical``.  Each
round pushes the same new commits to both servers, the order rotating, and the figures
are medians with their spread (bench/measure.py); a first push is prepared afresh (new
empty servers) for every round.

1. **The bundled records** (this project's ``records/`` and ``schema/``, with an
   ``access.yaml`` naming one staff user for every department, R2 opened): a staff clone
   pushes one commit, then ``--commits`` more, each editing one report of the open year.
   Goal (issue 8): each push under 1 s.
2. **The first push of a 10,000-record repository** (bench/synth.py, cached under
   bench/out/) into an empty server: every record checked once.  Goal: at most 2× a
   whole-repository ``shinchoku check --canonical`` of the same records.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import line, machine  # noqa: E402
from shinchoku.model import records  # noqa: E402
from shinchoku.model.plan import load as load_plan  # noqa: E402
from synth import make_repo  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "out"
STAFF, COORDINATOR = "bench", "kyodo"
WHO = {"GIT_AUTHOR_NAME": "ベンチ", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
       "GIT_COMMITTER_NAME": "ベンチ", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}


def git(cwd: Path, *args: str, env: dict | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def shinchoku(*args: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "shinchoku", *args], check=True, capture_output=True)
    return time.perf_counter() - t


def access_yaml(root: Path) -> str:
    departments = load_plan(root / "records").departments()
    return (f"調整担当:\n  - {COORDINATOR}\n担当:\n  {STAFF}:\n"
            + "".join(f"    - {d}\n" for d in departments))


def servers(work: Path, source: Path, *, empty: bool = False) -> tuple[Path, Path]:
    """(hooked, plain) bare repositories: copies of ``source``, or empty ones."""
    hooked, plain = work / "hooked.git", work / "plain.git"
    for bare in (hooked, plain):
        if empty:
            git(work, "init", "-q", "--bare", "-b", "main", bare.name)
        else:
            git(work, "clone", "-q", "--bare", str(source), bare.name)
    subprocess.run([sys.executable, "-m", "shinchoku", "server-install", str(hooked)], check=True,
                   capture_output=True)
    return hooked, plain


def push(clone: Path, bare: Path, user: str, refspec: str = "HEAD:main") -> float:
    env = {k: v for k, v in os.environ.items()
           if k not in ("REMOTE_USER", "GL_USERNAME", "GITEA_PUSHER_NAME", "SHINCHOKU_PYTHON")}
    env["REMOTE_USER"] = user
    t = time.perf_counter()
    done = subprocess.run(["git", "push", "-q", str(bare), refspec], cwd=clone, capture_output=True, text=True,
                          env=env)
    took = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"push to {bare.name} refused:\n{done.stderr}")
    return took


def edit_commits(clone: Path, year: str, n: int, rng: random.Random) -> None:
    files = sorted((clone / "records" / year).glob("*.yaml"))
    for i in range(n):
        path = files[i % len(files)] if n > len(files) else rng.sample(files, 1)[0]
        rec = records.load_record(path)
        report = rec["報告"][0]
        report["備考"] = f"{report.get('備考', '')}（追記{i + 1}）"[-200:]
        records.write_record(clone, rec)
        git(clone, "commit", "-q", "-am", f"{year} No.{rec['No']} {report['主管課']}: 備考 を更新",
            env={**os.environ, **WHO})


def rotating(cases: dict[str, Callable[[], float]], rounds: int, before_round: Callable[[], None]) -> dict[str, list[float]]:
    """Seconds of each case per round: ``before_round`` prepares a round (new commits, new
    empty servers), then every case runs once, the order rotating from round to round."""
    names = list(cases)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        before_round()
        for name in names[r % len(names):] + names[:r % len(names)]:
            times[name].append(cases[name]())
    return times


def bundled(work: Path, commits: int, rounds: int) -> None:
    seed = work / "bundled-seed"
    seed.mkdir(parents=True)
    for part in ("records", "schema", "hooks"):
        shutil.copytree(PROJECT / part, seed / part)
    shutil.copyfile(PROJECT / ".gitattributes", seed / ".gitattributes")
    plan = seed / "records" / "plan.yaml"
    plan.write_text(re.sub(r"(年度: R2\n\s+西暦: \d+\n\s+状態: )締切", r"\1受付中", plan.read_text(encoding="utf-8")),
                    encoding="utf-8")
    (seed / "records" / "access.yaml").write_text(access_yaml(seed), encoding="utf-8")
    git(seed, "init", "-q", "-b", "main")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "同梱の記録", env={**os.environ, **WHO})
    hooked, plain = servers(work, seed)
    clone = work / "bundled-clone"
    git(work, "clone", "-q", str(hooked), clone.name)
    n = sum(1 for _ in records.iter_record_files(clone))
    rng = random.Random(3)
    check = [shinchoku("check", "--canonical", "--repo", str(clone)) for _ in range(rounds)]
    print(f"\nbundled records: {n} records")
    print(line("whole-repository check --canonical (command)", check))
    # the first push after server-install also writes the hook's memos (schema, access.yaml): once
    edit_commits(clone, "R2", 1, rng)
    floor, took = push(clone, plain, STAFF), push(clone, hooked, STAFF)
    print(f"{'first push after install, 1 commit (once)':<46}{took:7.3f} s with the hook, {floor:.3f} s plain "
          f"receive-pack  goal < 1 s: {'met' if took < 1 else 'NOT met'}")
    for label, count in (("push of 1 commit", 1), (f"push of {commits} commits", commits)):
        times = rotating({"plain": lambda: push(clone, plain, STAFF), "hooked": lambda: push(clone, hooked, STAFF)},
                         rounds, lambda count=count: edit_commits(clone, "R2", count, rng))
        print(line(f"floor: {label}, receive-pack", times["plain"]))
        print(line(f"{label} as staff, with the hook", times["hooked"], times["plain"])
              + f"  goal < 1 s: {'met' if statistics.median(times['hooked']) < 1 else 'NOT met'}")
    # the hook was really there: a record out of canonical form is refused
    path = next(records.iter_record_files(clone))
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    git(clone, "commit", "-q", "-am", "空行を追加", env={**os.environ, **WHO})
    env = {**os.environ, "REMOTE_USER": STAFF}
    refused = subprocess.run(["git", "push", "-q", str(hooked), "HEAD:main"], cwd=clone, capture_output=True, env=env)
    print("sanity: a non-canonical record is", "refused" if refused.returncode else "ACCEPTED (hook not running?)")


def synthetic(work: Path, initiatives: int, years: int, rounds: int) -> None:
    source = OUT / f"synth-{initiatives}x{years}-git"
    if not (source / ".git").is_dir():
        print(f"making {source} …", flush=True)
        make_repo(source, initiatives, years, seed=1, git=True)
        (source / "records" / "access.yaml").write_text(access_yaml(source), encoding="utf-8")
        git(source, "add", "-A")
        git(source, "commit", "-q", "-m", "変更できる人の表", env={**os.environ, **WHO})
    n = sum(1 for _ in records.iter_record_files(source))
    made = {"round": 0}
    where: dict[str, Path] = {}

    def new_servers() -> None:
        made["round"] += 1
        first = work / f"first-{made['round']}"
        first.mkdir()
        if "hooked" in where:
            shutil.rmtree(where["hooked"].parent, ignore_errors=True)
        where["hooked"], where["plain"] = servers(first, source, empty=True)

    times = rotating({
        "check": lambda: shinchoku("check", "--canonical", "--repo", str(source)),
        "plain": lambda: push(source, where["plain"], COORDINATOR),
        "hooked": lambda: push(source, where["hooked"], COORDINATOR),
    }, rounds, new_servers)
    print(f"\nsynthetic repository: {n} records, first push into an empty server")
    print(line("floor: plain receive-pack", times["plain"]))
    print(line("floor: whole-repository check --canonical", times["check"]))
    print(line("push with the hook, against receive-pack", times["hooked"], times["plain"]))
    print(line("push with the hook, against the check", times["hooked"], times["check"], 2))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--commits", type=int, default=100)
    ap.add_argument("--initiatives", type=int, default=1000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-synth", action="store_true", help="only the bundled records")
    args = ap.parse_args()
    work = OUT / "receive-bench"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    print(machine())
    bundled(work, args.commits, args.rounds)
    if not args.no_synth:
        synthetic(work, args.initiatives, args.years, max(1, min(args.rounds, 3)))


if __name__ == "__main__":
    main()

"""How long does the central pre-receive check add to a push? Printed, not asserted.

    python bench/bench_receive.py [--initiatives 1000] [--years 10] [--commits 100]

On the synthetic repo (bench/synth.py; cached under bench/out/) with a records/access.yaml
naming one staff user for every department, a clone makes ``--commits`` commits, each
editing one record of the open year.  The same commits are pushed to two bare copies of
the repo: one with the hook put in by ``shinchoku server-install``, one without.
Goal (issue 3): 100 commits validated in under 5 s.  Also timed: the very first push of
the whole repository into an empty server (every record checked once).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import DEPARTMENTS, make_repo  # noqa: E402

from shinchoku import records  # noqa: E402
from shinchoku.plan import load as load_plan  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
USER = "bench"


def git(cwd: Path, *args: str, env: dict | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--initiatives", type=int, default=1000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--commits", type=int, default=100)
    args = ap.parse_args()
    source = OUT / f"synth-{args.initiatives}x{args.years}-git"
    if not (source / ".git").is_dir():
        print(f"making {source} …", flush=True)
        make_repo(source, args.initiatives, args.years, seed=1, git=True)
        access = "調整担当:\n  - kyodo\n担当:\n  " + USER + ":\n" + "".join(f"    - {d}\n" for d in DEPARTMENTS)
        (source / "records" / "access.yaml").write_text(access, encoding="utf-8")
        git(source, "add", "-A")
        git(source, "commit", "-q", "-m", "変更できる人の表")
    work = OUT / "receive-bench"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    hooked, plain = work / "hooked.git", work / "plain.git"
    for bare in (hooked, plain):
        git(work, "clone", "-q", "--bare", str(source), bare.name)
    subprocess.run([sys.executable, "-m", "shinchoku", "server-install", str(hooked)], check=True,
                   capture_output=True)
    clone = work / "clone"
    git(work, "clone", "-q", str(source), "clone")
    plan = load_plan(clone / "records")
    open_year = next(y.label for y in plan.years if y.open)
    files = sorted((clone / "records" / open_year).glob("*.yaml"))
    rng = random.Random(3)
    env = {**os.environ, "GIT_AUTHOR_NAME": "ベンチ", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "ベンチ", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}
    t = time.perf_counter()
    for i, path in enumerate(rng.sample(files, args.commits)):
        rec = records.load_record(path)
        rec["報告"][0]["実績"] = f"{rec['報告'][0].get('実績', '')}（追記{i + 1}）"[:2000]
        records.write_record(clone, rec)
        git(clone, "commit", "-q", "-am", f"{open_year} No.{rec['No']} {rec['報告'][0]['主管課']}: 実績 を更新", env=env)
    made = time.perf_counter() - t
    n = sum(1 for _ in records.iter_record_files(clone))
    print(f"repo: {n} records, plan with {args.initiatives} initiatives; {args.commits} commits made in {made:.1f} s")

    def push(bare: Path, user: str | None) -> float:
        push_env = {k: v for k, v in os.environ.items() if k not in ("REMOTE_USER", "GL_USERNAME", "GITEA_PUSHER_NAME")}
        if user:
            push_env["REMOTE_USER"] = user
        t = time.perf_counter()
        done = subprocess.run(["git", "push", "-q", str(bare), "HEAD:main"], cwd=clone, capture_output=True,
                              text=True, env=push_env)
        took = time.perf_counter() - t
        if done.returncode != 0:
            raise SystemExit(f"push to {bare.name} refused:\n{done.stderr}")
        return took

    without = push(plain, None)
    with_hook = push(hooked, USER)
    # the very first push: every record of the repository is checked once
    empty = work / "empty.git"
    git(work, "init", "-q", "--bare", "-b", "main", empty.name)
    subprocess.run([sys.executable, "-m", "shinchoku", "server-install", str(empty)], check=True, capture_output=True)
    t = time.perf_counter()
    first = subprocess.run(["git", "push", "-q", str(empty), "HEAD:main"], cwd=source, capture_output=True,
                           text=True, env={**os.environ, "REMOTE_USER": "kyodo"})
    first_took = time.perf_counter() - t
    if first.returncode != 0:
        raise SystemExit(f"first push refused:\n{first.stderr}")

    # the hook was really there: a record out of canonical form is refused
    path = files[0]
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    git(clone, "commit", "-q", "-am", "空行を追加", env=env)
    refused = subprocess.run(["git", "push", "-q", str(hooked), "HEAD:main"], cwd=clone, capture_output=True,
                             text=True, env={**os.environ, "REMOTE_USER": USER})
    print("sanity: a non-canonical record is", "refused" if refused.returncode else "ACCEPTED (hook not running?)")
    print(f"push of {args.commits} commits without the hook: {without:.2f} s")
    print(f"push of {args.commits} commits with the hook:    {with_hook:.2f} s "
          f"(×{with_hook / without:.1f}; the check itself ≈ {with_hook - without:.2f} s, goal < 5 s)")
    print(f"first push of the whole repository ({n} records, every one checked): {first_took:.2f} s")


if __name__ == "__main__":
    main()

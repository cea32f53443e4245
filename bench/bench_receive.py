"""What does the central pre-receive check add to a push? Printed, not asserted.

    python bench/bench_receive.py [--commits 100] [--initiatives 1000] [--years 10] [--no-synth]

Floors measured in the same run: a plain ``git receive-pack`` (the same push into a bare
copy without the hook) and a whole-repository ``shinchoku check --canonical``.

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
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
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


def bundled(work: Path, commits: int) -> None:
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
    check = shinchoku("check", "--canonical", "--repo", str(clone))
    n = sum(1 for _ in records.iter_record_files(clone))
    rng = random.Random(3)
    print(f"bundled records: {n} records; whole-repository `shinchoku check --canonical`: {check:.2f} s")
    # the first push after server-install also writes the hook's memos (schema, access.yaml)
    for label, count in (("first push after install, 1 commit ", 1), ("push of   1 commit ", 1),
                         (f"push of {commits:>3} commits", commits)):
        edit_commits(clone, "R2", count, rng)
        floor = push(clone, plain, STAFF)
        took = push(clone, hooked, STAFF)
        print(f"  {label} as staff: {took:.2f} s with the hook, "
              f"{floor:.2f} s plain receive-pack (×{took / floor:.1f}; ×{took / check:.2f} of a whole check)"
              f"  goal < 1 s: {'ok' if took < 1 else 'MISSED'}")
    # the hook was really there: a record out of canonical form is refused
    path = next(records.iter_record_files(clone))
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    git(clone, "commit", "-q", "-am", "空行を追加", env={**os.environ, **WHO})
    env = {**os.environ, "REMOTE_USER": STAFF}
    refused = subprocess.run(["git", "push", "-q", str(hooked), "HEAD:main"], cwd=clone, capture_output=True, env=env)
    print("  sanity: a non-canonical record is", "refused" if refused.returncode else "ACCEPTED (hook not running?)")


def synthetic(work: Path, initiatives: int, years: int) -> None:
    source = OUT / f"synth-{initiatives}x{years}-git"
    if not (source / ".git").is_dir():
        print(f"making {source} …", flush=True)
        make_repo(source, initiatives, years, seed=1, git=True)
        (source / "records" / "access.yaml").write_text(access_yaml(source), encoding="utf-8")
        git(source, "add", "-A")
        git(source, "commit", "-q", "-m", "変更できる人の表", env={**os.environ, **WHO})
    n = sum(1 for _ in records.iter_record_files(source))
    first = work / "first"
    first.mkdir()
    hooked, plain = servers(first, source, empty=True)
    check = shinchoku("check", "--canonical", "--repo", str(source))
    floor = push(source, plain, COORDINATOR)
    took = push(source, hooked, COORDINATOR)
    print(f"synthetic repository: {n} records; whole-repository `shinchoku check --canonical`: {check:.2f} s")
    print(f"  first push into an empty server: {took:.2f} s with the hook, {floor:.2f} s plain receive-pack "
          f"(×{took / floor:.1f}); ×{took / check:.2f} of a whole check  goal ≤ 2: {'ok' if took <= 2 * check else 'MISSED'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--commits", type=int, default=100)
    ap.add_argument("--initiatives", type=int, default=1000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--no-synth", action="store_true", help="only the bundled records")
    args = ap.parse_args()
    work = OUT / "receive-bench"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    bundled(work, args.commits)
    if not args.no_synth:
        synthetic(work, args.initiatives, args.years)


if __name__ == "__main__":
    main()

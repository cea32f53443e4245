"""History and pre-commit speed on the synthetic large repository.

    python bench/bench_history.py [--initiatives 1000] [--years 10] [--commits 1000]

Builds the synthetic repo (bench/synth.py), then `--commits` commits that each edit the
課題 of one record (written with git fast-import, authored by three people in turn), and
prints:

* ``shinchoku history`` of that field (the command, interpreter start included) against
  the floor of ``git log -p --follow`` on the same file: goal within 2x;
* the pre-commit hook with one changed record: ``git commit`` with the hook against
  ``git commit --no-verify``: goal under 0.5 s.

Both pairs run as whole processes, interleaved (bench/measure.py), and are printed as
medians with their spread; figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import statistics
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import interleaved, line, machine, process  # noqa: E402
from shinchoku.model import records  # noqa: E402
from synth import make_repo  # noqa: E402

AUTHORS = [("山田 花子", "yamada@city.example"), ("佐藤 一郎", "sato@city.example"), ("鈴木 次郎", "suzuki@city.example")]


def run(cmd: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, **kw)


def edit_commits(repo: Path, year: str, no: int, commits: int) -> str:
    """``commits`` commits on main editing one record's first report's 課題 (fast-import)."""
    rel = records.record_relpath(year, no)
    rec = records.load_record(repo / rel)
    head = run(["git", "rev-parse", "HEAD"], repo, text=True).stdout.strip()
    stream = []
    stamp = 1_700_000_000
    for i in range(commits):
        rec["報告"][0]["課題"] = f"{i + 1}回目の見直し: 参加者が少ない。周知の方法を変える。"
        data = records.dumps(rec, repo).encode("utf-8")
        name, email = AUTHORS[i % len(AUTHORS)]
        msg = f"{year} No.{no} {rec['報告'][0]['主管課']}: 課題 を更新\n".encode("utf-8")
        stream.append(b"commit refs/heads/main\n")
        stream.append(f"author {name} <{email}> {stamp + i * 60} +0900\n".encode("utf-8"))
        stream.append(f"committer {name} <{email}> {stamp + i * 60} +0900\n".encode("utf-8"))
        stream.append(b"data %d\n%s\n" % (len(msg), msg))
        if i == 0:
            stream.append(f"from {head}\n".encode())
        stream.append(b"M 100644 inline %s\ndata %d\n%s\n" % (rel.encode(), len(data), data))
    run(["git", "fast-import", "--quiet"], repo, input=b"".join(stream))
    run(["git", "reset", "-q", "--hard", "main"], repo)
    return rel


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--initiatives", type=int, default=1000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--commits", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    shinchoku = [sys.executable, "-m", "shinchoku"]
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp) / "repo", args.initiatives, args.years, git=True)
        year = sorted(p.name for p in (repo / "records").iterdir() if p.is_dir())[-1]
        no = max(1, args.initiatives // 2)
        rel = edit_commits(repo, year, no, args.commits)
        print(f"repo: {args.initiatives} initiatives x {args.years} years; {args.commits} commits editing {rel}")

        times = interleaved({
            "floor": process(["git", "log", "-p", "--follow", "--", rel], cwd=repo),
            "history": process([*shinchoku, "history", str(no), year, "課題", "--repo", str(repo)], cwd=repo),
        }, args.rounds)
        count = run([*shinchoku, "history", str(no), year, "課題", "--json", "--repo", str(repo)], repo,
                    text=True).stdout.count('"commit"')
        print(f"\nhistory of one field ({count} changes)")
        print(line("floor: git log -p --follow (command)", times["floor"]))
        print(line("shinchoku history (command)", times["history"], times["floor"], 2))

        # The pre-commit hook: one changed record committed with the hook and without it,
        # interleaved; each commit gets an edit of its own, staged before the clock starts.
        env = {**os.environ, "SHINCHOKU_PYTHON": sys.executable, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@x",
               "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@x"}
        run([*shinchoku, "install", "--repo", str(repo)], repo)
        rec = records.load_record(repo / rel)
        edits = iter(range(10**6))

        def stage(_name: str) -> None:
            rec["報告"][0]["備考"] = f"ベンチマーク {next(edits)}"
            records.write_record(repo, rec)
            run(["git", "add", rel], repo)

        commits = interleaved({
            "bare": process(["git", "commit", "-q", "--no-verify", "-m", "bench"], cwd=repo, env=env),
            "hook": process(["git", "commit", "-q", "-m", "bench"], cwd=repo, env=env),
        }, args.rounds, before_each=stage)
        print("\na commit of one changed record")
        print(line("floor: git commit --no-verify", commits["bare"]))
        print(line("git commit with the pre-commit hook", commits["hook"], commits["bare"])
              + f"  (the hook ≈ {statistics.median(commits['hook']) - statistics.median(commits['bare']):.3f} s;"
                " goal < 0.5 s in all)")


if __name__ == "__main__":
    main()

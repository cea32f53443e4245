"""How fast is `shinchoku review`? Against `git log -p` over the same commits.

    python bench/bench_review.py [--initiatives 1000] [--years 10] [--commits 1000] [--rounds 5]

On the synthetic repository (bench/synth.py; with git, cached under bench/out/),
`--commits` commits by three people in turn, each changing one field of a different
record (git fast-import, dated after the repository's creation), after a `reviewed/…`
tag that HEAD contains.  Both run as whole processes (interpreter start included),
interleaved, `--rounds` times, and are printed as medians with their spread:

* floor: `git log -p reviewed/…..HEAD -- records` (what reading the changes costs git);
* `shinchoku review` (the coordinator's command: every field change since the tag,
  grouped and word-diffed, printed).

Goal (issue 14): review ≤ 2× the floor over 1,000 commits.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from measure import interleaved, line, machine, process  # noqa: E402
from shinchoku.model import plan as plan_mod  # noqa: E402
from shinchoku.model import records
from synth import ISSUES, NEXT, make_repo  # noqa: E402

OUT = HERE / "out"
AUTHORS = [("山田 花子", "yamada@city.example"), ("佐藤 一郎", "sato@city.example"), ("鈴木 次郎", "suzuki@city.example")]


def git(repo: Path, *args: str, **kw) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True, **kw).stdout


def make(initiatives: int, years: int, commits: int) -> Path:
    repo = OUT / f"review-{initiatives}x{years}-{commits}"
    # the tag must be one HEAD contains as git sees it (`--merged`), as in a real repository
    if (repo / ".git").is_dir() and git(repo, "tag", "--list", "reviewed/*", "--merged", "HEAD").strip():
        return repo
    print(f"making {repo} …", flush=True)
    make_repo(repo, initiatives, years, seed=1, git=True)
    git(repo, "tag", "-a", "reviewed/2025-04-01", "-m", "変更確認済み")
    plan = plan_mod.load(repo / "records")
    year = plan.year_labels[-1]
    rng = random.Random(7)
    nos = [i.no for i in plan.initiatives()]
    head = git(repo, "rev-parse", "HEAD").strip()
    stream = []
    # the edits come after the repository's creation: commit dates that went backwards
    # would hide the tag from `git tag --merged` (git's walk stops at older dates)
    stamp = int(git(repo, "log", "-1", "--format=%ct", "HEAD")) + 60
    for k in range(commits):
        no = nos[k % len(nos)]
        rel = records.record_relpath(year, no)
        rec = records.load_record(repo / rel)
        report = rec["報告"][k % len(rec["報告"])]
        field = ["課題", "次年度へ向けた取組", "進捗状況", "実績"][k % 4]
        if field == "進捗状況":
            report[field] = rng.choice(["計画通りに進んでいる", "計画通りに進んでいない"])
        elif field == "実績":
            report[field] = (report.get(field) or "") + f"また、{k + 1}回目の説明会を開いた。"
        else:
            report[field] = rng.choice(ISSUES if field == "課題" else NEXT) + f"（{k + 1}回目の見直し）"
        records.write_record(repo, rec)
        data = (repo / rel).read_bytes()
        name, email = AUTHORS[k % len(AUTHORS)]
        msg = f"{year} No.{no} {report['主管課']}: {field} を更新\n".encode("utf-8")
        stream += [b"commit refs/heads/main\n",
                   f"author {name} <{email}> {stamp + k * 60} +0900\n".encode("utf-8"),
                   f"committer {name} <{email}> {stamp + k * 60} +0900\n".encode("utf-8"),
                   b"data %d\n%s\n" % (len(msg), msg)]
        if k == 0:
            stream.append(f"from {head}\n".encode())
        stream.append(b"M 100644 inline %s\ndata %d\n%s\n" % (rel.encode(), len(data), data))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, check=True, input=b"".join(stream))
    git(repo, "reset", "-q", "--hard", "main")
    return repo


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--initiatives", type=int, default=1000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--commits", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    print(machine())
    repo = make(args.initiatives, args.years, args.commits)
    tag = "reviewed/2025-04-01"
    count = int(git(repo, "rev-list", "--count", f"{tag}..HEAD"))
    times = interleaved({
        "git": process(["git", "log", "-p", f"{tag}..HEAD", "--", "records"], cwd=repo),
        "review": process([sys.executable, "-m", "shinchoku", "review", "--repo", str(repo)], cwd=repo),
    }, args.rounds)
    print(f"\n{count} commits since {tag} ({repo.name})")
    print(line("floor: git log -p (command)", times["git"]))
    print(line("shinchoku review (command)", times["review"], times["git"], 2))


if __name__ == "__main__":
    main()

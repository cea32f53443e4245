"""How fast is `shinchoku export xlsx`? Against `shinchoku status` reading the same records.

    python bench/bench_export.py [--sizes 100,500,1000] [--years 10] [--rounds 3]

For each size (initiatives × 10 years: 100 → 1,000 files, 500 → 5,000, 1,000 → 10,000;
add 5000 for 50,000), on the synthetic repository (bench/synth.py, cached under
bench/out/), both commands run as whole processes (interpreter start included),
interleaved, `--rounds` times each.  Printed: medians with their spread, the ratio
export / status (goal ≤ 3× at 10,000 files), and export's seconds per 1,000 files at
each size (linear when that stays flat).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from measure import interleaved, line, machine, process  # noqa: E402
from shinchoku.model import records  # noqa: E402
from synth import make_repo  # noqa: E402

OUT = HERE / "out"


def repo_for(initiatives: int, years: int) -> Path:
    repo = OUT / f"synth-{initiatives}x{years}"
    if not (repo / "records" / "plan.yaml").is_file():
        print(f"making {repo} …", flush=True)
        make_repo(repo, initiatives, years, seed=1)
    return repo


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,500,1000", help="initiatives per size, comma-separated")
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    shinchoku = [sys.executable, "-m", "shinchoku"]
    print(machine())
    per_k = []
    with tempfile.TemporaryDirectory() as tmp:
        for initiatives in (int(s) for s in args.sizes.split(",")):
            repo = repo_for(initiatives, args.years)
            files = sum(1 for _ in records.iter_record_files(repo))
            out = Path(tmp) / "sheet.xlsx"
            times = interleaved({
                "status": process([*shinchoku, "status", "--repo", str(repo)]),
                "export": process([*shinchoku, "export", "xlsx", str(out), "--repo", str(repo)]),
            }, args.rounds)
            print(f"\n{files:,} record files ({repo.name})")
            print(line("floor: shinchoku status (command)", times["status"]))
            print(line("shinchoku export xlsx (command)", times["export"], times["status"],
                       3 if files >= 10_000 else None))
            per_k.append((files, statistics.median(times["export"]) / files * 1000))
    print("\nexport seconds per 1,000 files (flat = linear): "
          + ", ".join(f"{n:,}: {s:.2f}" for n, s in per_k))


if __name__ == "__main__":
    main()

"""How fast is `shinchoku check`? Ratios against the floor, printed (not asserted).

    python bench/bench_check.py [--initiatives 1000] [--years 10]

Figures, on the synthetic large repo (bench/synth.py; cached under bench/out/):
- floor: reading every record and parsing it with libyaml (yaml.CSafeLoader);
- shinchoku check, in-process and as a command (interpreter start included);
- check-jsonschema validating the same record files against the same schema
  (schema only — it knows nothing of the plan, so it does less than we do);
- `shinchoku check --canonical` as a command, against `shinchoku check` (issue 14:
  the canonical-form check costs at most 30% more);
- one changed file: `shinchoku check records/<year>/<No>.yaml` as a command.
All interleaved, medians with their spread (bench/measure.py).
Goals (issue 2): whole repo within 3× the parse floor and faster than check-jsonschema;
one file under 0.3 s.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shinchoku.model import records
from shinchoku.rules import validate  # noqa: E402
from synth import make_repo  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"


def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--initiatives", type=int, default=1000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    repo = OUT / f"synth-{args.initiatives}x{args.years}"
    if not (repo / "records" / "plan.yaml").is_file():
        print(f"making {repo} …", flush=True)
        make_repo(repo, args.initiatives, args.years, seed=1)
    files = list(records.iter_record_files(repo))
    n_reports = 0

    def floor():
        nonlocal n_reports
        n_reports = 0
        for f in files:
            n_reports += len(yaml.load(f.read_bytes(), Loader=yaml.CSafeLoader)["報告"])

    def in_process():
        problems = validate.check_paths(repo)
        assert not problems, problems[:3]

    exe = Path(sys.executable).parent
    shinchoku = str(exe / "shinchoku")

    def command():
        subprocess.run([shinchoku, "check", "--repo", str(repo)], check=True, capture_output=True)

    cjs = shutil.which("check-jsonschema", path=str(exe)) or shutil.which("check-jsonschema")

    def check_jsonschema():
        subprocess.run([cjs, "--schemafile", str(repo / "schema" / "record.schema.json"), *map(str, files)],
                       check=True, capture_output=True)

    one = files[len(files) // 2]

    def one_file():
        subprocess.run([shinchoku, "check", str(one)], check=True, capture_output=True, cwd=repo)

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from measure import interleaved, line, machine, process

    print(machine())
    floor()
    # Whole commands, interleaved: what a user (or the hook) pays.
    cmd = [sys.executable, "-m", "shinchoku"]
    times = interleaved({
        "floor": floor,
        "check": process([*cmd, "check", "--repo", str(repo)]),
        "canonical": process([*cmd, "check", "--canonical", "--repo", str(repo)]),
        "one": one_file,
    }, args.repeat)
    print(f"\nsynthetic repo: {len(files):,} record files, {n_reports:,} reports ({repo})")
    print(line("floor: read + libyaml parse (in-process)", times["floor"]))
    print(line("shinchoku check (command)", times["check"], times["floor"], 3))
    print(line("shinchoku check --canonical (command)", times["canonical"], times["check"], 1.3)
          + "  [floor: check]")
    print(line("one changed file, command (goal < 0.3 s)", times["one"]))
    if cjs:
        t_cjs = best(check_jsonschema, 1)
        print(f"check-jsonschema, same files, same schema: {t_cjs:.2f} s (once)")


if __name__ == "__main__":
    main()

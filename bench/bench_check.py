"""How fast is `shinchoku check`? Ratios against the floor, printed (not asserted).

    python bench/bench_check.py [--initiatives 1000] [--years 10]

Figures, on the synthetic large repo (bench/synth.py; cached under bench/out/):
- floor: reading every record and parsing it with libyaml (yaml.CSafeLoader);
- shinchoku check, in-process and as a command (interpreter start included);
- check-jsonschema validating the same record files against the same schema
  (schema only — it knows nothing of the plan, so it does less than we do);
- one changed file: `shinchoku check records/<year>/<No>.yaml` as a command.
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
from synth import make_repo  # noqa: E402

from shinchoku import records, validate  # noqa: E402

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

    t_floor = best(floor, args.repeat)
    t_in = best(in_process, args.repeat)
    t_cmd = best(command, args.repeat)
    t_cjs = best(check_jsonschema, 1) if cjs else None
    t_one = best(one_file, max(5, args.repeat))
    print(f"\nsynthetic repo: {len(files):,} record files, {n_reports:,} reports ({repo})")
    print(f"{'measure':<44}{'seconds':>9}{'× floor':>9}")
    rows = [("floor: read + libyaml parse of every record", t_floor),
            ("shinchoku check (in-process)", t_in),
            ("shinchoku check (command)", t_cmd)]
    if t_cjs is not None:
        rows.append(("check-jsonschema, same files, same schema", t_cjs))
    for label, t in rows:
        print(f"{label:<44}{t:>9.2f}{t / t_floor:>9.2f}")
    print(f"{'one changed file, command (goal < 0.3 s)':<44}{t_one:>9.3f}")
    print()
    print(f"whole-repo check / parse floor: {t_cmd / t_floor:.2f}× (goal ≤ 3×)")
    if t_cjs is not None:
        print(f"check-jsonschema / shinchoku check: {t_cjs / t_cmd:.2f}× (goal > 1: shinchoku faster)")


if __name__ == "__main__":
    main()

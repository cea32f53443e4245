"""How fast are the add-in's 取得 and 送信? Figures printed, not asserted.

    python bench/bench_addin.py [--initiatives 1000] [--years 10]

On the synthetic large repo (bench/synth.py, 1,000 initiatives × 10 years, about 20,000
reports in 10,000 files; cached under bench/out/), cloned to a local bare "central"
repository with the server hook (`shinchoku server-install`; no access rules), and a
staff clone wired with `shinchoku install` (the real pre-commit hook):

- floor: reading every record file and parsing it with libyaml (yaml.CSafeLoader);
- 取得 into an empty book: the payload Excel would send for a staff workbook with no
  values yet, through xlwings' remote engine, `shinchoku.addin.pull` (update the clone,
  read every record at HEAD, fill the sheet and the state) — the actions are built, not
  applied;
- 送信 of one changed cell: after that pull (its actions applied by tests/xlclient.py),
  one cell typed, then `shinchoku.addin.push` — checks the sheet, commits as the user
  (pre-commit hook included), pushes to the bare repository (its pre-receive hook
  included) and brings the sheet to the new head.

Every step runs as its own process (bench/addin_step.py: what a button press costs,
interpreter start included), interleaved with its floor, medians and spread
(bench/measure.py), wall time and CPU time (the process and every process it waited
for: git, the hooks; the steadier figure on a busy machine).  The floor of 送信 is a
plain `git commit` + `git push` of the same kind of change (one field of one record)
from a clone without shinchoku's hooks to the same central repository (its server hook
included); each side first catches up with the other's last push, untimed for the floor
(`git pull`), timed for 送信 (it fetches and applies the cell to the new head, as it does
when someone else sent in between).

Goals: 取得 within 3× the floor (issue 4), 送信 within 3× its floor (issue 14).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")   # before xlwings is imported
os.environ.setdefault("SHINCHOKU_PYTHON", sys.executable)

from shinchoku.model import records
from shinchoku.model.plan import load as load_plan  # noqa: E402
from shinchoku.sheet import sheetmodel as sm  # noqa: E402
from synth import make_repo  # noqa: E402

OUT = HERE / "out"


def run(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def setup(initiatives: int, years: int) -> tuple[Path, Path]:
    base = OUT / f"addin-{initiatives}x{years}"
    seed, central, clone = base / "seed", base / "central.git", base / "staff"
    if not (seed / ".git").is_dir():
        print(f"making {seed} …", flush=True)
        make_repo(seed, initiatives, years, seed=1)
        from shinchoku import store
        from shinchoku.store import repo_setup

        repo_setup.copy_hooks(seed / "hooks")                   # as `shinchoku init` lays them out
        (seed / ".gitattributes").write_text(store.ATTRIBUTES, encoding="utf-8", newline="\n")
        run(seed.parent, "init", "-q", "-b", "main", str(seed))
        run(seed, "add", "-A")
        run(seed, "-c", "user.name=合成データ", "-c", "user.email=synth@example.invalid", "commit", "-q", "-m", "合成データ")
    for p in (central, clone):
        if p.exists():
            shutil.rmtree(p)
    run(base, "clone", "-q", "--bare", str(seed), str(central))
    from shinchoku.cli import main as cli

    assert cli(["server-install", str(central)]) == 0
    run(base, "clone", "-q", str(central), str(clone))
    run(clone, "config", "user.name", "山田 花子")
    run(clone, "config", "user.email", "yamada@city.example")
    assert cli(["install", "--repo", str(clone)]) == 0
    cfg = base / "config.toml"
    cfg.write_text(f'name = "山田 花子"\nemail = "yamada@city.example"\nrepo = \'{clone}\'\n', encoding="utf-8")
    os.environ["SHINCHOKU_CONFIG"] = str(cfg)
    return seed, clone


def empty_book(root: Path):
    """The staff workbook with no values yet, as the test client holds it."""
    import xlclient

    plan = load_plan(root / "records")
    layout = sm.Layout.build(plan, root)
    xl = xlclient.Excel.__new__(xlclient.Excel)
    xl.name, xl.active, xl.selection, xl.alerts, xl.actions = "staff.xlsx", 0, None, [], []
    main = xlclient.Sheet(sm.SHEET_NAME, protected=True)
    state = sm.State(layout)
    _top, headers = layout.headers(root)            # the header row 取得 checks before writing
    for c, text in enumerate(headers, start=1):
        if text:
            main.cells[(sm.FIRST_DATA_ROW - 1, c)] = text
    r = sm.FIRST_DATA_ROW
    for i in plan.initiatives():
        for d in i.departments:
            main.cells[(r, layout.fixed("No"))] = float(i.no)
            main.cells[(r, layout.fixed("施策名"))] = i.name
            main.cells[(r, layout.fixed("主管課"))] = d
            for c in layout.editable():
                main.unlocked.add((r, c.index))
            state.add((i.no, d))
            r += 1
    st = xlclient.Sheet(sm.STATE_SHEET)
    for rr, line in enumerate(state.grid(), start=1):
        for cc, v in enumerate(line, start=1):
            if v not in (None, ""):
                st.cells[(rr, cc)] = xlclient.excel_value(v, False)
    xl.sheets = [main, st]
    return xl


FLOOR_READ = ("import sys, yaml, pathlib\n"
              "n = 0\n"
              "for f in sorted(pathlib.Path(sys.argv[1]).glob('records/*/*.yaml')):\n"
              "    n += len(yaml.load(f.read_bytes(), Loader=yaml.CSafeLoader)['報告'])\n")


def floor_clone(base: Path) -> Path:
    """A plain clone (no shinchoku hooks) of the central repository: where the floor of
    送信 commits and pushes the same change."""
    plain = base / "plain"
    if plain.exists():
        shutil.rmtree(plain)
    run(base, "clone", "-q", str(base / "central.git"), str(plain))
    run(plain, "config", "user.name", "山田 花子")
    run(plain, "config", "user.email", "yamada@city.example")
    return plain


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--initiatives", type=int, default=1000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from measure import interleaved, line, machine, process, spread

    print(machine())
    seed, clone = setup(args.initiatives, args.years)
    base = seed.parent
    plain = floor_clone(base)
    files = list(records.iter_record_files(seed))
    py = sys.executable
    step = str(HERE / "addin_step.py")
    empty = base / "empty-payload.json"
    xl0 = empty_book(seed)
    empty.write_text(json.dumps(xl0.payload(), ensure_ascii=False), encoding="utf-8")
    out = base / "actions.json"

    # 取得 (whole process, into an empty book) against reading + parsing every record
    # (whole process), interleaved.
    cpu: dict[str, list[float]] = {}
    pulls = interleaved(with_cpu({
        "floor": process([py, "-c", FLOOR_READ, str(seed)]),
        "pull": process([py, step, "pull", str(empty), str(out)]),
    }, cpu), args.rounds)
    actions = json.loads(out.read_text(encoding="utf-8"))["actions"]
    alert = [a["args"][0] for a in actions if a["func"] == "alert"]
    print(f"\nrecords: {len(files):,} files; 取得's message: {alert[0].splitlines()[0] if alert else '(none)'}")
    print(line("floor: read + libyaml parse (process)", pulls["floor"]))
    print(line("取得 into an empty book (process)", pulls["pull"], pulls["floor"], 3))
    print(cpu_line(cpu, "pull", "floor", spread))

    # 送信 of one changed cell (whole process) against a plain `git commit` + `git push`
    # of the same change to the same central repository (its server hook), interleaved.
    xl = xl0
    xl.apply(actions)
    rows, _c = xl.sheet(sm.SHEET_NAME).size()
    state = sm.read_state(xl.sheet(sm.STATE_SHEET).values())
    year = state.layout.open_years()[-1]
    col = state.layout.column_of(year, "備考")
    payload = base / "push-payload.json"
    counter = iter(range(10_000))
    row_of: dict[str, int] = {}

    def prepare(name: str) -> None:
        k = next(counter)
        text = f"ベンチマークで変更した備考 {k}"
        if name == "push":
            if pending:                 # Excel applies the last 送信's answer (not timed)
                xl.apply(json.loads(out.read_text(encoding="utf-8"))["actions"])
                pending.clear()
            r = rows // 2 + 7 * (k % 50)
            row_of["push"] = r
            xl.type(sm.SHEET_NAME, sm.address(r, col.index), text)
            payload.write_text(json.dumps(xl.payload(), ensure_ascii=False), encoding="utf-8")
        else:                       # the same kind of change, made by hand in the plain clone
            subprocess.run(["git", "pull", "-q", "--ff-only"], cwd=plain, check=True, capture_output=True)
            no = sorted(records.parse_relpath(p.relative_to(plain / "records").as_posix())[1]
                        for p in (plain / "records" / year).glob("*.yaml"))[10 + k % 50]   # (rows far from 送信's)
            rec = records.load_record(plain / records.record_relpath(year, no))
            rec["報告"][0]["備考"] = text
            records.write_record(plain, rec)

    pending: list[bool] = []

    def push() -> None:
        process([py, step, "push", str(payload), str(out)])()
        said = [a["args"][0] for a in json.loads(out.read_text(encoding="utf-8"))["actions"] if a["func"] == "alert"]
        if not said or not said[0].startswith("1件のセルを送信しました"):
            raise RuntimeError(f"送信 did not send its cell: {said}")
        pending.append(True)

    def floor_push() -> None:
        subprocess.run(["git", "commit", "-q", "-am", "備考を更新"], cwd=plain, check=True, capture_output=True)
        subprocess.run(["git", "push", "-q", "origin", "HEAD"], cwd=plain, check=True, capture_output=True)

    cpu = {}
    pushes = interleaved(with_cpu({"floor": floor_push, "push": push}, cpu), args.rounds, before_each=prepare)
    actions = json.loads(out.read_text(encoding="utf-8"))["actions"]
    alert = [a["args"][0] for a in actions if a["func"] == "alert"]
    print(f"\n送信's message: {alert[0].splitlines()[0] if alert else '(none)'}")
    print(line("floor: git commit + git push (processes)", pushes["floor"]))
    print(line("送信 of one changed cell (process)", pushes["push"], pushes["floor"], 3))
    print(cpu_line(cpu, "push", "floor", spread))
    print("\n(送信 is timed from process start to its answer; applying the answer to the book is"
          " Excel's part and not timed; both push to the same central repository and its hook)")


def with_cpu(cases: dict, cpu: dict[str, list[float]]) -> dict:
    """The cases, each also noting the CPU seconds of the processes it ran and waited for."""
    def timed(name, case):
        def run() -> None:
            before = os.times()
            case()
            after = os.times()
            cpu.setdefault(name, []).append(after.children_user + after.children_system
                                            - before.children_user - before.children_system)
        return run
    return {name: timed(name, case) for name, case in cases.items()}


def cpu_line(cpu: dict[str, list[float]], name: str, floor: str, spread) -> str:
    import statistics

    ratio = statistics.median(cpu[name]) / max(statistics.median(cpu[floor]), 1e-9)
    return (f"  CPU (with git and hooks): floor {spread(cpu[floor])}\n"
            f"                            ours  {spread(cpu[name])}  {ratio:5.2f}× floor")


if __name__ == "__main__":
    main()

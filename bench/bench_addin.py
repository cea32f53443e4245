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

Goals (issue 4): 取得 within 3× the floor, 送信 under 1 s.
"""

from __future__ import annotations

import argparse
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

from synth import make_repo  # noqa: E402

from shinchoku import records, sheetmodel as sm  # noqa: E402
from shinchoku.plan import load as load_plan  # noqa: E402

OUT = HERE / "out"


def run(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def setup(initiatives: int, years: int) -> tuple[Path, Path]:
    base = OUT / f"addin-{initiatives}x{years}"
    seed, central, clone = base / "seed", base / "central.git", base / "staff"
    if not (seed / ".git").is_dir():
        print(f"making {seed} …", flush=True)
        make_repo(seed, initiatives, years, seed=1)
        from shinchoku import repo_setup, store

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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--initiatives", type=int, default=1000)
    ap.add_argument("--years", type=int, default=10)
    args = ap.parse_args()
    seed, clone = setup(args.initiatives, args.years)
    files = list(records.iter_record_files(seed))

    floors = []
    for _ in range(3):
        t = time.perf_counter()
        n = 0
        for f in files:
            n += len(yaml.load(f.read_bytes(), Loader=yaml.CSafeLoader)["報告"])
        floors.append(time.perf_counter() - t)
    floor = min(floors)
    print(f"records: {len(files)} files, {n} reports")
    print(f"floor (read + libyaml parse), best of 3: {floor:6.2f} s")

    import xlwings as xw
    from shinchoku import addin

    pulls = []
    for _ in range(3):             # each into a fresh empty book
        xl = empty_book(seed)
        payload = xl.payload()
        t = time.perf_counter()
        book = xw.Book(json=payload)
        addin.pull(book)
        pulls.append(time.perf_counter() - t)
    pull = min(pulls)
    actions = book.json()["actions"]
    alert = [a["args"][0] for a in actions if a["func"] == "alert"]
    print(f"取得 into an empty book, best of 3:       {pull:6.2f} s  ({pull / floor:.1f}× the floor; "
          f"{len(actions)} actions)  {alert[0].splitlines()[0] if alert else ''}")
    xl.apply(actions)

    rows, _c = xl.sheet(sm.SHEET_NAME).size()
    state = sm.read_state(xl.sheet(sm.STATE_SHEET).values())
    col = state.layout.column_of(state.layout.open_years()[-1], "備考")
    times = []
    for k in range(3):             # three pushes, one changed cell each
        xl.type(sm.SHEET_NAME, sm.address(rows // 2 + 7 * k, col.index), f"ベンチマークで変更した備考 {k}")
        payload = xl.payload()
        t = time.perf_counter()
        book = xw.Book(json=payload)
        addin.push(book)
        times.append(time.perf_counter() - t)
        actions = book.json()["actions"]
        alert = [a["args"][0] for a in actions if a["func"] == "alert"]
        xl.apply(actions)
    times.sort()
    print(f"送信 of one changed cell, 3 runs:         {times[0]:6.2f} s best, {times[1]:.2f} s median  "
          f"{alert[0].splitlines()[0] if alert else ''}")
    print("goals: 取得 within 3× the floor, 送信 under 1 s")


if __name__ == "__main__":
    main()

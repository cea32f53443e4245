"""How fast is `shinchoku serve` over HTTP? Figures printed, not asserted.

    python bench/bench_serve.py [--rounds 3] [--users 20]

A real server process (`python -m shinchoku serve`, one uvicorn worker) on loopback,
started on a fresh data folder: its embedded central repository is made from the bundled
records (the real 進行管理シート, 141 files) with the real hook; access rules give the
bench users u00… the coordinator's rights.  Clients send what xlwings' VBA client sends
(tests/xlclient.py: the payload of Remote.bas, the token in Authorization) and apply the
replies.

Floors, measured in the same run:
- HTTP: GET /health (a round trip through uvicorn and the vendor's app);
- book: xlwings' remote engine reading the whole workbook's payload and writing an empty
  reply, in-process (what every xlwings Server request pays before any work);
- hook: `git push` of a one-field commit straight to the central repository (its
  pre-receive hook: what every 送信 pays).

Measured:
- 取得 of the whole workbook: a staff workbook with no values yet (bench_addin.empty_book),
  every cell filled by the reply;
- 送信 of one changed cell, one user at a time;
- 送信 of one changed cell by N users at the same moment (each its own cell), rounds;
- the server's CPU time per request (its process and the git/hook processes it waited
  for, from /proc).

Goals (issue 10): 送信 p50 < 0.5 s with one user, p95 < 2 s with 20 at once; 取得 of the
whole workbook p50 < 1 s.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")   # before xlwings is imported
os.environ.setdefault("SHINCHOKU_PYTHON", sys.executable)

import xlclient  # noqa: E402
from bench_addin import empty_book  # noqa: E402
from shinchoku.sheet import sheetmodel as sm  # noqa: E402
from shinchoku.xlserver.users import Users  # noqa: E402

OUT = HERE / "out" / "serve"
TICK = os.sysconf("SC_CLK_TCK")


def git(cwd: Path, *args: str, user: str = "kyodo") -> str:
    env = {**os.environ, "REMOTE_USER": user, "GIT_AUTHOR_NAME": "ベンチ", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "ベンチ", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def cpu(pid: int) -> float:
    """CPU seconds of the process and of the children it waited for (git, the hook)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / TICK


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def start(data: Path) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("SHINCHOKU_CENTRAL", "REMOTE_USER")}
    proc = subprocess.Popen([sys.executable, "-m", "shinchoku", "serve", "--port", str(port), "--data", str(data)],
                            env=env, stdout=open(OUT / "server.log", "wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/health", timeout=2).read()
            return proc, url
        except OSError:
            time.sleep(0.1)
    raise SystemExit((OUT / "server.log").read_text())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--sends", type=int, default=10)
    args = ap.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    data = OUT / "data"
    proc, url = start(data)
    try:
        run(args, data, proc, url)
    finally:
        proc.terminate()
        proc.wait()


def run(args, data: Path, proc: subprocess.Popen, url: str) -> None:
    import xlwings as xw

    central = data / "central.git"
    work = OUT / "coord"
    git(OUT, "clone", "-q", str(central), str(work))
    names = [f"u{i:02d}" for i in range(args.users)]
    (work / "records" / "access.yaml").write_text("調整担当:\n" + "".join(f"  - {u}\n" for u in ["kyodo", *names]),
                                                  encoding="utf-8")
    git(work, "commit", "-q", "-am", "ベンチの利用者")
    git(work, "push", "-q", "origin", "main")
    users = Users(data)
    tokens = {u: users.add(u, f"職員 {u}", f"{u}@city.example") for u in names}
    book = OUT / "staff.xlsx"
    from shinchoku.cli import main as cli

    assert cli(["workbook", str(book), "--repo", str(work)]) == 0
    template = xlclient.Excel(book)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times grow with it; CPU times less)")
    print(f"records: {len(list((work / 'records').rglob('*.yaml'))) - 2} files; workbook rows: "
          f"{template.sheet(sm.SHEET_NAME).size()[0] - sm.FIRST_DATA_ROW + 1}")

    # -- floors
    health = []
    for _ in range(20):
        t = time.perf_counter()
        urllib.request.urlopen(url + "/health").read()
        health.append(time.perf_counter() - t)
    payload = template.payload()
    books = []
    for _ in range(5):
        t = time.perf_counter()
        b = xw.Book(json=payload)
        json.dumps(b.json())
        b.close()
        books.append(time.perf_counter() - t)
    hooks = []
    for k in range(5):
        path = next((work / "records" / "R2").glob("*.yaml"))
        text = path.read_text(encoding="utf-8")
        path.write_text(text, encoding="utf-8")
        git(work, "pull", "-q", "--ff-only")
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        for i, line in enumerate(lines):
            if line.lstrip().startswith("実績: ") and "|" not in line:
                lines[i] = line.rstrip("\n") + f"（床{k}）\n"
                break
        path.write_text("".join(lines), encoding="utf-8")
        git(work, "commit", "-q", "-am", f"床 {k}")
        t = time.perf_counter()
        git(work, "push", "-q", "origin", "main")
        hooks.append(time.perf_counter() - t)
    f_http, f_book, f_hook = statistics.median(health), statistics.median(books), statistics.median(hooks)
    print(f"floor HTTP (GET /health) p50:             {f_http * 1000:7.1f} ms")
    print(f"floor book (remote engine, whole book):   {f_book * 1000:7.1f} ms")
    print(f"floor hook (git push, pre-receive) p50:   {f_hook * 1000:7.1f} ms")

    # -- 取得 of the whole workbook
    pulls, c0 = [], cpu(proc.pid)
    for _ in range(5):
        xl = empty_book(work)
        t = time.perf_counter()
        status, alerts = xl.call(url, "shinchoku_pull", tokens[names[0]])
        pulls.append(time.perf_counter() - t)
        assert status == 200 and "最新の記録を取得しました" in alerts[0][0], alerts
    cpu_pull = (cpu(proc.pid) - c0) / len(pulls)
    filled = xl
    p50 = statistics.median(pulls)
    print(f"取得 whole workbook, 5 runs:  p50 {p50:6.3f} s  p95 {pct(pulls, 95):6.3f} s  "
          f"({p50 / (f_http + f_book):.1f}× HTTP+book floor; server CPU {cpu_pull * 1000:.0f} ms/request)  "
          f"{alerts[0][0].splitlines()[0]}")

    # cells to change: R2 (open) 備考 of distinct rows
    state = sm.read_state(filled.sheet(sm.STATE_SHEET).values())
    year = state.layout.open_years()[-1]
    col = state.layout.column_of(year, "備考").index
    data_rows, _stray = sm.data_rows(filled.sheet(sm.SHEET_NAME).values(), state.layout)
    rows = [r.row for r in data_rows]
    assert len(rows) >= args.sends + args.users, f"{len(rows)} rows are too few for {args.sends + args.users} cells"

    # -- 送信, one user
    sends, c0 = [], cpu(proc.pid)
    for k in range(args.sends):
        filled.type(sm.SHEET_NAME, sm.address(rows[k], col), f"ベンチ送信 {k}")
        t = time.perf_counter()
        status, alerts = filled.call(url, "shinchoku_push", tokens[names[0]])
        sends.append(time.perf_counter() - t)
        assert status == 200 and alerts[0][0] == "1件のセルを送信しました。", alerts
    cpu_send = (cpu(proc.pid) - c0) / len(sends)
    p50 = statistics.median(sends)
    print(f"送信 one cell, one user, {args.sends} runs: p50 {p50:6.3f} s  p95 {pct(sends, 95):6.3f} s  "
          f"({p50 / (f_http + f_book + f_hook):.1f}× HTTP+book+hook floor; server CPU {cpu_send * 1000:.0f} ms/request)")

    # -- 送信, N users at once
    desks = []
    for u in names:
        d = xlclient.Excel(book)
        status, alerts = d.call(url, "shinchoku_pull", tokens[u])
        assert status == 200, alerts
        desks.append(d)
    # the staff workbook has heading rows (推進方策, 目標) the empty book has not: its own data rows
    t_state = sm.read_state(template.sheet(sm.STATE_SHEET).values())
    t_col = t_state.layout.column_of(year, "備考").index
    t_rows = [r.row for r in sm.data_rows(template.sheet(sm.SHEET_NAME).values(), t_state.layout)[0]]
    latencies, landed, conflicts, failed = [], 0, 0, []
    c0 = cpu(proc.pid)
    for r in range(args.rounds):
        for i, d in enumerate(desks):
            d.type(sm.SHEET_NAME, sm.address(t_rows[i], t_col), f"同時送信 {r}-{i}")

        def press(i: int):
            t = time.perf_counter()
            status, alerts = desks[i].call(url, "shinchoku_push", tokens[names[i]])
            return time.perf_counter() - t, status, alerts

        with concurrent.futures.ThreadPoolExecutor(len(desks)) as ex:
            for seconds, status, alerts in ex.map(press, range(len(desks))):
                latencies.append(seconds)
                text = alerts[0][0] if alerts else ""
                if status == 200 and text == "1件のセルを送信しました。":
                    landed += 1
                elif status == 200 and "競合" in text:
                    conflicts += 1
                else:
                    failed.append(text.splitlines()[0] if text else f"HTTP {status}")

    n = len(latencies)
    cpu_many = (cpu(proc.pid) - c0) / n
    print(f"送信 one cell, {args.users} users at once, {args.rounds} rounds: p50 {statistics.median(latencies):6.3f} s  "
          f"p95 {pct(latencies, 95):6.3f} s  max {max(latencies):6.3f} s  (server CPU {cpu_many * 1000:.0f} ms/request)")
    print(f"  edits made {n}: landed {landed}, conflicts {conflicts}, failed {len(failed)}"
          + (f" ({'; '.join(sorted(set(failed)))})" if failed else ""))
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    print("goals: 送信 p50 < 0.5 s (one user), p95 < 2 s (20 at once); 取得 whole workbook p50 < 1 s")


if __name__ == "__main__":
    main()

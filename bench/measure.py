"""Honest timing for the benchmarks: every case and its floor measured in the same run,
interleaved (one of each per round, the order rotating), and reported as medians with
their spread; whole processes where the user pays the process start.

The machine is shared: read the spread before the ratio.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from pathlib import Path
from typing import Callable


def machine() -> str:
    """One line naming the machine and how busy it was when the run started."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, load average {load:.1f} at start\n"
            f"{bytecode()}")


def bytecode() -> str:
    """Compile the installed packages (xlwings, PyYAML, …) and shinchoku to bytecode, as
    `pip install` leaves them on a staff PC, and say so.

    Where the caches are missing (a virtualenv that lost them) and PYTHONDONTWRITEBYTECODE
    is set (as on this machine), every process compiles xlwings from source: 0.2 s of each
    button press here, which no user pays.
    The server hook runs Python with -I, which ignores that setting, so only our side of
    a ratio would carry the cost.  Up-to-date files are skipped, so this is quick after
    the first run."""
    import compileall
    import sysconfig

    import shinchoku

    dirs = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"],
                   str(Path(shinchoku.__file__).parent)})
    for d in dirs:
        compileall.compile_dir(d, quiet=2, workers=0)
    setting = " (PYTHONDONTWRITEBYTECODE is set here)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else ""
    return f"bytecode: compiled for the installed packages and shinchoku, as pip install leaves them{setting}"


def process(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None,
            input: bytes | None = None) -> Callable[[], None]:
    """A case that runs ``cmd`` as a whole process (interpreter start included)."""
    def run() -> None:
        done = subprocess.run(cmd, cwd=cwd, env=env, input=input, capture_output=True)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"{cmd}: exit {done.returncode}: {done.stderr.decode('utf-8', 'replace')[-400:]}")
    return run


def interleaved(cases: dict[str, Callable[[], None]], rounds: int,
                before_each: Callable[[str], None] | None = None) -> dict[str, list[float]]:
    """Seconds per run of each case: ``rounds`` rounds, each running every case once, the
    order rotating from round to round so no case always runs first or last."""
    names = list(cases)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            if before_each is not None:
                before_each(name)
            t = time.perf_counter()
            cases[name]()
            times[name].append(time.perf_counter() - t)
    return times


def spread(ts: list[float]) -> str:
    return f"median {statistics.median(ts):7.3f} s  (min {min(ts):.3f}, max {max(ts):.3f}, n={len(ts)})"


def ratio(ts: list[float], floor: list[float]) -> float:
    return statistics.median(ts) / statistics.median(floor)


def line(label: str, ts: list[float], floor: list[float] | None = None, goal: float | None = None) -> str:
    out = f"{label:<46}{spread(ts)}"
    if floor is not None:
        out += f"  {ratio(ts, floor):5.2f}× floor"
        if goal is not None:
            out += f" (goal ≤ {goal:g}×: {'met' if ratio(ts, floor) <= goal else 'NOT met'})"
    return out

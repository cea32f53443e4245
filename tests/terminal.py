"""Run the real `shinchoku` command on a pseudo-terminal (a TTY, as a person at a
keyboard has), answering its questions."""

from __future__ import annotations

import os
import pty
import select
import sys


def run_on_terminal(argv: list[str], answers: dict[str, str], timeout: float = 120) -> tuple[int, str]:
    """(exit code, everything shown) of ``python -m shinchoku *argv`` on a TTY; when the
    output shows a key of ``answers`` (once each), its value is typed with Enter."""
    pid, fd = pty.fork()
    if pid == 0:                                              # the child: shinchoku on a terminal
        os.execv(sys.executable, [sys.executable, "-m", "shinchoku", *argv])
    out = b""
    pending = dict(answers)
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                break
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            for prompt in list(pending):
                if prompt.encode() in out:
                    os.write(fd, pending.pop(prompt).encode() + b"\n")
    finally:
        _pid, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace").replace("\r\n", "\n")

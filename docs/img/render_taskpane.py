"""Render the task pane of a running `shinchoku serve` in headless Chromium, as Excel shows it.

    python docs/img/render_taskpane.py http://127.0.0.1:8000 [docs/img]

Outside Excel, Office.js never attaches to a host, so the page shows xlwings Server's
"could not load" notice after a moment; this script drives Chromium over its DevTools
protocol, closes that notice the way a user would (its 閉じる button), prints what the
pane says (title, buttons) and saves taskpane-390.png and taskpane-1400.png.
"""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from simple_websocket import Client

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Page:
    def __init__(self, ws_url: str):
        self.ws = Client.connect(ws_url)
        self.n = 0

    def call(self, method: str, **params):
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.receive())
            if msg.get("id") == self.n:
                if "error" in msg:
                    raise RuntimeError(msg["error"])
                return msg.get("result", {})

    def js(self, expression: str):
        done = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in done:
            raise RuntimeError(done["exceptionDetails"])
        return done["result"].get("value")


def render(base: str, out: Path) -> dict:
    port = free_port()
    profile = tempfile.mkdtemp()
    proc = subprocess.Popen(["chromium", *FLAGS, f"--user-data-dir={profile}", f"--remote-debugging-port={port}",
                             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json").read())
                page = next(t for t in targets if t["type"] == "page")
                break
            except (OSError, StopIteration):
                time.sleep(0.1)
        p = Page(page["webSocketDebuggerUrl"])
        p.call("Page.enable")
        seen = {}
        for width in (390, 1400):
            p.call("Emulation.setDeviceMetricsOverride", width=width, height=820, deviceScaleFactor=1, mobile=False)
            p.call("Page.navigate", url=f"{base}/taskpane.html")
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                if p.js("document.readyState === 'complete' && document.getElementById('signin-state')?.textContent "
                        "&& !document.getElementById('xlwings-office-ready-error')?.classList.contains('d-none')"):
                    break
                time.sleep(0.2)
            p.js("document.getElementById('xlwings-taskpane-reload-cancel-btn')?.click()")
            time.sleep(0.3)
            seen = p.js("""({title: document.title, lang: document.documentElement.lang,
                buttons: [...document.querySelectorAll('[xw-click]')].map(b => [b.getAttribute('xw-click'),
                    b.querySelector('.fw-bold').textContent, b.getBoundingClientRect().width > 0]),
                signin: document.getElementById('signin-state').textContent})""")
            shot = p.call("Page.captureScreenshot", format="png")
            (out / f"taskpane-{width}.png").write_bytes(base64.b64decode(shot["data"]))
        return seen
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parent
    print(json.dumps(render(base.rstrip("/"), out), ensure_ascii=False, indent=1))

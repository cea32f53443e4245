"""The dashboard: its numbers, that it is self-contained, and that a browser draws the chart."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import small_records, write_small_repo
from shinchoku.cli import main
from shinchoku.model import records
from shinchoku.publish import report


class Page(HTMLParser):
    """Every element with its attributes, the text per element id, and nesting checks."""

    VOID = {"meta", "br", "img", "input", "link", "hr", "wbr", "source"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.stack: list[str] = []
        self.text_in: dict[str, list[str]] = {}
        self.errors: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else '-'}>")
            return
        self.stack.pop()

    def handle_data(self, data):
        for tag in self.stack:
            self.text_in.setdefault(tag, []).append(data)

    def all(self, tag: str, **attrs) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def text(self) -> str:
        return "".join(self.text_in.get("body", []))


def with_changes(root: Path) -> Path:
    """The small repo, where No 5 児童青少年課 recovers in R1 and No 1 falls behind in R2."""
    write_small_repo(root)
    for rec in small_records():
        if rec["No"] == 5 and rec["年度"] in ("R1", "R2"):
            rec["報告"][1]["進捗状況"] = "計画通りに進んでいる"
            rec["報告"][1].pop("課題")
        if rec["No"] == 1 and rec["年度"] == "R2":
            rec["報告"][0]["進捗状況"] = "計画通りに進んでいない"
            rec["報告"][0]["課題"] = "会場の確保が遅れた。\n周知も不足した。"
        if rec["No"] == 9 and rec["年度"] == "R2":
            rec["報告"][1].pop("進捗状況")
        records.write_record(root, rec)
    return root


def test_dashboard_counts_movement_and_behind(tmp_path, capsys):
    root = with_changes(tmp_path / "repo")
    out = tmp_path / "dash.html"
    assert main(["report", "--html", str(out), "--repo", str(root)]) == 0
    assert "3年度分" in capsys.readouterr().out
    page = Page(out.read_text(encoding="utf-8"))
    assert page.errors == [] and page.stack == []
    # stacked bars: one segment per (strategy, year, status) with its count
    segs = Counter()
    for a in page.all("rect"):
        if a.get("class") == "seg":
            segs[(a["data-strategy"], a["data-year"], a["data-status"])] += int(a["data-count"])
            assert float(a["width"]) > 0
    assert segs[("1", "H30", "計画通りに進んでいる")] == 2
    assert segs[("1", "H30", "計画通りに進んでいない")] == 1
    assert segs[("1", "R2", "計画通りに進んでいない")] == 1       # No 1 fell behind
    assert segs[("2", "R2", "未記入")] == 1                       # No 9 協働推進課 left it empty
    assert sum(segs.values()) == 3 * 5                              # every report of every year
    assert len(page.all("figure")) == 2 and len(page.all("svg")) == 2
    # year-over-year: 児童青少年課 recovered H30→R1, No 1 fell behind R1→R2
    rows = page.all("tr", **{"class": "down-row"}), page.all("tr", **{"class": "up-row"})
    assert (len(rows[0]), len(rows[1])) == (1, 1)
    text = page.text()
    assert "R1 → R2" in text and "H30 → R1" in text
    # behind plan in the latest year, with its 課題 (line break kept for the reader)
    assert "会場の確保が遅れた。\n周知も不足した。" in text
    assert "R2年度（1件）" in text and "H30年度（1件）" in text


def test_dashboard_is_self_contained(tmp_path, small_repo):
    out = tmp_path / "dash.html"
    report.write(small_repo, out)
    html = out.read_text(encoding="utf-8")
    page = Page(html)
    assert page.all("script") == [] and page.all("link") == [] and page.all("img") == []
    for _tag, attrs in page.elements:
        for name in ("src", "href"):
            assert name not in attrs, attrs
    assert "url(" not in html and "@import" not in html and "@font-face" not in html
    assert page.all("html", lang="ja") and page.all("meta", charset="utf-8")


def test_unknown_year_is_refused(tmp_path, small_repo, capsys):
    assert main(["report", "--html", str(tmp_path / "d.html"), "--repo", str(small_repo), "--years", "R7"]) == 1
    assert "年度「R7」は計画（plan.yaml）にありません" in capsys.readouterr().err


# ----------------------------------------------------------------------------- a real browser


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and colour in (2, 6) and interlace == 0
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytes(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = bytes(line)
    return width, height, rows


def colour_count(png: bytes, rgb: tuple[int, int, int]) -> int:
    width, _h, rows = read_png(png)
    bpp = len(rows[0]) // width
    target = bytes(rgb)
    return sum(1 for row in rows for i in range(0, len(row), bpp) if row[i:i + 3] == target)


@pytest.mark.skipif(chromium() is None, reason="Chromium がありません（apt-get install chromium）")
def test_chromium_draws_the_chart(tmp_path):
    root = with_changes(tmp_path / "repo")
    out = tmp_path / "dash.html"
    report.write(root, out)
    shot = tmp_path / "dash.png"
    done = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1100,1000",
         f"--screenshot={shot}", out.as_uri()],
        capture_output=True, timeout=120)
    assert shot.is_file(), done.stderr.decode("utf-8", "replace")[-2000:]
    png = shot.read_bytes()
    hexes = {name: tuple(int(c[i:i + 2], 16) for i in (1, 3, 5))
             for name, c in zip(("ahead", "behind", "done", "changed"), report.COLOURS)}
    # the bars are drawn in their colours: one report is a segment of 130 × 18 px here
    # (the longest bar holds 3 reports in 390 px), far more than the legend swatch and
    # the summary card of that colour together (under 500 px)
    green = colour_count(png, hexes["ahead"])
    red = colour_count(png, hexes["behind"])
    grey = colour_count(png, tuple(int(report.NOT_REPORTED_COLOUR[i:i + 2], 16) for i in (1, 3, 5)))
    assert green > 10 * 1200 and red > 3 * 1200 and grey > 1200, (green, red, grey)


def with_a_finished_one_falling_behind_and_a_new_year(root: Path) -> Path:
    """with_changes, plus: No 9 産業振興課 完了(目標を達成) in R1 → 進んでいない in R2 (as the
    real H30 No.11 went), and R3 opened (every report still 未記入)."""
    with_changes(root)
    for year, status in (("R1", "完了(目標を達成)"), ("R2", "計画通りに進んでいない")):
        rec = records.load_record(root / records.record_relpath(year, 9))
        rec["報告"][0]["進捗状況"] = status
        records.write_record(root, rec)
    assert main(["year", "open", "R3", "--yes", "--repo", str(root)]) == 0
    return root


def test_headline_is_the_latest_year_with_reports_and_movement_counts_every_fall(tmp_path, capsys):
    root = with_a_finished_one_falling_behind_and_a_new_year(tmp_path / "repo")
    out = tmp_path / "dash.html"
    assert main(["report", "--html", str(out), "--repo", str(root)]) == 0
    html = out.read_text(encoding="utf-8")
    page = Page(html)
    assert page.errors == []
    # the headline: R2 (reports entered), not R3 just opened with every report 未記入
    assert '<section id="latest"><h2>R2年度の状況</h2>' in html
    # movement: No 1 進んでいる → 進んでいない and No 9 完了 → 進んでいない both fell (R1 → R2)
    down = page.all("tr", **{"class": "down-row"})
    assert len(down) == 2
    counts = html.split('id="movement-counts">')[1].split("</p>")[0]
    assert '進んでいない へ変わった報告 <span class="down">2件</span>' in counts
    assert "↓ 完了(目標を達成) → 計画通りに進んでいない" in html
    assert "↓ 計画通りに進んでいる → 計画通りに進んでいない" in html
    # R2 → R3: 未記入 is no movement
    assert "R2 → R3" not in page.text()


PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="%s" style="width:%dpx;height:3000px;border:0"></iframe>
<script>
document.getElementById("f").addEventListener("load", () => {
  let out;
  try {
    const d = document.getElementById("f").contentDocument, W = d.documentElement.clientWidth, bad = [];
    for (const e of d.querySelectorAll("body *")) {
      const r = e.getBoundingClientRect();
      if (r.width && r.right > W + 0.5) bad.push(e.tagName + "." + (e.className.baseVal ?? e.className) + ":" + Math.round(r.right));
    }
    out = {W, scroll: d.documentElement.scrollWidth, bad: bad.slice(0, 10), n: bad.length};
  } catch (x) { out = {error: String(x)}; }
  const p = document.createElement("pre"); p.id = "probe"; p.textContent = JSON.stringify(out);
  document.body.appendChild(p);
});
</script></body></html>
"""


@pytest.mark.skipif(chromium() is None, reason="Chromium がありません（apt-get install chromium）")
@pytest.mark.parametrize("width", [390, 1400])
def test_nothing_overflows_at_phone_and_desktop_width(tmp_path, width):
    """At 390 px the bars and the movement table ran off the page. The page is laid out
    in a frame of that width in a real Chromium, and every element must end inside it."""
    import json
    import re

    root = with_a_finished_one_falling_behind_and_a_new_year(tmp_path / "repo")
    for rec in small_records():                       # long unbroken texts in the tables too
        if rec["No"] == 5 and rec["年度"] == "R2":
            rec["報告"][1]["課題"] = "https://example.invalid/" + "a" * 120
            records.write_record(root, rec)
    out = tmp_path / "dash.html"
    report.write(root, out)
    probe = tmp_path / "probe.html"
    probe.write_text(PROBE % (out.name, width), encoding="utf-8")
    done = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--allow-file-access-from-files", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1500,900",
         "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()],
        capture_output=True, timeout=120, text=True)
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout)
    assert found, done.stderr[-2000:]
    result = json.loads(found.group(1).replace("&quot;", '"'))
    assert "error" not in result, result
    assert result["W"] <= width and result["scroll"] == result["W"], result
    assert result["n"] == 0, result

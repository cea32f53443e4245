"""Terminal column widths for Japanese text (full-width characters take two columns)."""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("F", "W") else 1 for ch in text)


def ljust(text: str, cols: int) -> str:
    return text + " " * max(0, cols - width(text))


def rjust(text: str, cols: int) -> str:
    return " " * max(0, cols - width(text)) + text


def clip(text: str, cols: int) -> str:
    """``text`` cut to at most ``cols`` columns, with … when cut."""
    if 2 * len(text) <= cols or width(text) <= cols:
        return text
    out, used = "", 0
    for ch in text:
        w = width(ch)
        if used + w > cols - 1:
            break
        out += ch
        used += w
    return out + "…"

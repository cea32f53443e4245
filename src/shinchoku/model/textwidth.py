"""Terminal column widths for Japanese text (full-width characters take two columns)."""

from __future__ import annotations

import unicodedata


class _Widths(dict):
    """Width of each character met so far (a dict lookup per character, in C, is far
    cheaper than asking unicodedata again: export sizes every cell of the sheet)."""

    def __missing__(self, ch: str) -> int:
        w = 2 if unicodedata.east_asian_width(ch) in ("F", "W") else 1
        self[ch] = w
        return w


_WIDTHS = _Widths()


def width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(map(_WIDTHS.__getitem__, text))


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

"""Word-level diff for Japanese text, by runs of one script.

Japanese has no spaces between words, so a line or whitespace diff of a long 実績
marks the whole paragraph as changed.  Here text is cut into *runs* of characters of
the same script — kanji, hiragana, katakana, Latin letters, digits, whitespace — with
each punctuation mark a run of its own.  「授業を3回実施した。」 becomes
授業 / を / 3 / 回実施 / した / 。, and a diff over those runs shows exactly the
phrase that was edited.

Pure functions, no I/O: used by the review (terminal and HTML) and the add-in sheet.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass

EQUAL, DELETE, INSERT = "=", "-", "+"

# A text at least this long (or with a line break) is shown as a word diff rather
# than as "before → after".
LONG_TEXT = 20


class _Scripts(dict):
    """Script class of each character met so far (review word-diffs hundreds of texts)."""

    def __missing__(self, ch: str) -> str:
        kind = self[ch] = _script_of(ch)
        return kind


_SCRIPTS = _Scripts()


def script_of(ch: str) -> str:
    """The script class of one character (what a run is made of)."""
    return _SCRIPTS[ch]


def _script_of(ch: str) -> str:
    code = ord(ch)
    if ch == "\n":
        return "newline"
    if ch.isspace():
        return "space"
    if 0x3041 <= code <= 0x309F:                       # hiragana (incl. ゝゞ)
        return "hiragana"
    if 0x30A0 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "katakana"                              # incl. ー and half-width kana
    if (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF
            or 0x20000 <= code <= 0x2FFFF or ch in "々〆〇ヶ"):
        return "kanji"
    if ch.isdigit():                                   # 0-9, ０-９ and other decimal digits
        return "digit"
    if ch.isalpha():                                   # Latin (incl. full-width Ａ-Ｚ) and others
        return "latin"
    category = unicodedata.category(ch)
    if category[0] in "PS":                            # punctuation and symbols: one run each
        return "punct"
    return "other"


def runs(text: str) -> list[str]:
    """``text`` cut into runs of one script; joining them gives ``text`` back."""
    from itertools import groupby

    out: list[str] = []
    for kind, group in groupby(text, _SCRIPTS.__getitem__):
        if kind == "punct" or kind == "newline":
            out.extend(group)               # each punctuation mark and line break on its own
        else:
            out.append("".join(group))
    return out


@dataclass(frozen=True)
class Piece:
    op: str     # EQUAL, DELETE or INSERT
    text: str


# SequenceMatcher is quadratic: beyond this many (runs x runs) the middle of the two texts
# (after their common beginning and end) is compared line by line, and beyond it again
# (lines x lines) shown as replaced whole.  A 3.5-million-character field then takes a
# moment, not hours.
MAX_WORK = 2_000_000


def diff(before: str, after: str) -> list[Piece]:
    """The edit from ``before`` to ``after`` as pieces; equal pieces joined with the
    deleted ones give ``before``, with the inserted ones ``after``."""
    before, after = before or "", after or ""
    if len(before) * len(after) > MAX_WORK:
        return _bounded(before, after)
    # The runs both texts begin and end with need no matching (a typical edit adds or
    # changes one sentence of a long 実績): SequenceMatcher, quadratic, sees only the runs
    # in between, and only those are cut into runs.  Where a run ends depends only on the
    # two characters either side, so the common beginning is found on the characters and
    # backed off to where both texts have a run boundary (the same for the end).
    head = _common_runs(before, after)
    rest_a, rest_b = before[head:], after[head:]
    tail = _common_runs(rest_a, rest_b, at_end=True)
    mid_a, mid_b = rest_a[:len(rest_a) - tail], rest_b[:len(rest_b) - tail]
    if not mid_a or not mid_b:                 # only added, or only removed: nothing to match
        middle = [Piece(DELETE, mid_a)] if mid_a else [Piece(INSERT, mid_b)] if mid_b else []
    else:
        middle = _opcodes(runs(mid_a), runs(mid_b))
    pieces = [Piece(EQUAL, before[:head])] if head else []
    pieces += middle
    if tail:
        pieces.append(Piece(EQUAL, before[len(before) - tail:]))
    return _trim_replacements(pieces)


def _boundary(text: str, i: int) -> bool:
    """Whether a run ends between ``text[i - 1]`` and ``text[i]`` (at either end: yes)."""
    if i <= 0 or i >= len(text):
        return True
    left, right = _SCRIPTS[text[i - 1]], _SCRIPTS[text[i]]
    return left != right or left == "punct" or left == "newline"


def _common_runs(a: str, b: str, *, at_end: bool = False) -> int:
    """The length of the runs ``a`` and ``b`` begin with alike (``at_end``: end with)."""
    n = _prefix_len(a[::-1], b[::-1]) if at_end else _prefix_len(a, b)

    def cut(text: str, k: int) -> bool:          # a run boundary k characters in (from the end)
        return _boundary(text, len(text) - k if at_end else k)

    if n == 0 or (cut(a, n) and cut(b, n)):
        return n
    k = n - 1                     # inside the common part both texts cut alike
    while k > 0 and not cut(a, k):
        k -= 1
    return k


def _prefix_len(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` begin with alike (slices compared in C)."""
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return n
    lo, hi = 0, n                 # a[:lo] == b[:lo], a[:hi] != b[:hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid
    return lo


def _bounded(before: str, after: str) -> list[Piece]:
    """:func:`diff` for texts too long to compare run by run everywhere."""
    n = _prefix_len(before, after)
    m = _prefix_len(before[n:][::-1], after[n:][::-1])
    a_mid, b_mid = before[n:len(before) - m], after[n:len(after) - m]
    head = [Piece(EQUAL, before[:n])] if n else []
    tail = [Piece(EQUAL, before[len(before) - m:])] if m else []
    a_runs, b_runs = runs(a_mid) if len(a_mid) <= MAX_WORK else None, runs(b_mid) if len(b_mid) <= MAX_WORK else None
    if a_runs is not None and b_runs is not None and len(a_runs) * len(b_runs) <= MAX_WORK:
        middle = _opcodes(a_runs, b_runs)
    else:
        a_lines, b_lines = a_mid.splitlines(keepends=True), b_mid.splitlines(keepends=True)
        if len(a_lines) * len(b_lines) <= MAX_WORK:
            middle = _opcodes(a_lines, b_lines)
        else:
            middle = [p for p in (Piece(DELETE, a_mid), Piece(INSERT, b_mid)) if p.text]
    return _trim_replacements(head + middle + tail)


def _opcodes(a: list[str], b: list[str]) -> list[Piece]:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    pieces: list[Piece] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if pieces and pieces[-1].op == op:
            pieces[-1] = Piece(op, pieces[-1].text + text)
        else:
            pieces.append(Piece(op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add(EQUAL, "".join(a[i1:i2]))
        else:
            add(DELETE, "".join(a[i1:i2]))
            add(INSERT, "".join(b[j1:j2]))
    return pieces


def _trim_replacements(pieces: list[Piece]) -> list[Piece]:
    """In a run replaced by another (「実施」→「年3回実施」), keep a common beginning or
    end of two characters or more as unchanged text: 「{+年3回+}実施」."""
    out: list[Piece] = []
    i = 0
    while i < len(pieces):
        p = pieces[i]
        nxt = pieces[i + 1] if i + 1 < len(pieces) else None
        if p.op == DELETE and nxt is not None and nxt.op == INSERT:
            a, b = p.text, nxt.text
            pre = _prefix_len(a, b)
            pre = pre if pre >= 2 else 0
            suf = _prefix_len(a[pre:][::-1], b[pre:][::-1])
            suf = suf if suf >= 2 else 0
            parts = [Piece(EQUAL, a[:pre]), Piece(DELETE, a[pre:len(a) - suf]),
                     Piece(INSERT, b[pre:len(b) - suf]), Piece(EQUAL, a[len(a) - suf:])]
            for q in parts:
                if q.text:
                    _join(out, q)
            i += 2
            continue
        _join(out, p)
        i += 1
    return out


def _join(out: list[Piece], piece: Piece) -> None:
    """Append ``piece``, merged into the last one when it is of the same kind."""
    if out and out[-1].op == piece.op:
        out[-1] = Piece(piece.op, out[-1].text + piece.text)
    else:
        out.append(piece)


def changed_share(pieces: list[Piece]) -> float:
    """How much of the longer text was edited (0.0 – 1.0)."""
    changed = sum(len(p.text) for p in pieces if p.op != EQUAL)
    total = sum(len(p.text) for p in pieces)
    return changed / total if total else 0.0


REWRITTEN = 0.6          # more of the text changed than this: rewritten, not edited


def rewritten(pieces: list[Piece]) -> bool:
    """Whether the text was rewritten rather than edited (most of it changed), in which
    case before and after read better whole than as a word diff."""
    return changed_share(pieces) > REWRITTEN


def edit(before: str | None, after: str | None) -> list[Piece] | None:
    """The word diff of a change, or None when the text was rewritten (:func:`rewritten`).

    Texts of very different lengths are known to be rewritten without comparing them: at
    most the shorter text can be unchanged, and the changed share only falls as more is
    unchanged, so with ``m`` the shorter length and ``n`` both lengths together the share
    is at least (n - 2m) / (n - m)."""
    before, after = before or "", after or ""
    n, m = len(before) + len(after), min(len(before), len(after))
    if n > m and (n - 2 * m) / (n - m) > REWRITTEN:
        return None
    pieces = diff(before, after)
    return None if rewritten(pieces) else pieces


def is_long(before: str | None, after: str | None) -> bool:
    """Whether a change is best shown as a word diff (both sides present and long)."""
    if not before or not after:
        return False
    return any(len(t) >= LONG_TEXT or "\n" in t for t in (before, after))


def render_text(pieces: list[Piece], color: bool = False) -> str:
    """A one-string rendering for the terminal: ``[-削除-]{+追加+}`` (git's word-diff
    markers), or red/green when ``color``."""
    out = []
    for p in pieces:
        if p.op == EQUAL:
            out.append(p.text)
        elif p.op == DELETE:
            out.append(f"\x1b[31;9m{p.text}\x1b[0m" if color else f"[-{p.text}-]")
        else:
            out.append(f"\x1b[32;4m{p.text}\x1b[0m" if color else f"{{+{p.text}+}}")
    return "".join(out)


def context(pieces: list[Piece], keep: int = 20) -> list[Piece]:
    """The pieces with long unchanged stretches shortened to ``keep`` characters on
    each side of an edit (``…`` marks what was left out)."""
    out: list[Piece] = []
    last = len(pieces) - 1
    for i, p in enumerate(pieces):
        if p.op != EQUAL or len(p.text) <= 2 * keep + 1:
            out.append(p)
            continue
        head = p.text[:keep] if i > 0 else ""
        tail = p.text[-keep:] if i < last else ""
        out.append(Piece(EQUAL, head + "…" + tail))
    return out

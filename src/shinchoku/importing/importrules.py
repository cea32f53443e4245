"""How the importer reads a row's year blocks the way a careful clerk would.

A row of the exported sheet, after its fixed columns (No … 計画), is a run of cells:
進捗状況 values and texts.  Empty cells were dropped by the export, so columns alone
cannot tell which year and which field a text belongs to.  A clerk uses more:

- a 進捗状況 cell starts a year block (:data:`Rule.STATUS_START`), in the column order
  of the page's own header (:data:`Rule.COLUMN`);
- the fiscal year a text names (平成30年度, 令和2年度, 3年度に, R2.4.1現在) and events
  with known dates (コロナ, 緊急事態宣言): a result cannot name a year after its
  slot's, an action for the next year not more than one after (:data:`Rule.NAMED_YEAR`);
- the field order 実績 → 課題 → 次年度へ向けた取組 → 備考, filling 実績 first
  (:data:`Rule.FIELD_ORDER`), and what a text says (a result, a problem, an action, a
  remark: :data:`Rule.CONTENT`);
- a cell that continues its neighbour (「また、…」) joins it (:data:`Rule.CONTINUATION`);
- a text identical to one already placed for the same department and year is a
  repeat of the export (:data:`SetAside.REPEAT`), never a unique one.

:func:`align_year_blocks` weighs all of these at once (a small dynamic programme
over the row) and says, for every cell, where it went, whether that is certain and
which rules the placement rests on.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Protocol, Sequence

from shinchoku.model import plan as plan_mod
from shinchoku.model import schema


class Rule(enum.Enum):
    """A rule a placement rests on (the value is what the report says)."""

    STATUS_START = "進捗状況のセルを年度の始まりとした"
    COLUMN = "列の位置"
    MISSING_STATUS = "進捗状況のセルがない年度に続きのセルを入れた"
    NAMED_YEAR = "文中の年度・時期"
    FIELD_ORDER = "項目の順（実績→課題→次年度へ向けた取組→備考、実績から）"
    CONTENT = "書きぶり（結果・課題・取組・備考）"
    CONTINUATION = "前のセルの続きの文"
    ROW_SHIFT = "行全体のずれ"
    RESTORED_NO = "抜けていたNoの補い"
    SPLIT_DEPARTMENTS = "1つのセルの2つの課名"
    HEADER = "見出しの読み方"
    OVERRIDE = "取り込みの指定（import-overrides.yaml）"


class NoteKind(enum.Enum):
    GUESSED = "guessed"          # placed, but on a rule (Note.rules say which)
    NORMALISED = "normalised"    # a value corrected (a known extraction error)
    CUT_SHORT = "cut_short"      # the text may have been cut by the export
    OVERRIDDEN = "overridden"    # placed where the overrides file says
    SET_ASIDE = "set_aside"      # not placed (Note.reason says why)
    INFO = "info"


class SetAside(enum.Enum):
    """Why a cell was not placed (the value is the report's heading for the reason)."""

    REPEAT = "同じ課・同じ年度にすでに同じ文があるもの（書き出しの繰り返し）"
    NO_SLOT = "置ける項目が残っていないもの"
    DUPLICATE_ROW = "同じ行・見出しの繰り返し"
    STRAY_TITLE = "施策名だけの行"
    OUTSIDE = "表の外のセル"
    UNKNOWN = "どの施策・項目か決められないもの"
    CONFLICT = "すでに別の値があるもの"


@dataclass(frozen=True)
class Note:
    kind: NoteKind
    text: str
    rules: tuple[Rule, ...] = ()
    reason: SetAside | None = None

    def __str__(self) -> str:
        return self.text


def guessed(text: str, *rules: Rule) -> Note:
    return Note(NoteKind.GUESSED, text, tuple(dict.fromkeys(rules)))


def set_aside(text: str, reason: SetAside) -> Note:
    return Note(NoteKind.SET_ASIDE, text, (), reason)


# ----------------------------------------------------------------------------- named years

_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_ERA_BASE = {"平成": 1988, "H": 1988, "令和": 2018, "R": 2018}

# 【令和2年度提案事業数】: the bracket names the text's own year.
_BRACKET = re.compile(r"【[^】]*?(平成|令和)([0-9０-９]{1,2}|元)年度[^】]*】")
# R2.4.1現在 / H29.4.1現在: a snapshot taken on that date.
_ASOF = re.compile(r"(H|R)([0-9０-９]{1,2}|元)\.([0-9]{1,2})\.([0-9]{1,2})\s*現在")
# 3年度に / 令和3年度末で / 平成30年度は: the period the sentence is about.
_PERIOD = re.compile(r"(平成|令和)?([0-9０-９]{1,2}|元)年度(?:に|は|末で|末に|中に)")
# 令和元年5月に (a date, read as its fiscal year)
_DATE = re.compile(r"(平成|令和)([0-9０-９]{1,2}|元)年([0-9０-９]{1,2})月に")
# Events with known dates: the earliest fiscal year a text mentioning them can be about.
EVENTS: tuple[tuple[re.Pattern[str], int, str], ...] = (
    (re.compile(r"緊急事態"), 2020, "緊急事態宣言（2020年4月〜）"),
    (re.compile(r"コロナ"), 2019, "新型コロナウイルス感染症（2020年1月〜）"),
)


def _year(era: str | None, number: str) -> int:
    n = 1 if number == "元" else int(number.translate(_DIGITS))
    if era is None:
        era = "平成" if n >= 20 else "令和"     # bare 28年度 / 3年度 as the sheet writes them
    return _ERA_BASE[era] + n


@dataclass(frozen=True)
class Dated:
    """What a text says about its own period (western fiscal years)."""

    named: int | None = None       # the latest fiscal year it names as its own period
    asof: int | None = None        # a snapshot date's fiscal year (R2.4.1現在)
    earliest: int | None = None    # an event it mentions happened in this fiscal year or later
    evidence: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.named is not None or self.asof is not None or self.earliest is not None


def dated(text: str) -> Dated:
    named: list[int] = []
    evidence: list[str] = []
    asof = None
    for m in _ASOF.finditer(text):
        year = _year(m.group(1), m.group(2))
        month = int(m.group(3))
        asof = year if month >= 4 else year - 1
        evidence.append(m.group(0))
    for m in _BRACKET.finditer(text):
        named.append(_year(m.group(1), m.group(2)))
        evidence.append(m.group(0))
    for m in _PERIOD.finditer(text):
        named.append(_year(m.group(1), m.group(2)))
        evidence.append(m.group(0))
    for m in _DATE.finditer(text):
        year, month = _year(m.group(1), m.group(2)), int(m.group(3).translate(_DIGITS))
        named.append(year if month >= 4 else year - 1)
        evidence.append(m.group(0))
    earliest = None
    for pattern, year, label in EVENTS:
        if pattern.search(text):
            earliest = max(earliest or 0, year)
            evidence.append(label)
    return Dated(max(named) if named else None, asof, earliest, tuple(evidence))


def year_allows(d: Dated, field_name: str, year: str) -> bool:
    """Whether a text dated ``d`` can be the ``field_name`` of fiscal year ``year``.

    A result or a problem is about its own year: it names no later year and mentions
    no later event.  An action for the next year may look one year ahead.  A remark
    may name plans of any year, but mentions no event more than a year ahead.
    """
    y = plan_mod.western_year(year)
    if field_name in ("実績", "課題"):
        limit = y
    elif field_name == "次年度へ向けた取組":
        limit = y + 1
    else:
        return d.earliest is None or d.earliest <= y + 1
    if d.named is not None and d.named > limit:
        return False
    if d.asof is not None and d.asof > limit:
        return False
    return d.earliest is None or d.earliest <= limit


# ----------------------------------------------------------------------------- content

# What a text says, judged mostly by how its sentences end (the first sentence counts
# double): a result ends in the past (…した。), a problem names a need or a lack
# (…必要がある。), an action looks ahead (…する。…していく。), a remark is a note.
_ENDINGS: dict[str, re.Pattern[str]] = {
    "実績": re.compile(r"(?:した|った|んだ|できた|えた|れた|けた|めた|開催|実施|修了|締結|策定|完了|発行|掲載)$"),
    "課題": re.compile(r"(?:必要(?:がある|である|だ)?|困難である|課題(?:である|だ)?|少ない|不足している|弱い|足りない|できていない|ていない|ない|限界がある|しなければならぬ|にくい)$"),
    "次年度へ向けた取組": re.compile(r"(?:する|行う|いく|図る|目指す|努める|進める|促す|働きかける|取り組む|続ける|広げる|定める|づくり|検討)$"),
}
_KEYWORDS: dict[str, tuple[tuple[re.Pattern[str], float], ...]] = {
    "実績": ((re.compile(r"【|[0-9０-９]+(?:回|名|件|団体|事業)|現在[0-9０-９.]+%"), 1.0),),
    "課題": ((re.compile(r"課題|困難|不足|不十分|少なく"), 1.0),),
    "次年度へ向けた取組": ((re.compile(r"^[・①]?(?:引き続き|継続して|今後|次年度|来年度|前年度実施できなかった)"), 1.5),),
    "備考": ((re.compile(r"^※|指定管理者業務に移管|予定している|[0-9０-９]+月～"), 3.0),),
}
_SENTENCE = re.compile(r"[^。]+。?")


def content_scores(text: str) -> dict[str, float]:
    """How much ``text`` reads like each free-text field of a report (the schema's; the
    hints above are about the sheet's own four)."""
    scores = dict.fromkeys(schema.shape().text_fields, 0.0)
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(text) if m.group(0).strip(" 。")]
    for k, sentence in enumerate(sentences):
        end = sentence.rstrip("。 ").rstrip()
        for f, pattern in _ENDINGS.items():
            if pattern.search(end):
                if f in scores:
                    scores[f] += 2.0 if k == 0 else 1.0
                break
    for f, hints in _KEYWORDS.items():
        if f in scores:
            scores[f] += sum(w for p, w in hints if p.search(text))
    return scores


_CONTINUATION = re.compile(r"^(?:また|なお|さらに|加えて|あわせて|併せて)[、，,]")


def is_continuation(text: str) -> bool:
    """A cell that continues the sentence before it (the export split one cell in two)."""
    return bool(_CONTINUATION.match(text.strip()))


# ----------------------------------------------------------------------------- alignment


class CellLike(Protocol):
    line: int
    col: int
    text: str


class BlockLike(Protocol):
    year: str
    start: int
    fields: list[str]


@dataclass
class Decision:
    """Where one cell of a row's year blocks went."""

    cell: CellLike
    action: str                 # status | field | join | repeat | unplaced
    block: int = -1             # index into the blocks
    field_name: str = ""        # the field (for join: the field joined)
    certain: bool = False
    rules: list[Rule] = field(default_factory=list)
    reason: str = ""


# Costs (a column of displacement of a 進捗状況 cell costs 1).
W_COL = 1.0            # per column a 進捗状況 sits from its block's start
W_OFF_COLUMN = 2.0     # per column a text sits off its field in a block whose both ends are where the header says
W_TEXT_COL = 0.1       # per column a text sits from its field's column (weak: cells were dropped)
W_EMPTY_YEAR = 4.0     # a year of the row left with nothing
W_NO_STATUS = 1.5      # texts put in a year whose 進捗状況 cell is missing
W_SKIP_FIELD = 0.6     # an earlier field left empty (実績 is filled first)
W_ORDER = 2.5          # a field placed before one already filled
W_JOIN = 0.4           # a continuation joined to the cell before it
W_REPEAT = 0.3         # a repeat of a text already placed for the year, in a repeated run
W_LONE_REPEAT = 2.0    # a single repeated text amid new ones
W_STATUS_REPEAT = 1.0  # a 進捗状況 repeating its year's (plus its columns outside the block)
W_FRESH_SKIP = 1.0     # per field left empty before the first text of a year without 進捗状況
W_UNPLACED = 12.0      # a cell left out
INF = float("inf")


def _content_cost(scores: dict[str, float], name: str) -> float:
    """What placing a text in ``name`` costs against what it says (0 when it fits best)."""
    best = max(scores.values(), default=0.0)
    return max(0.0, best - scores.get(name, 0.0))


def align_year_blocks(cells: Sequence[CellLike], blocks: Sequence[BlockLike], offset: int,
                      is_status, status_value=lambda t: t) -> list[Decision]:
    """Decide year block and field for every cell of a row's data part.

    ``cells`` keep their order; a 進捗状況 value starts a year block (or repeats the
    one of its year); texts fill the fields of the current year, or of a later year
    whose 進捗状況 cell was dropped.  The cheapest reading under the costs above wins.
    """
    n = len(cells)
    if n == 0:
        return []
    texts = [c.text for c in cells]
    status = [bool(is_status(t)) for t in texts]
    scores = [content_scores(t) if not s else {} for t, s in zip(texts, status)]
    dates = [dated(t) if not s else Dated() for t, s in zip(texts, status)]
    rel = [c.col - offset for c in cells]
    nb = len(blocks)
    fields = [list(b.fields[1:]) for b in blocks]
    memo: dict[tuple, tuple[float, tuple]] = {}
    # where each text occurs: a cell repeats its year's run when the text occurred since the run's start
    occurrences: dict[str, list[int]] = {}
    for k, t in enumerate(texts):
        occurrences.setdefault(t, []).append(k)

    base_cost: dict[tuple[int, int, int], float] = {}
    status_cols = sorted({r for r, st in zip(rel, status) if st})

    def closed(scol: int, b: int) -> bool:
        """Whether the next 進捗状況 in the row sits exactly where block ``b`` ends."""
        later = [c for c in status_cols if c > scol]
        return bool(later) and later[0] == blocks[b].start + len(blocks[b].fields)

    def text_cost(i: int, b: int, f: int, used: int, last: int, scol: int | None) -> float:
        key = (i, b, f)
        if key not in base_cost:
            name = fields[b][f]
            if not year_allows(dates[i], name, blocks[b].year):
                base_cost[key] = INF
            else:
                base_cost[key] = (_content_cost(scores[i], name)
                                  + W_TEXT_COL * abs(rel[i] - (blocks[b].start + 1 + f)))
        cost = base_cost[key]
        if scol is not None and scol == blocks[b].start and cost < INF:
            # With its year's 進捗状況 where the header puts it and the next year's too,
            # nothing was dropped in between: the column is the field.
            if closed(scol, b):
                cost += W_OFF_COLUMN * abs(rel[i] - scol - 1 - f)
        if cost == INF:
            return cost
        cost += W_SKIP_FIELD * bin(~used & ((1 << f) - 1)).count("1")
        if last >= 0 and f < last:
            cost += W_ORDER
        return cost

    def outside(i: int, b: int) -> int:
        """Columns a cell sits outside block ``b``'s span (0 inside)."""
        lo, hi = blocks[b].start, blocks[b].start + len(blocks[b].fields) - 1
        return max(0, lo - rel[i], rel[i] - hi)

    TEXT, REPEATED, OTHER = 1, 2, 0
    next_status = [n] * (n + 1)
    for k in range(n - 1, -1, -1):
        next_status[k] = k if status[k] else next_status[k + 1]

    def spill_allowed(i: int, b: int, used: int, last: int) -> bool:
        """Whether text ``i`` may start the next year, whose 進捗状況 is missing: only when
        the texts before the next 進捗状況 outnumber the fields left in this year (after
        the last one filled), or the text cannot be in this year at all."""
        if b < 0:
            return True
        left = [f for f in range(last + 1, len(fields[b])) if not used & (1 << f)]
        if next_status[i] - i > len(left):
            return True
        return not any(year_allows(dates[i], fields[b][f], blocks[b].year)
                       for f in range(len(fields[b])) if not used & (1 << f))

    def go(i: int, b: int, used: int, start: int, prev: int, anchor: int = -1) -> tuple[float, tuple]:
        """Cheapest reading of cells[i:] given the state after cells[:i] (the year's
        block ``b``, its fields ``used``, where its run started, what the last cell was)."""
        if i == n:
            return W_EMPTY_YEAR * (nb - 1 - b), ()
        last = used.bit_length() - 1
        # the year's 進捗状況 measures the columns (none after a repeated one: the run moved)
        scol = rel[anchor] if anchor >= 0 and anchor == start else None
        # the run's start matters only through its 進捗状況's column and the texts in it that come again later
        key = (i, b, used, prev, scol, anchor == start, tuple(t for t in dict.fromkeys(texts[start:i]) if occurrences[t][-1] >= i))
        if key in memo:
            return memo[key]
        options: list[tuple[float, tuple, tuple]] = []
        # a cell already in this year's run (same text): a repeat of the export
        if b >= 0 and any(start <= k < i for k in occurrences[texts[i]]):
            if status[i]:
                cost = W_STATUS_REPEAT + W_COL * outside(i, b)
            else:
                # cheap within a repeated run (the export repeated a whole group), dear alone
                run = prev == REPEATED or (i + 1 < n and any(start <= k <= i for k in occurrences[texts[i + 1]]))
                cost = W_REPEAT if run else W_LONE_REPEAT
            c, rest = go(i + 1, b, used, start, REPEATED, i if status[i] else anchor)
            options.append((cost + c, ("repeat", b, -1), rest))
        if status[i]:
            for b2 in range(b + 1, nb):
                gap = b2 - b - 1 if b >= 0 else b2
                cost = W_COL * abs(rel[i] - blocks[b2].start) + W_EMPTY_YEAR * gap
                c, rest = go(i + 1, b2, 0, i, OTHER, i)
                options.append((cost + c, ("status", b2, -1), rest))
        else:
            if b >= 0:
                for f in range(len(fields[b])):
                    if used & (1 << f):
                        continue
                    cost = text_cost(i, b, f, used, last, scol)
                    if cost < INF:
                        c, rest = go(i + 1, b, used | (1 << f), start, TEXT, anchor)
                        options.append((cost + c, ("field", b, f), rest))
                if prev == TEXT and is_continuation(texts[i]):
                    c, rest = go(i + 1, b, used, start, TEXT, anchor)
                    options.append((W_JOIN + c, ("join", b, -1), rest))
            for b2 in range(b + 1, min(b + 2, nb)) if spill_allowed(i, b, used, last) else ():
                gap = 0
                for f in range(len(fields[b2])):
                    cost = text_cost(i, b2, f, 0, -1, None)
                    if cost < INF:
                        cost += W_NO_STATUS + W_EMPTY_YEAR * gap + W_FRESH_SKIP * f
                        c, rest = go(i + 1, b2, 1 << f, i, TEXT)
                        options.append((cost + c, ("field", b2, f), rest))
        if not options:     # a cell is left out only when it fits nowhere
            c, rest = go(i + 1, b, used, start, OTHER, anchor)
            options.append((W_UNPLACED + c, ("unplaced", b, -1), rest))
        best = min(options, key=lambda o: o[0])
        memo[key] = (best[0], (best[1], *best[2]))
        return memo[key]

    _cost, steps = go(0, -1, 0, 0, OTHER)
    return _explain(cells, blocks, offset, steps, status, scores, dates, fields, status_value)


def _explain(cells, blocks, offset, steps, status, scores, dates, fields, status_value) -> list[Decision]:
    """Turn the chosen steps into decisions, with certainty and the rules they rest on."""
    out: list[Decision] = []
    n_status_years = sum(1 for s in steps if s[0] == "status")
    one_per_year = n_status_years == len(blocks) and sum(status) == len(blocks)
    # per year: the cells placed in it, to judge the certainty of fields
    by_year: dict[int, list[int]] = {}
    status_of: dict[int, int] = {}
    for k, (action, b, _f) in enumerate(steps):
        if action == "status":
            status_of[b] = k
        if action in ("field", "join"):
            by_year.setdefault(b, []).append(k)
    last_field = ""
    for k, (action, b, f) in enumerate(steps):
        cell = cells[k]
        rel = cell.col - offset
        d = Decision(cell, action, b)
        if action == "status":
            d.certain = one_per_year and rel == blocks[b].start and all(
                action2 in ("status", "field") for action2, b2, _f2 in steps if b2 == b)
            if not d.certain:
                d.rules = [Rule.STATUS_START, Rule.COLUMN]
        elif action == "field":
            name = fields[b][f]
            d.field_name = last_field = name
            year_certain = b in status_of and one_per_year and cells[status_of[b]].col - offset == blocks[b].start
            members = by_year.get(b, [])
            in_order = [steps[m][2] for m in members if steps[m][0] == "field"]
            complete = (len(members) == len(fields[b]) and in_order == sorted(in_order)
                        and all(steps[m][0] == "field" for m in members))
            at_column = all(cells[m].col - offset == blocks[b].start + 1 + steps[m][2]
                            for m in members if steps[m][0] == "field")
            next_status = [s for bb, s in status_of.items() if bb > b]
            block_closed = (not next_status
                            or cells[min(next_status)].col - offset == blocks[b].start + len(blocks[b].fields))
            clean = all(action2 in ("status", "field") for action2, b2, _f2 in steps if b2 == b)
            field_certain = clean and (complete or (at_column and block_closed))
            d.certain = year_certain and field_certain
            if not d.certain:
                rules: list[Rule] = []
                if b not in status_of:
                    rules.append(Rule.MISSING_STATUS)
                elif not year_certain:
                    rules += [Rule.STATUS_START, Rule.COLUMN]
                if dates[k]:
                    rules.append(Rule.NAMED_YEAR)
                if not field_certain:
                    rules.append(Rule.FIELD_ORDER)
                    if any(scores[k].values()):
                        rules.append(Rule.CONTENT)
                d.rules = rules
        elif action == "join":
            d.field_name = last_field
            d.rules = [Rule.CONTINUATION]
        out.append(d)
    return out

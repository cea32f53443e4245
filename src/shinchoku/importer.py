"""Import the published progress sheet (tab-separated export of the PDF) into records.

The export is messy: empty cells were sometimes dropped (so a row's cells sit left of
their header), some rows start one or more columns to the right, headers differ from
page to page, a few rows lost their No, stray rows repeat a title or a goal line.

How it works, per page:

1. The page header gives the fixed columns (No … 計画 R1–R3) and the fiscal-year blocks
   with their fields.  Field lists that name a specific year (``R2年度へ向けた取組``)
   are trusted over generic ones for that year on every page.
2. Every data row is *aligned* to that column grid by dynamic programming: cells keep
   their order; a 進捗状況 value may only sit in a 進捗状況 column and nothing else may;
   each cell costs its distance from its own column; a cell that fits nowhere is left
   unplaced (reported).  The whole row may be offset (rows that start to the right).
3. Block positions are calibrated from the page's own rows (where all rows put a
   year's 進捗状況 in the same other column, the block moves there), then rows are
   aligned again.

Every non-empty source cell ends in the :class:`Ledger`: placed in a record or the
plan (certain or guessed), a heading, or unplaced with a reason.  Nothing is dropped
silently and nothing is guessed without being reported.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import plan as plan_mod
from .errors import ShinchokuError

# ----------------------------------------------------------------------------- vocab

STATUS_FIX = {"計画通りに入っている": "計画通りに進んでいる", "計画通りに入っていない": "計画通りに進んでいない"}
FIXED = ["No", "施策名", "主管課", "関係課", "事業内容"]
_DEFAULT_FIELDS = ["実績", "課題", "次年度へ向けた取組", "備考"]
FIELD_ALIASES = {"進捗状況": "進捗状況", "実績": "実績", "課題": "課題", "次年度へ向けた取組": "次年度へ向けた取組", "備考": "備考"}
_YEAR_LABEL = re.compile(r"^(?:H|R)[0-9]{1,2}$")
_NEXT_YEAR = re.compile(r"^(?:H|R)[0-9]{1,2}年度へ向けた取組$")
_STRATEGY = re.compile(r"^推進方策\s*([0-9０-９]+)\s*(.*)$")
_GOAL = re.compile(r"^目標\s*[(（]\s*([0-9０-９]+)\s*[)）]\s*(.*)$")
_TITLE = re.compile(r"^(?P<name>.+?)[(（](?P<period>[^)）]*)[)）]\s*進行管理シート\s*$")
_SENTENCE_END = tuple("。．.」）)！!？?】")
_DEPT = re.compile(r"^[^\s、。,]{1,15}(?:課|室|局|部|係|センター)$")

# Costs of the alignment (a cell's displacement from its column costs its distance).
_UNPLACED = 7.0       # leaving a cell out costs as much as a 7-column shift
_RIGHT_SHIFT = 1.25   # a cell found right of its column (rarer than dropped cells)


def _int(text: str) -> int:
    return int(text.translate(str.maketrans("０１２３４５６７８９", "0123456789")))


@dataclass(frozen=True)
class Cell:
    line: int      # 1-based line of the source file
    col: int       # 0-based column (tab-separated)
    text: str

    @property
    def where(self) -> str:
        return f"{self.line}行目・{self.col + 1}列目"


@dataclass
class Entry:
    """What happened to one non-empty source cell."""

    cell: Cell
    kind: str          # placed | heading | unplaced
    target: str = ""   # e.g. "records/R2/05.yaml 報告[指導室].課題" or "plan.yaml No 5 事業内容"
    notes: list[str] = field(default_factory=list)   # guessed / normalised / cut short …


@dataclass
class Ledger:
    entries: dict[tuple[int, int], Entry] = field(default_factory=dict)
    page_notes: list[str] = field(default_factory=list)

    def put(self, cell: Cell, kind: str, target: str = "", *notes: str) -> Entry:
        entry = Entry(cell, kind, target, [n for n in notes if n])
        self.entries[(cell.line, cell.col)] = entry
        return entry

    def note(self, cell: Cell, note: str) -> None:
        self.entries[(cell.line, cell.col)].notes.append(note)


@dataclass
class ImportResult:
    plan: dict[str, Any]
    records: list[dict[str, Any]]
    ledger: Ledger
    source_name: str
    cell_count: int


# ----------------------------------------------------------------------------- reading


def read_cells(text: str) -> list[list[Cell]]:
    """Rows of non-empty cells (source line numbers kept)."""
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        rows.append([Cell(number, col, c) for col, c in enumerate(line.split("\t")) if c.strip()])
    return rows


def is_status(text: str) -> bool:
    return text in STATUS_FIX or text in _STATUSES


_STATUSES = ("計画通りに進んでいる", "計画通りに進んでいない", "完了(目標を達成)", "計画を変更して実施している")


# ----------------------------------------------------------------------------- headers


@dataclass
class Block:
    year: str
    start: int
    fields: list[str]          # 進捗状況 first

    @property
    def end(self) -> int:      # exclusive
        return self.start + len(self.fields)


@dataclass
class Page:
    number: int
    header_cells: list[Cell]
    plan_years: list[str]
    blocks: list[Block]
    rows: list[list[Cell]] = field(default_factory=list)
    block_years: list[str] = field(default_factory=list)
    block_fields: list[list[str]] = field(default_factory=list)


def _field_row_blocks(cells: list[Cell]) -> list[list[str]]:
    blocks: list[list[str]] = []
    for c in cells:
        name = "次年度へ向けた取組" if _NEXT_YEAR.match(c.text) else FIELD_ALIASES.get(c.text)
        if name is None:
            continue
        if name == "進捗状況":
            blocks.append([name])
        elif blocks:
            blocks[-1].append(name)
    return blocks


def _parse_header(number: int, header_rows: list[list[Cell]]) -> tuple[list[str], list[str], list[list[str]]]:
    """(plan years, fiscal years of the blocks, fields of each block as the field row has them).

    The year row reads e.g. ``R1 R2 R3 H29 H30 R1 R2``: the 計画 years, then the
    fiscal years of the blocks; the blocks' years start where the years go back.
    """
    field_row = next((r for r in header_rows if sum(c.text == "進捗状況" for c in r) >= 2), [])
    tokens = [c.text for r in header_rows if r is not field_row for c in r if _YEAR_LABEL.match(c.text)]
    split = 0
    for k in range(1, len(tokens)):
        if plan_mod.western_year(tokens[k]) <= plan_mod.western_year(tokens[k - 1]):
            split = k
            break
    plan_years, block_years = tokens[:split], tokens[split:]
    return plan_years, block_years, _field_row_blocks(field_row)


# ----------------------------------------------------------------------------- alignment

# Column kinds of the fixed part and what may sit in them.
def _fits(kind: str, text: str) -> bool:
    status = is_status(text)
    if kind == "進捗状況":
        return status
    if status:
        return False
    if kind == "No":
        return bool(re.fullmatch(r"[0-9０-９]{1,3}", text))
    if kind in ("主管課",):
        return all(_DEPT.match(p) for p in text.split())
    if kind == "関係課":
        return len(text) <= 20 and "。" not in text
    if kind == "施策名":
        return len(text) <= 40 and "。" not in text and not re.fullmatch(r"[0-9０-９]{1,3}", text)
    if kind == "計画":
        return len(text) <= 12 and "。" not in text
    if kind == "事業内容":
        return len(text) > 12 or "。" in text
    return True  # free text fields


@dataclass(frozen=True)
class Slot:
    col: int
    kind: str            # No 施策名 主管課 関係課 事業内容 計画 進捗状況 or a text field
    year: str = ""       # plan year (計画) or fiscal year (block fields)


def _fixed_slots(page: Page) -> list[Slot]:
    """The columns before the year blocks: No 施策名 主管課 関係課 事業内容 計画(R1…)."""
    slots = [Slot(i, k) for i, k in enumerate(FIXED)]
    slots += [Slot(len(FIXED) + i, "計画", y) for i, y in enumerate(page.plan_years)]
    return slots


@dataclass
class Group:
    """A 進捗状況 cell and the text cells after it, up to the next 進捗状況."""

    status: Cell | None
    cells: list[Cell]

    @property
    def col(self) -> int:
        return self.status.col if self.status is not None else self.cells[0].col


def split_groups(cells: list[Cell]) -> list[Group]:
    groups: list[Group] = []
    for c in cells:
        if is_status(c.text):
            groups.append(Group(c, []))
        elif groups:
            groups[-1].cells.append(c)
        else:
            groups.append(Group(None, [c]))
    return groups


_GROUP_UNPLACED = 20.0


def assign_groups(groups: list[Group], blocks: list[Block], offset: int) -> list[Block | None]:
    """Which fiscal year each group reports.

    As many groups as years or more: in order (surplus groups, repeats seen in the
    export, are left unplaced).  Fewer: by column position, keeping the order.
    """
    if len(groups) >= len(blocks):
        return [*blocks, *([None] * (len(groups) - len(blocks)))]
    n, m = len(groups), len(blocks)
    INF = float("inf")
    best = [[INF] * (m + 1) for _ in range(n + 1)]
    move: list[list[tuple[int, int, bool] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    for j in range(m + 1):
        best[0][j] = 0.0
    for i in range(1, n + 1):
        g = groups[i - 1]
        for j in range(m + 1):
            cost, choice = best[i - 1][j] + _GROUP_UNPLACED, (i - 1, j, False)
            if j > 0:
                if best[i][j - 1] < cost:
                    cost, choice = best[i][j - 1], (i, j - 1, False)
                if best[i - 1][j - 1] < INF:
                    c = best[i - 1][j - 1] + abs(blocks[j - 1].start - (g.col - offset))
                    if c < cost:
                        cost, choice = c, (i - 1, j - 1, True)
            best[i][j], move[i][j] = cost, choice
    out: list[Block | None] = [None] * n
    i, j = n, m
    while i > 0:
        pi, pj, placed = move[i][j]  # type: ignore[misc]
        if placed:
            out[i - 1] = blocks[j - 1]
        i, j = pi, pj
    return out


def _align(cells: list[Cell], slots: list[Slot], offset: int) -> tuple[float, list[Slot | None]]:
    """Monotone assignment of cells to slots minimising displacement (None = unplaced)."""
    n, m = len(cells), len(slots)
    INF = float("inf")
    # best[i][j]: cost of placing cells[:i] using slots[:j]
    best = [[INF] * (m + 1) for _ in range(n + 1)]
    move: list[list[tuple[int, int, bool] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    for j in range(m + 1):
        best[0][j] = 0.0
    for i in range(1, n + 1):
        cell = cells[i - 1]
        for j in range(0, m + 1):
            # leave cell unplaced
            cost = best[i - 1][j] + _UNPLACED
            choice = (i - 1, j, False)
            if j > 0:
                # slot j-1 unused
                if best[i][j - 1] < cost:
                    cost, choice = best[i][j - 1], (i, j - 1, False)
                slot = slots[j - 1]
                if _fits(slot.kind, cell.text) and best[i - 1][j - 1] < INF:
                    d = slot.col - (cell.col - offset)
                    c = best[i - 1][j - 1] + (d if d >= 0 else -d * _RIGHT_SHIFT)
                    if c < cost:
                        cost, choice = c, (i - 1, j - 1, True)
            best[i][j] = cost
            move[i][j] = choice
    out: list[Slot | None] = [None] * n
    i, j = n, m
    while i > 0:
        pi, pj, placed = move[i][j]  # type: ignore[misc]
        if placed:
            out[i - 1] = slots[j - 1]
        i, j = pi, pj
    return best[n][m], out


def align_row(cells: list[Cell], slots: list[Slot], offsets: list[int]) -> tuple[int, list[Slot | None]]:
    """Best (offset, placement) over the given whole-row offsets."""
    best = None
    for offset in offsets:
        cost, placement = _align(cells, slots, offset)
        cost += abs(offset) * 0.5
        if best is None or cost < best[0]:
            best = (cost, offset, placement)
    assert best is not None
    return best[1], best[2]


# ----------------------------------------------------------------------------- content hints

_HINTS: dict[str, list[tuple[re.Pattern[str], float]]] = {
    "実績": [(re.compile(r"(?:した|った|行った|できた|図った|実施)。?$"), 2.0), (re.compile(r"【|[0-9０-９]+(?:回|名|件|事業|団体|%)"), 1.0)],
    "課題": [(re.compile(r"課題|必要|少な|不足|困難|弱い|足りない|ない。$|できなかった"), 2.0)],
    "次年度へ向けた取組": [(re.compile(r"^(?:引き続き|継続して|今後|次年度|来年度|R[0-9]+年度)"), 2.0),
                       (re.compile(r"(?:する|行う|いく|図る|目指す|努める|進める|促す|検討する)。$"), 2.0)],
    "備考": [(re.compile(r"^※|指定管理者業務に移管"), 3.0)],
}


def _hint(text: str, field: str) -> float:
    return sum(w for pattern, w in _HINTS.get(field, []) if pattern.search(text))


def choose_fields(texts: list[str], fields: list[str]) -> list[str]:
    """Fields for ``texts`` (fewer than ``fields``), in order, best matching what they say.

    Used only where cells were dropped and positions cannot tell; the result is
    reported as a guess.  With no hint either way, earlier fields win (実績 first).
    """
    n, m = len(texts), len(fields)
    best: dict[tuple[int, int], tuple[float, list[str]]] = {}

    def go(i: int, j: int) -> tuple[float, list[str]]:
        if i == n:
            return 0.0, []
        if m - j < n - i:
            return float("-inf"), []
        key = (i, j)
        if key not in best:
            take_score, take_rest = go(i + 1, j + 1)
            take = (take_score + _hint(texts[i], fields[j]), [fields[j], *take_rest])
            skip = go(i, j + 1)
            best[key] = take if take[0] >= skip[0] else skip
        return best[key]

    return go(0, 0)[1]


# ----------------------------------------------------------------------------- the importer


class SheetImporter:
    def __init__(self, text: str, source_name: str = "sheet.tsv"):
        self.rows = read_cells(text)
        self.source_name = source_name
        self.ledger = Ledger()
        self.plan_name = ""
        self.period = ""
        self.pages: list[Page] = []

    # -- pages ---------------------------------------------------------------------------
    def _split_pages(self) -> None:
        page: Page | None = None
        header_rows: list[list[Cell]] = []
        in_header = False
        for row in self.rows:
            if not row:
                continue
            first = row[0].text
            m = _TITLE.match(first) if len(row) == 1 else None
            if m:
                self.plan_name = self.plan_name or m.group("name").strip()
                self.period = self.period or m.group("period").strip()
                self.ledger.put(row[0], "heading", "plan.yaml 計画名・計画期間")
                page = None
                continue
            if first == "No" and any(c.text == "推進方策・目標・施策" for c in row):
                header_rows = [row]
                in_header = True
                page = Page(len(self.pages) + 1, [], [], [])
                self.pages.append(page)
                continue
            if in_header and page is not None and all(self._is_header_token(c.text) for c in row):
                header_rows.append(row)
                if len(header_rows) == 3:
                    self._finish_header(page, header_rows)
                    in_header = False
                continue
            if in_header and page is not None:
                self._finish_header(page, header_rows)
                in_header = False
            if page is None:
                for c in row:
                    self.ledger.put(c, "unplaced", "", "表の外にあるセルです（見出しより前）")
                continue
            page.rows.append(row)

    @staticmethod
    def _is_header_token(text: str) -> bool:
        return bool(_YEAR_LABEL.match(text) or _NEXT_YEAR.match(text)) or text in FIELD_ALIASES or text in (
            "計画", "No", "推進方策・目標・施策", "主管課", "関係課", "事業内容")

    def _finish_header(self, page: Page, header_rows: list[list[Cell]]) -> None:
        for r in header_rows:
            for c in r:
                page.header_cells.append(c)
                self.ledger.put(c, "heading", f"{page.number}ページ目の見出し")
        page.plan_years, page.block_years, page.block_fields = _parse_header(page.number, header_rows)

    def _settle_blocks(self) -> None:
        """Each page's year blocks, from its own header (positions start after 計画).

        Where a page's field row has fewer blocks than its year row has years (a lost
        header cell), the fields of that year come from the other pages.
        """
        plan_years: list[str] = next((p.plan_years for p in self.pages if p.plan_years), [])
        usual: dict[str, Counter] = defaultdict(Counter)
        for p in self.pages:
            if len(p.block_fields) == len(p.block_years):
                for y, f in zip(p.block_years, p.block_fields):
                    usual[y][tuple(f)] += 1
        for p in self.pages:
            if p.plan_years != plan_years:
                self.ledger.page_notes.append(
                    f"{p.number}ページ目: 見出しの計画年度が読み取れなかったため、ほかのページと同じ（{'・'.join(plan_years)}）としました")
                p.plan_years = list(plan_years)
            fields = p.block_fields
            if len(fields) != len(p.block_years):
                fields = [list(usual[y].most_common(1)[0][0]) if usual[y] else ["進捗状況", *_DEFAULT_FIELDS]
                          for y in p.block_years]
                self.ledger.page_notes.append(
                    f"{p.number}ページ目: 見出しの項目名が年度の数だけそろっていないため、各年度の項目はほかのページの見出しに合わせました")
            start = len(FIXED) + len(p.plan_years)
            p.blocks = []
            for y, f in zip(p.block_years, fields):
                p.blocks.append(Block(y, start, list(f)))
                start += len(f)

    def _calibrate(self, page: Page) -> None:
        """Place the year blocks where the page's complete rows put their 進捗状況.

        The header's positions are a first guess (header rows lost empty cells too).
        Rows with one 進捗状況 per year show where each year really starts; the most
        common column wins.  Only used to tell years apart in rows that lack some.
        """
        seen: dict[str, Counter] = defaultdict(Counter)
        for row in page.rows:
            if self._section(row):
                continue
            offset, fixed, rest = self._split_row(page, row)
            groups = [g for g in split_groups(rest) if g.status is not None]
            if len(groups) == len(page.blocks):
                for g, b in zip(groups, page.blocks):
                    seen[b.year][g.col - offset] += 1
        moved = False
        for b in page.blocks:
            if seen.get(b.year):
                col, _n = seen[b.year].most_common(1)[0]
                if col != b.start:
                    b.start, moved = col, True
        if moved:
            self.ledger.page_notes.append(
                f"{page.number}ページ目: 各年度の進捗状況がそろっている行から、年度の列位置を補正しました（"
                + "、".join(f"{b.year}は{b.start + 1}列目から" for b in page.blocks) + "）")

    def _split_row(self, page: Page, row: list[Cell]) -> tuple[int, list[Slot | None], list[Cell]]:
        """(offset, placement of the leading cells on the fixed columns, the remaining cells)."""
        first_status = next((k for k, c in enumerate(row) if is_status(c.text)), len(row))
        lead = row[:first_status]
        offset, placement = align_row(lead, _fixed_slots(page), self._forced_offsets(row))
        # Trailing lead cells that fit no fixed column are data whose 進捗状況 is missing.
        k = len(lead)
        while k > 0 and placement[k - 1] is None and row[k - 1].col - offset >= len(FIXED) + len(page.plan_years):
            k -= 1
        return offset, placement[:k], row[k:]

    @staticmethod
    def _forced_offsets(row: list[Cell]) -> list[int] | None:
        """The row's offset, read from what its first cell is.

        A No belongs in column 1, a department name (second department's row) in
        column 3, a title (No lost) in column 2; other rows are aligned as they are.
        """
        first = row[0]
        if _fits("No", first.text) and first.col <= 2:
            return [first.col]
        if _fits("主管課", first.text) and len(row) > 1 and not is_status(first.text):
            return [first.col - 2]
        if _fits("施策名", first.text) and first.col <= 2:
            return [first.col - 1]
        return [0]

    @staticmethod
    def _section(row: list[Cell]) -> tuple[str, int, str] | None:
        if len(row) != 1:
            return None
        text = row[0].text.strip()
        m = _STRATEGY.match(text)
        if m:
            return ("推進方策", _int(m.group(1)), m.group(2).strip())
        m = _GOAL.match(text)
        if m:
            return ("目標", _int(m.group(1)), m.group(2).strip())
        return None

    # -- the run -------------------------------------------------------------------------
    def run(self) -> ImportResult:
        self._split_pages()
        self._settle_blocks()
        strategies: list[dict[str, Any]] = []
        initiatives: list[dict[str, Any]] = []          # in sheet order
        values: dict[tuple[int, str, str], dict[str, tuple[str, Cell]]] = defaultdict(dict)  # (No, dept, year) → field → (value, cell)
        current_goal: dict[str, Any] | None = None
        last: dict[str, Any] | None = None
        for page in self.pages:
            self._calibrate(page)
            for row in page.rows:
                sec = self._section(row)
                if sec is not None:
                    kind, number, name = sec
                    cell = row[0]
                    if kind == "推進方策":
                        if strategies and strategies[-1]["番号"] == number:
                            self.ledger.put(cell, "unplaced", "", "同じ推進方策の行が繰り返されています（2回目以降は使いません）")
                            continue
                        strategies.append({"番号": number, "名称": name, "目標": []})
                        current_goal = None
                        self.ledger.put(cell, "placed", f"plan.yaml 推進方策{number} 名称")
                    else:
                        if not strategies:
                            self.ledger.put(cell, "unplaced", "", "推進方策より前に目標の行があります")
                            continue
                        goals = strategies[-1]["目標"]
                        if current_goal is not None and current_goal["番号"] == number:
                            self.ledger.put(cell, "unplaced", "", f"同じ目標({number})の行が繰り返されています（2回目以降は使いません）")
                            continue
                        current_goal = {"番号": number, "名称": name, "施策": []}
                        goals.append(current_goal)
                        self.ledger.put(cell, "placed", f"plan.yaml 推進方策{strategies[-1]['番号']} 目標({number}) 名称",
                                        *(["列がずれていました"] if cell.col != 0 else []))
                    continue
                last = self._row(page, row, current_goal, initiatives, values, last)
        records = self._records(initiatives, values)
        plan = self._plan(strategies, initiatives)
        count = sum(len(r) for r in self.rows)
        return ImportResult(plan, records, self.ledger, self.source_name, count)

    def _row(self, page, row, goal, initiatives, values, last):
        offset, placement, rest = self._split_row(page, row)
        lead = row[: len(placement)]
        by_kind: dict[str, list[tuple[Cell, Slot]]] = defaultdict(list)
        for cell, slot in zip(lead, placement):
            if slot is not None:
                by_kind[slot.kind].append((cell, slot))
        no_cells = by_kind.get("No", [])
        name_cells = by_kind.get("施策名", [])
        dept_cells = by_kind.get("主管課", [])
        shift_note = f"行全体が{offset}列右にずれていたため補正しました" if offset > 0 else (
            f"行全体が{-offset}列左にずれていたため補正しました" if offset < 0 else "")

        def unplaced_all(reason: str) -> None:
            for c in row:
                self.ledger.put(c, "unplaced", "", reason)

        initiative: dict[str, Any] | None
        department: str | None = None
        restored = ""
        if no_cells:
            no = _int(no_cells[0][0].text)
            if any(i["No"] == no for i in initiatives):
                unplaced_all(f"No {no} の行が2回あります（2回目は使いません）")
                return last
            initiative = self._new_initiative(no, goal, initiatives)
            if initiative is None:
                unplaced_all("目標の行より前に施策の行があります")
                return last
            self.ledger.put(no_cells[0][0], "placed", f"plan.yaml No {no}", shift_note)
        elif name_cells and not rest:
            # A stray row repeating a title (and maybe a department), with no data.
            title = name_cells[0][0].text
            unplaced_all(f"施策名「{title}」だけの行が繰り返されています（PDFの改ページ等によるもの。使いません）")
            return last
        elif name_cells and dept_cells and rest:
            # An initiative whose No was lost: the next number after the previous one.
            no = (last["No"] + 1) if last else 1
            initiative = self._new_initiative(no, goal, initiatives)
            if initiative is None:
                unplaced_all("目標の行より前に施策の行があります")
                return last
            restored = f"No が抜けていたため、前の施策（No {no - 1}）の次の番号 {no} としました"
        else:
            # A second lead department's row (no No, no title).
            if last is None:
                unplaced_all("どの施策の行か分かりません")
                return last
            initiative = last
            depts = initiative["主管課"]
            if dept_cells:
                department = dept_cells[0][0].text
                if department not in depts:
                    depts.append(department)
            else:
                reported = {d for (n, d, _y) in values if n == initiative["No"]}
                pending = [d for d in depts if d not in reported]
                if not pending:
                    unplaced_all(f"No {initiative['No']} の続きの行のようですが、主管課がすべて埋まっているため置き場所がありません")
                    return last
                department = pending[0]
        no = initiative["No"]
        for cell, slot in zip(lead, placement):
            if slot is None:
                self.ledger.put(cell, "unplaced", "", f"No {no} の行にありますが、列の並びからどの項目か決められませんでした")
        # ---- fixed columns
        for cell, slot in zip(lead, placement):
            if slot is None or slot.kind == "No":
                continue
            note = [shift_note] if shift_note else []
            if cell.col - offset != slot.col:
                note.append(f"列がずれていたため「{slot.kind}」とみなしました")
            if slot.kind == "施策名":
                initiative["施策名"] = cell.text
                self.ledger.put(cell, "placed", f"plan.yaml No {no} 施策名", restored, *note)
            elif slot.kind == "主管課":
                names = cell.text.split()
                if not initiative["主管課"]:
                    initiative["主管課"].extend(names)
                department = department or names[0]
                extra = "2つの課名が1つのセルに入っていたため、2つの主管課に分けました" if len(names) > 1 else ""
                self.ledger.put(cell, "placed", f"plan.yaml No {no} 主管課", extra, *note)
            elif slot.kind == "関係課":
                initiative["関係課"].extend(cell.text.split())
                self.ledger.put(cell, "placed", f"plan.yaml No {no} 関係課", *note)
            elif slot.kind == "事業内容":
                dept = department or (initiative["主管課"][0] if initiative["主管課"] else "")
                initiative["_事業内容"].append((dept, cell.text))
                self.ledger.put(cell, "placed", f"plan.yaml No {no} 事業内容（{dept}）", *note)
            elif slot.kind == "計画":
                have = initiative["計画"].get(slot.year)
                if have is not None and have != cell.text:
                    self.ledger.put(cell, "unplaced", "", f"No {no} の{slot.year}の計画がすでに「{have}」になっています")
                    continue
                initiative["計画"][slot.year] = cell.text
                self.ledger.put(cell, "placed", f"plan.yaml No {no} 計画 {slot.year}", *note)
        if department is None:
            department = initiative["主管課"][0] if initiative["主管課"] else ""
        if not department:
            for c in rest:
                self.ledger.put(c, "unplaced", "", f"No {no} の主管課が分からないため置けません")
            return initiative
        self._place_groups(page, no, department, rest, offset, shift_note, values)
        return initiative

    def _place_groups(self, page, no, department, rest, offset, shift_note, values) -> None:
        groups = split_groups(rest)
        years = assign_groups(groups, page.blocks, offset)
        # A year whose 進捗状況 cell is missing: the previous group's surplus cells spill into it.
        plan: list[tuple[Block, Cell | None, list[Cell], bool]] = []   # (block, status, cells, spilled)
        leftovers: list[tuple[Cell, str]] = []
        taken = {id(b) for b in years if b is not None}
        for g, block in zip(groups, years):
            if block is None:
                why = ("年度の数より多い進捗状況の組があります（書き出しで繰り返されたものと思われます）"
                       if g.status is not None else "進捗状況より前にあり、どの年度か決められませんでした")
                leftovers += [(c, why) for c in ([g.status] if g.status else []) + g.cells]
                continue
            width = len(block.fields) - 1
            plan.append((block, g.status, g.cells[:width], False))
            extra = g.cells[width:]
            if extra:
                index = page.blocks.index(block)
                nxt = page.blocks[index + 1] if index + 1 < len(page.blocks) else None
                if nxt is not None and id(nxt) not in taken:
                    taken.add(id(nxt))
                    plan.append((nxt, None, extra[: len(nxt.fields) - 1], True))
                    extra = extra[len(nxt.fields) - 1:]
                leftovers += [(c, f"{block.year}の項目の数より多いセルがあります") for c in extra]
        for cell, why in leftovers:
            self.ledger.put(cell, "unplaced", "", f"No {no}（{department}）: {why}")
        next_cols = {id(g.status): (groups[k + 1].col if k + 1 < len(groups) else None)
                     for k, g in enumerate(groups) if g.status is not None}
        for block, status, cells, spilled in plan:
            key = (no, department, block.year)
            base = f"records/{block.year}/{no:02d}.yaml 報告[{department}]"
            common = [shift_note] if shift_note else []
            if status is not None:
                text = status.text
                notes = list(common)
                if text in STATUS_FIX:
                    notes.append(f"読み取りの誤り「{text}」を「{STATUS_FIX[text]}」に直しました")
                    text = STATUS_FIX[text]
                if abs((status.col - offset) - block.start) > 0 and len(groups) < len(page.blocks):
                    notes.append(f"進捗状況のそろわない行のため、列の位置から{block.year}と推定しました")
                self._put_value(values, key, "進捗状況", text, status, f"{base}.進捗状況", notes)
            fields = block.fields[1:]
            names = self._field_names(status, cells, fields, next_cols.get(id(status)))
            exact = names is not None
            if names is None:
                names = choose_fields([c.text for c in cells], fields)
            for cell, name in zip(cells, names):
                notes = list(common)
                if spilled:
                    notes.append(f"{block.year}の進捗状況のセルが抜けていたため、前の年度の続きのセルを{block.year}とみなしました")
                elif not exact:
                    notes.append("空のセルが抜けて列がずれていたため、並び順と内容から推定して置きました")
                if len(cell.text) >= 40 and not cell.text.rstrip().endswith(_SENTENCE_END):
                    notes.append("文の途中で終わっています（PDFからの書き出しで切れた可能性があります）")
                self._put_value(values, key, name, cell.text, cell, f"{base}.{name}", notes)

    @staticmethod
    def _field_names(status: Cell | None, cells: list[Cell], fields: list[str], next_col: int | None) -> list[str] | None:
        """Field names of a group's cells when they are certain, else None (placed by order).

        Certain: one cell per field, or the cells sit at their header offsets from the
        進捗状況 and the block is complete (nothing dropped before the next 進捗状況).
        """
        if len(cells) == len(fields):
            return list(fields)
        if status is None or not cells:
            return None if cells else []
        rel = [c.col - status.col - 1 for c in cells]
        complete = next_col is None or next_col - status.col == len(fields) + 1
        if complete and all(0 <= r < len(fields) for r in rel):
            return [fields[r] for r in rel]
        return None

    def _put_value(self, values, key, name, text, cell, target, notes) -> None:
        have = values[key].get(name)
        if have is not None:
            self.ledger.put(cell, "unplaced", "", f"{target} にはすでに値があります（{have[1].where}）")
            return
        values[key][name] = (text, cell)
        self.ledger.put(cell, "placed", target, *notes)

    def _new_initiative(self, no, goal, initiatives):
        if goal is None:
            return None
        initiative = {"No": no, "施策名": "", "主管課": [], "関係課": [], "_事業内容": [], "計画": {}}
        goal["施策"].append(initiative)
        initiatives.append(initiative)
        return initiative

    # -- output --------------------------------------------------------------------------
    def _plan(self, strategies, initiatives) -> dict[str, Any]:
        for i in initiatives:
            contents = i.pop("_事業内容")
            texts = {t for _d, t in contents}
            if len(texts) == 1:
                i["事業内容"] = contents[0][1]
            elif contents:
                i["事業内容"] = {d: t for d, t in contents}
            i["主管課"] = list(dict.fromkeys(i["主管課"]))
            i["関係課"] = list(dict.fromkeys(i["関係課"]))
            if not i["計画"]:
                del i["計画"]
        years_seen: list[str] = []
        for p in self.pages:
            for b in p.blocks:
                if b.year not in years_seen:
                    years_seen.append(b.year)
        plan_years = next((p.plan_years for p in self.pages if p.plan_years), [])
        all_years = list(years_seen)
        for y in plan_years:
            if y not in all_years:
                all_years.append(y)
        last_reported = years_seen[-1] if years_seen else None
        return {
            "計画名": self.plan_name or "行動計画",
            "計画期間": self.period or "不明",
            "計画年度": list(plan_years),
            "年度": [
                {"年度": y, "西暦": plan_mod.western_year(y),
                 "状態": "締切" if y in years_seen else "受付中"}
                for y in sorted(all_years, key=plan_mod.western_year)
            ],
            "推進方策": strategies,
        } if last_reported is not None or strategies else {}

    def _records(self, initiatives, values) -> list[dict[str, Any]]:
        years: list[str] = []
        for p in self.pages:
            for b in p.blocks:
                if b.year not in years:
                    years.append(b.year)
        out = []
        for year in years:
            for i in sorted(initiatives, key=lambda i: i["No"]):
                reports = []
                for dept in dict.fromkeys(i["主管課"]):
                    fields = values.get((i["No"], dept, year), {})
                    report = {"主管課": dept}
                    report.update({k: v for k, (v, _c) in fields.items()})
                    reports.append(report)
                if reports:
                    out.append({"No": i["No"], "年度": year, "報告": reports})
        return out


def import_text(text: str, source_name: str = "sheet.tsv") -> ImportResult:
    return SheetImporter(text, source_name).run()


class SheetError(ShinchokuError):
    """A file that is not a sheet at all (message in Japanese, for the user)."""


def import_file(path: Path) -> ImportResult:
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise SheetError(f"{path.name} はタブ区切りのテキストではありません（バイナリのファイルです）")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as utf8:
        try:
            text = raw.decode("cp932")
        except UnicodeDecodeError:
            line = raw[: utf8.start].count(b"\n") + 1
            raise SheetError(f"{path.name}:{line}: 文字コードが UTF-8 でも Shift_JIS でもないため読めません") from None
    return import_text(text, path.name)

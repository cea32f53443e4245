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
   year's 進捗状況 in the same other column, the block moves there).
4. The cells after the fixed columns are read into year blocks and fields the way a
   careful clerk would (:mod:`importrules`): 進捗状況 cells start years, the fiscal year
   a text names bounds its slot, field order and content choose fields where cells
   were dropped, continuations join their neighbour, repeats are only texts already
   placed for the same department and year.  Every placement that rests on such a
   rule is noted as guessed, with the rules named.
5. The coordinator's overrides (``records/import-overrides.yaml``,
   :mod:`importoverrides`) take their cells out first and place them as told.

Every non-empty source cell ends in the :class:`Ledger`: placed in a record or the
plan (certain or guessed), a heading, or unplaced with a reason.  Nothing is dropped
silently and nothing is guessed without being reported.
"""

from __future__ import annotations

import enum
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from shinchoku.errors import ShinchokuError
from shinchoku.importing import importrules as rules
from shinchoku.importing.importrules import Note, NoteKind, Rule, SetAside
from shinchoku.model import plan as plan_mod
from shinchoku.model import schema
from shinchoku.model.fields import DEPARTMENT, NO, REPORTS, YEAR, FieldRef
from shinchoku.sheet import published

# ----------------------------------------------------------------------------- vocab

# The field names, their order and the statuses are the schema's (schema.shape: the
# bundled schema, whose words the sheet uses); the column layout and the headings are
# the published sheet's (shinchoku.sheet.published).  Only what the export got wrong
# is this module's own: the statuses the PDF extraction misread.
STATUS_FIX = {"計画通りに入っている": "計画通りに進んでいる", "計画通りに入っていない": "計画通りに進んでいない"}
FIXED = published.FIXED_KEYS          # No 施策名 主管課 関係課 事業内容
PLAN = published.PLAN_HEADER          # the 計画 columns (one per plan year)
_SENTENCE_END = tuple("。．.」）)！!？?】")
_DEPT = re.compile(r"^[^\s、。,]{1,15}(?:課|室|局|部|係|センター)$")

# Costs of the alignment (a cell's displacement from its column costs its distance).
_UNPLACED = 7.0       # leaving a cell out costs as much as a 7-column shift
_RIGHT_SHIFT = 1.25   # a cell found right of its column (rarer than dropped cells)


@lru_cache(maxsize=None)
def _shape() -> schema.Shape:
    return schema.shape()


@lru_cache(maxsize=None)
def _vocabulary() -> tuple[frozenset[str], "re.Pattern[str]"]:
    """(every text that is a status, misread ones included; how a year label is written)."""
    shape = _shape()
    return frozenset((*shape.statuses, *STATUS_FIX)), re.compile(shape.year_pattern or r"^(?:H|R)[0-9]{1,2}$")


def _year_label(text: str) -> bool:
    return _vocabulary()[1].match(text) is not None


def target(ref: FieldRef) -> str:
    """``records/R2/05.yaml 報告[指導室].課題``: where a cell went, as the ledger says it."""
    return f"{ref.relpath} {ref.path}"


@dataclass(frozen=True)
class Cell:
    line: int      # 1-based line of the source file
    col: int       # 0-based column (tab-separated)
    text: str

    @property
    def where(self) -> str:
        return f"{self.line}行目・{self.col + 1}列目"


class Placement(enum.StrEnum):
    """What became of a source cell."""

    PLACED = "placed"        # its text is in a record or the plan
    HEADING = "heading"      # a title or column heading (read for the layout, not stored)
    UNPLACED = "unplaced"    # set aside (Note.reason says why)


@dataclass(frozen=True)
class PageNote:
    """Something the importer decided about a page (``page`` 0: about the whole sheet or a row)."""

    text: str
    page: int = 0

    def __str__(self) -> str:
        return f"{self.page}ページ目: {self.text}" if self.page else self.text


@dataclass
class Entry:
    """What happened to one non-empty source cell."""

    cell: Cell
    kind: Placement
    target: str = ""   # e.g. "records/R2/05.yaml 報告[指導室].課題" or "plan.yaml No 5 事業内容"
    notes: list[Note] = field(default_factory=list)   # guessed / normalised / cut short / set aside …

    @property
    def guessed(self) -> bool:
        return any(n.kind is NoteKind.GUESSED for n in self.notes)

    @property
    def reason(self) -> SetAside | None:
        return next((n.reason for n in self.notes if n.reason is not None), None)


def _as_note(note: Note | str, kind: Placement) -> Note:
    """A note as given, or a plain sentence: the reason of an unplaced cell, else a remark."""
    if isinstance(note, Note):
        return note
    return rules.set_aside(note, SetAside.UNKNOWN) if kind is Placement.UNPLACED else Note(NoteKind.INFO, note)


@dataclass
class Ledger:
    entries: dict[tuple[int, int], Entry] = field(default_factory=dict)
    page_notes: list[PageNote] = field(default_factory=list)

    def put(self, cell: Cell, kind: Placement, target: str = "", *notes: Note | str) -> Entry:
        entry = Entry(cell, kind, target, [_as_note(n, kind) for n in notes if n])
        self.entries[(cell.line, cell.col)] = entry
        return entry


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
    return text in _vocabulary()[0]


# ----------------------------------------------------------------------------- headers


@dataclass
class Block:
    year: str
    start: int
    fields: list[str]          # the status (進捗状況) first

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
    shape = _shape()
    blocks: list[list[str]] = []
    for c in cells:
        name = published.parse_field(c.text, shape.reported)
        if name is None:
            continue
        if name == shape.status:
            blocks.append([name])
        elif blocks:
            blocks[-1].append(name)
    return blocks


def _parse_header(number: int, header_rows: list[list[Cell]]) -> tuple[list[str], list[str], list[list[str]]]:
    """(plan years, fiscal years of the blocks, fields of each block as the field row has them).

    The year row reads e.g. ``R1 R2 R3 H29 H30 R1 R2``: the 計画 years, then the
    fiscal years of the blocks; the blocks' years start where the years go back.
    """
    status = _shape().status
    field_row = next((r for r in header_rows if sum(c.text == status for c in r) >= 2), [])
    tokens = [c.text for r in header_rows if r is not field_row for c in r if _year_label(c.text)]
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
    if kind == _shape().status:
        return status
    if status:
        return False
    if kind == NO:
        return bool(re.fullmatch(r"[0-9０-９]{1,3}", text))
    if kind == DEPARTMENT:
        return all(_DEPT.match(p) for p in text.split())
    if kind == "関係課":
        return len(text) <= 20 and "。" not in text
    if kind == "施策名":
        return len(text) <= 40 and "。" not in text and not re.fullmatch(r"[0-9０-９]{1,3}", text)
    if kind == PLAN:
        return len(text) <= 12 and "。" not in text
    if kind == "事業内容":
        return len(text) > 12 or "。" in text
    return True  # free text fields


@dataclass(frozen=True)
class Slot:
    col: int
    kind: str            # a FIXED column, 計画 (PLAN), or a report field (the status or a text)
    year: str = ""       # plan year (計画) or fiscal year (block fields)


def _fixed_slots(page: Page) -> list[Slot]:
    """The columns before the year blocks: No 施策名 主管課 関係課 事業内容 計画(R1…)."""
    slots = [Slot(i, k) for i, k in enumerate(FIXED)]
    slots += [Slot(len(FIXED) + i, PLAN, y) for i, y in enumerate(page.plan_years)]
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


# ----------------------------------------------------------------------------- the importer


class SheetImporter:
    def __init__(self, text: str, source_name: str = "sheet.tsv", overrides: list | None = None):
        self.overrides = list(overrides or [])   # importoverrides.Override
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
            titled = published.parse_title(first) if len(row) == 1 else None
            if titled:
                self.plan_name = self.plan_name or titled[0].strip()
                self.period = self.period or titled[1].strip()
                self.ledger.put(row[0], Placement.HEADING, "plan.yaml 計画名・計画期間")
                page = None
                continue
            if first == published.HEADERS[NO] and any(c.text == published.HEADERS["施策名"] for c in row):
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
                    self.ledger.put(c, Placement.UNPLACED, "", rules.set_aside("表の外にあるセルです（見出しより前）", SetAside.OUTSIDE))
                continue
            page.rows.append(row)

    @staticmethod
    def _is_header_token(text: str) -> bool:
        return (_year_label(text) or published.parse_field(text, _shape().reported) is not None
                or text == PLAN or text in published.HEADERS.values())

    def _finish_header(self, page: Page, header_rows: list[list[Cell]]) -> None:
        for r in header_rows:
            for c in r:
                page.header_cells.append(c)
                self.ledger.put(c, Placement.HEADING, f"{page.number}ページ目の見出し")
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
                self.ledger.page_notes.append(PageNote(
                    f"見出しの計画年度が読み取れなかったため、ほかのページと同じ（{'・'.join(plan_years)}）としました", p.number))
                p.plan_years = list(plan_years)
            fields = p.block_fields
            if len(fields) != len(p.block_years):
                fields = [list(usual[y].most_common(1)[0][0]) if usual[y] else list(_shape().reported)
                          for y in p.block_years]
                self.ledger.page_notes.append(PageNote(
                    "見出しの項目名が年度の数だけそろっていないため、各年度の項目はほかのページの見出しに合わせました", p.number))
            else:
                fields = [self._complete_fields(p, y, list(f), usual) for y, f in zip(p.block_years, fields)]
            start = len(FIXED) + len(p.plan_years)
            p.blocks = []
            for y, f in zip(p.block_years, fields):
                p.blocks.append(Block(y, start, list(f)))
                start += len(f)

    def _complete_fields(self, page: Page, year: str, fields: list[str], usual: dict[str, Counter]) -> list[str]:
        """A year's fields, with the trailing ones the page's header lost (the last
        header cell at the page edge) taken from another page with the same beginning."""
        longer = [list(f) for f in usual.get(year, {}) if len(f) > len(fields) and list(f[: len(fields)]) == fields]
        if not longer:
            return fields
        best = max(longer, key=len)
        self.ledger.page_notes.append(PageNote(
            f"{year}の見出しに「{'・'.join(best[len(fields):])}」の列がないため、"
            "同じ並びのほかのページの見出しに合わせて加えました", page.number))
        return best

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
            self.ledger.page_notes.append(PageNote(
                "各年度の進捗状況がそろっている行から、年度の列位置を補正しました（"
                + "、".join(f"{b.year}は{b.start + 1}列目から" for b in page.blocks) + "）", page.number))

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
        if _fits(NO, first.text) and first.col <= 2:
            return [first.col]
        if _fits(DEPARTMENT, first.text) and len(row) > 1 and not is_status(first.text):
            return [first.col - 2]
        if _fits("施策名", first.text) and first.col <= 2:
            return [first.col - 1]
        return [0]

    @staticmethod
    def _section(row: list[Cell]) -> tuple[str, int, str] | None:
        if len(row) != 1:
            return None
        text = row[0].text.strip()
        strategy = published.parse_strategy(text)
        if strategy:
            return (plan_mod.STRATEGIES, *strategy)
        goal = published.parse_goal(text)
        if goal:
            return (plan_mod.GOALS, *goal)
        return None

    # -- the run -------------------------------------------------------------------------
    def run(self) -> ImportResult:
        self._split_pages()
        self._settle_blocks()
        pinned = self._take_overridden_cells()
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
                    if kind == plan_mod.STRATEGIES:
                        if strategies and strategies[-1]["番号"] == number:
                            self.ledger.put(cell, Placement.UNPLACED, "", rules.set_aside("同じ推進方策の行が繰り返されています（2回目以降は使いません）", SetAside.DUPLICATE_ROW))
                            continue
                        strategies.append({"番号": number, "名称": name, "目標": []})
                        current_goal = None
                        self.ledger.put(cell, Placement.PLACED, f"plan.yaml 推進方策{number} 名称")
                    else:
                        if not strategies:
                            self.ledger.put(cell, Placement.UNPLACED, "", "推進方策より前に目標の行があります")
                            continue
                        goals = strategies[-1]["目標"]
                        if current_goal is not None and current_goal["番号"] == number:
                            self.ledger.put(cell, Placement.UNPLACED, "", rules.set_aside(f"同じ目標({number})の行が繰り返されています（2回目以降は使いません）", SetAside.DUPLICATE_ROW))
                            continue
                        current_goal = {"番号": number, "名称": name, "施策": []}
                        goals.append(current_goal)
                        self.ledger.put(cell, Placement.PLACED, f"plan.yaml 推進方策{strategies[-1]['番号']} 目標({number}) 名称",
                                        *([rules.guessed("列がずれていました", Rule.ROW_SHIFT)] if cell.col != 0 else []))
                    continue
                last = self._row(page, row, current_goal, initiatives, values, last)
        self._apply_overrides(pinned, initiatives, values)
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
        no_cells = by_kind.get(NO, [])
        name_cells = by_kind.get("施策名", [])
        dept_cells = by_kind.get(DEPARTMENT, [])
        shift_note = f"行全体が{offset}列右にずれていたため補正しました" if offset > 0 else (
            f"行全体が{-offset}列左にずれていたため補正しました" if offset < 0 else "")
        shifted = rules.guessed(shift_note, Rule.ROW_SHIFT) if shift_note else None

        def unplaced_all(reason: str, why: SetAside = SetAside.UNKNOWN) -> None:
            for c in row:
                self.ledger.put(c, Placement.UNPLACED, "", rules.set_aside(reason, why))

        initiative: dict[str, Any] | None
        department: str | None = None
        restored = None
        if no_cells:
            no = published.parse_number(no_cells[0][0].text)
            if any(i[NO] == no for i in initiatives):
                unplaced_all(f"No {no} の行が2回あります（2回目は使いません）", SetAside.DUPLICATE_ROW)
                return last
            initiative = self._new_initiative(no, goal, initiatives)
            if initiative is None:
                unplaced_all("目標の行より前に施策の行があります")
                return last
            self.ledger.put(no_cells[0][0], Placement.PLACED, f"plan.yaml No {no}", shifted)
        elif name_cells and not rest:
            # A stray row repeating a title (and maybe a department), with no data.
            title = name_cells[0][0].text
            unplaced_all(f"施策名「{title}」だけの行が繰り返されています（PDFの改ページ等によるもの。使いません）", SetAside.STRAY_TITLE)
            return last
        elif name_cells and dept_cells and rest:
            # An initiative whose No was lost: the next number after the previous one.
            no = (last[NO] + 1) if last else 1
            initiative = self._new_initiative(no, goal, initiatives)
            if initiative is None:
                unplaced_all("目標の行より前に施策の行があります")
                return last
            restored = rules.guessed(f"No が抜けていたため、前の施策（No {no - 1}）の次の番号 {no} としました", Rule.RESTORED_NO)
        else:
            # A second lead department's row (no No, no title).
            if last is None:
                unplaced_all("どの施策の行か分かりません")
                return last
            initiative = last
            depts = initiative[DEPARTMENT]
            if dept_cells:
                department = dept_cells[0][0].text
                if department not in depts:
                    depts.append(department)
            else:
                reported = {d for (n, d, _y) in values if n == initiative[NO]}
                pending = [d for d in depts if d not in reported]
                if not pending:
                    unplaced_all(f"No {initiative[NO]} の続きの行のようですが、主管課がすべて埋まっているため置き場所がありません")
                    return last
                department = pending[0]
        no = initiative[NO]
        for cell, slot in zip(lead, placement):
            if slot is None:
                self.ledger.put(cell, Placement.UNPLACED, "", f"No {no} の行にありますが、列の並びからどの項目か決められませんでした")
        # ---- fixed columns
        for cell, slot in zip(lead, placement):
            if slot is None or slot.kind == NO:
                continue
            note = [shifted] if shifted else []
            if cell.col - offset != slot.col:
                note.append(rules.guessed(f"列がずれていたため「{slot.kind}」とみなしました", Rule.COLUMN))
            if slot.kind == "施策名":
                initiative["施策名"] = cell.text
                self.ledger.put(cell, Placement.PLACED, f"plan.yaml No {no} 施策名", restored, *note)
            elif slot.kind == DEPARTMENT:
                names = cell.text.split()
                if not initiative[DEPARTMENT]:
                    initiative[DEPARTMENT].extend(names)
                department = department or names[0]
                extra = rules.guessed("2つの課名が1つのセルに入っていたため、2つの主管課に分けました", Rule.SPLIT_DEPARTMENTS) if len(names) > 1 else None
                self.ledger.put(cell, Placement.PLACED, f"plan.yaml No {no} 主管課", extra, *note)
            elif slot.kind == "関係課":
                initiative["関係課"].extend(cell.text.split())
                self.ledger.put(cell, Placement.PLACED, f"plan.yaml No {no} 関係課", *note)
            elif slot.kind == "事業内容":
                dept = department or (initiative[DEPARTMENT][0] if initiative[DEPARTMENT] else "")
                initiative["_事業内容"].append((dept, cell.text))
                self.ledger.put(cell, Placement.PLACED, f"plan.yaml No {no} 事業内容（{dept}）", *note)
            elif slot.kind == PLAN:
                have = initiative["計画"].get(slot.year)
                if have is not None and have != cell.text:
                    self.ledger.put(cell, Placement.UNPLACED, "", rules.set_aside(f"No {no} の{slot.year}の計画がすでに「{have}」になっています", SetAside.CONFLICT))
                    continue
                initiative["計画"][slot.year] = cell.text
                self.ledger.put(cell, Placement.PLACED, f"plan.yaml No {no} 計画 {slot.year}", *note)
        if department is None:
            department = initiative[DEPARTMENT][0] if initiative[DEPARTMENT] else ""
        if not department:
            for c in rest:
                self.ledger.put(c, Placement.UNPLACED, "", f"No {no} の主管課が分からないため置けません")
            return initiative
        self._place_groups(page, no, department, rest, offset, shift_note, values)
        return initiative

    def _place_groups(self, page, no, department, rest, offset, shift_note, values) -> None:
        """Year and field of every cell of the row's year blocks (see :mod:`importrules`)."""
        decisions = rules.align_year_blocks(rest, page.blocks, offset, is_status)
        common = [rules.guessed(shift_note, Rule.ROW_SHIFT)] if shift_note else []
        placed_at: dict[tuple[int, str], Cell] = {}      # (block, text) → the cell placed with that text
        last: tuple[tuple[int, str, str], str, Cell] | None = None
        for d in decisions:
            cell = d.cell
            block = page.blocks[d.block] if d.block >= 0 else None
            if d.action in ("status", "field") and block is not None:
                key = (no, department, block.year)
                notes = list(common)
                name = _shape().status if d.action == "status" else d.field_name
                text = cell.text
                if text in STATUS_FIX:
                    notes.append(Note(NoteKind.NORMALISED, f"読み取りの誤り「{text}」を「{STATUS_FIX[text]}」に直しました"))
                    text = STATUS_FIX[text]
                if not d.certain:
                    notes.append(rules.guessed(self._guess_text(d, block, cell), *d.rules))
                if len(cell.text) >= 40 and not cell.text.rstrip().endswith(_SENTENCE_END):
                    notes.append(Note(NoteKind.CUT_SHORT, "文の途中で終わっています（PDFからの書き出しで切れた可能性があります）"))
                if self._put_value(values, key, name, text, cell, target(FieldRef(block.year, no, department, name)), notes):
                    placed_at.setdefault((d.block, cell.text), cell)
                    last = (key, name, cell) if d.action == "field" else None
            elif d.action == "join" and last is not None:
                key, name, first = last
                have, cells = values[key][name]
                values[key][name] = (f"{have} {cell.text}", [*cells, cell])
                self.ledger.put(cell, Placement.PLACED, target(FieldRef(key[2], no, department, name)), *common, rules.guessed(
                    f"「{cell.text[:6]}…」で始まる前のセルの続きの文のため、{first.where}の{name}の後ろにつなげました",
                    Rule.CONTINUATION))
            elif d.action == "repeat" and block is not None:
                twin = placed_at.get((d.block, cell.text))
                where = f"（{twin.where}）" if twin is not None else ""
                self.ledger.put(cell, Placement.UNPLACED, "", rules.set_aside(
                    f"No {no}（{department}）: {block.year}にすでに置いた同じ文{where}の繰り返しです（書き出しで繰り返されたものと思われます）",
                    SetAside.REPEAT))
            else:
                last = None
                self.ledger.put(cell, Placement.UNPLACED, "", rules.set_aside(self._no_slot_text(no, department, cell, page), SetAside.NO_SLOT))

    @staticmethod
    def _guess_text(d, block, cell) -> str:
        parts = []
        if Rule.MISSING_STATUS in d.rules:
            parts.append(f"{block.year}の進捗状況のセルが抜けているため、前のセルの続きを{block.year}としました")
        elif Rule.STATUS_START in d.rules:
            parts.append(f"進捗状況のセルの並びと列の位置から{block.year}としました")
        if Rule.NAMED_YEAR in d.rules:
            evidence = "・".join(rules.dated(cell.text).evidence)
            parts.append(f"文中の「{evidence}」と矛盾しない年度・項目を選びました")
        if Rule.FIELD_ORDER in d.rules:
            how = "項目の順と書きぶり" if Rule.CONTENT in d.rules else "項目の順（実績から）"
            parts.append(f"空のセルが抜けているため、{how}から「{d.field_name}」としました")
        return "。".join(parts) or "推定して置きました"

    @staticmethod
    def _no_slot_text(no, department, cell, page) -> str:
        d = rules.dated(cell.text)
        why = "置ける年度・項目が残っていません"
        if d:
            why += f"（文中の「{'・'.join(d.evidence)}」に合う項目が埋まっています）"
        return f"No {no}（{department}）: {why}。内容を確かめ、必要なら取り込みの指定（import-overrides.yaml）で置き先を決めてください"

    def _put_value(self, values, key, name, text, cell, target, notes) -> bool:
        have = values[key].get(name)
        if have is not None:
            self.ledger.put(cell, Placement.UNPLACED, "", rules.set_aside(
                f"{target} にはすでに値があります（{have[1][0].where}）", SetAside.CONFLICT))
            return False
        values[key][name] = (text, [cell])
        self.ledger.put(cell, Placement.PLACED, target, *notes)
        return True

    # -- the coordinator's overrides (records/import-overrides.yaml) ----------------------
    def _take_overridden_cells(self) -> list[tuple[Any, Cell]]:
        """Take the cells the overrides name out of the rows (they are placed as told)."""
        at = {(c.line, c.col): c for row in self.rows for c in row}
        pinned = []
        for o in self.overrides:
            cell = at.get((o.line, o.col))
            if cell is None:
                raise SheetError(f"{o.label}: {self.source_name} の {o.line}行目・{o.col + 1}列目は空のセルです"
                                 "（取り込み報告の「位置」の行と列を写してください）")
            pinned.append((o, cell))
        taken = {(c.line, c.col) for _o, c in pinned}
        if taken:
            for page in self.pages:
                page.rows = [r for r in ([c for c in row if (c.line, c.col) not in taken] for row in page.rows) if r]
        return pinned

    def _apply_overrides(self, pinned, initiatives, values) -> None:
        years = [b.year for p in self.pages for b in p.blocks]
        by_no = {i[NO]: i for i in initiatives}
        status = _shape().status
        for o, cell in pinned:
            initiative = by_no.get(o.no)
            if initiative is None:
                raise SheetError(f"{o.label}: No {o.no} の施策はこのシートにありません")
            if o.department not in initiative[DEPARTMENT]:
                raise SheetError(f"{o.label}: 「{o.department}」は No {o.no} の主管課ではありません"
                                 f"（主管課: {'・'.join(initiative[DEPARTMENT])}）")
            if o.year not in years:
                raise SheetError(f"{o.label}: 年度「{o.year}」はこのシートにありません（ある年度: {'・'.join(dict.fromkeys(years))}）")
            text = STATUS_FIX.get(cell.text, cell.text) if o.field == status else cell.text
            if o.field == status and not is_status(text):
                raise SheetError(f"{o.label}: {cell.where}の「{cell.text[:20]}」は{status}の値ではありません")
            key = (o.no, o.department, o.year)
            where = target(FieldRef(o.year, o.no, o.department, o.field))
            have = values[key].get(o.field)
            if have is not None:
                for old in have[1]:
                    if (old.line, old.col) in {(c.line, c.col) for _o, c in pinned}:
                        raise SheetError(f"{o.label}: {where} には別の指定（{old.where}）がすでにあります")
                    self.ledger.put(old, Placement.UNPLACED, "", rules.set_aside(
                        f"取り込みの指定（{o.label}）で {where} に{cell.where}を置いたため、置きませんでした", SetAside.CONFLICT))
            values[key][o.field] = (text, [cell])
            memo = f"（メモ: {o.memo}）" if o.memo else ""
            self.ledger.put(cell, Placement.PLACED, where, Note(
                NoteKind.OVERRIDDEN, f"取り込みの指定（{o.label}）により置きました{memo}", (Rule.OVERRIDE,)))

    def _new_initiative(self, no, goal, initiatives):
        if goal is None:
            return None
        initiative = {NO: no, "施策名": "", DEPARTMENT: [], "関係課": [], "_事業内容": [], "計画": {}}
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
            i[DEPARTMENT] = list(dict.fromkeys(i[DEPARTMENT]))
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
            for i in sorted(initiatives, key=lambda i: i[NO]):
                reports = []
                for dept in dict.fromkeys(i[DEPARTMENT]):
                    fields = values.get((i[NO], dept, year), {})
                    report = {DEPARTMENT: dept}
                    report.update({k: v for k, (v, _c) in fields.items()})
                    reports.append(report)
                if reports:
                    out.append({NO: i[NO], YEAR: year, REPORTS: reports})
        return out


def import_text(text: str, source_name: str = "sheet.tsv", overrides: list | None = None) -> ImportResult:
    return SheetImporter(text, source_name, overrides).run()


class SheetError(ShinchokuError):
    """A file that is not a sheet at all (message in Japanese, for the user)."""


def import_file(path: Path, overrides: list | None = None) -> ImportResult:
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
    return import_text(text, path.name, overrides)

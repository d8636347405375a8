"""Text helpers shared by the privacy and secret recognizers.

Detection runs on a *folded* copy of a field: full-width ASCII (０-９, Ａ-Ｚ, ＠, －) becomes
its ASCII twin, one character for one character, so every offset found in the folded copy
is an offset in the original text and findings point at what the author typed.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from typing import NamedTuple

# Characters folded for detection: full-width digits and letters and the symbols that occur
# inside identifiers, e-mail addresses and paths, plus hyphen look-alikes. Chinese
# punctuation (，。：；) stays as it is: it separates, it never belongs to an identifier.
_FOLDABLE = (
    "\uff05\uff0b\uff0d\uff0e\uff0f\uff1d\uff20\uff3c\uff3f"
    "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u2010-\u2012\u2212\U0001d7ce-\U0001d7ff"
)
_NEEDS_FOLD = re.compile(f"[{_FOLDABLE}]+")


@cache
def _fold_char(ch: str) -> str:
    if "\u2010" <= ch <= "\u2012" or ch == "\u2212":
        return "-"
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch


def _fold_run(m: re.Match[str]) -> str:
    return "".join(_fold_char(ch) for ch in m.group())


def fold(text: str) -> str:
    """Same length as ``text``; full-width digits, letters and identifier symbols as ASCII.

    Most drafts contain none of them, and then the text itself is returned: one regex scan.
    """
    if _NEEDS_FOLD.search(text) is None:
        return text
    folded = _NEEDS_FOLD.sub(_fold_run, text)
    # Every folded character is one character (NFKC of these code points is one ASCII char).
    assert len(folded) == len(text)
    return folded


def is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


# A chain of digit groups joined by single spaces or hyphens ("6222 0212 3456 7890 123",
# "138-1234-5678"), with an optional trailing X for ID numbers. One character class per
# step and no look-arounds: a single left-to-right pass, linear in the text length.
# Chains shorter than eight digits (years, dates, 文号) can hold no identifier and are not
# even matched.
_CHAIN = re.compile(r"[0-9](?:[ \-]?[0-9]){7,}[Xx]?")
_GROUP = re.compile(r"[0-9]+[Xx]?")

# Longest identifier built from digits (bank cards, 19); windows never need to be longer.
MAX_NUMBER_LENGTH = 19
# Groupings people use are short (6-8-4, 4-4-4-4-3, 3-4-4): five groups cover them.
MAX_WINDOW_GROUPS = 5
# Grouped numbers are read only as mobiles (11), old IDs (15), IDs (18) and cards (16-19).
MIN_WINDOW_LENGTH = 11


class NumberCandidate(NamedTuple):
    """Digits found in the text, possibly written in groups.

    ``value`` is the digits without separators (upper-case X kept), ``grouping`` the lengths
    of the groups as written, ``start``/``end`` the span in the field.
    """

    start: int
    end: int
    value: str
    grouping: tuple[int, ...]


def number_candidates(folded: str) -> Iterator[NumberCandidate]:
    """Every plausible way to read the digit chains of ``folded`` as one number.

    For each chain: each group on its own, and each run of up to five consecutive groups
    joined by spaces (not hyphens, which bind a number such as 0532-85912345) or the whole
    chain. A group glued to an ASCII letter (``No12345…``, ``…1234abc``) is part of a code,
    not an identifier, and yields nothing.
    """
    n = len(folded)
    for chain in _CHAIN.finditer(folded):
        cs, ce = chain.span()
        if cs > 0 and is_ascii_alnum(folded[cs - 1]):
            continue
        if ce < n and is_ascii_alnum(folded[ce]):
            continue
        groups = [(m.start(), m.end()) for m in _GROUP.finditer(folded, cs, ce)]
        if len(groups) == 1:
            s, e = groups[0]
            if e - s <= MAX_NUMBER_LENGTH + 2:  # room for a +86 prefix written as 86…
                yield NumberCandidate(s, e, folded[s:e].upper(), (e - s,))
            continue
        for i, (s, e) in enumerate(groups):
            if e - s <= MAX_NUMBER_LENGTH + 2:
                yield NumberCandidate(s, e, folded[s:e].upper(), (e - s,))
            length = e - s
            for j in range(i + 1, min(i + MAX_WINDOW_GROUPS, len(groups))):
                gs, ge = groups[j]
                length += ge - gs
                if length > MAX_NUMBER_LENGTH + 2:
                    break
                whole = i == 0 and j == len(groups) - 1
                # A piece of a chain is read alone only where the chain breaks at a space.
                if not whole and not _space_cut(folded, groups, i, j):
                    continue
                if length < MIN_WINDOW_LENGTH:
                    continue
                digits = "".join(folded[a:b] for a, b in groups[i : j + 1]).upper()
                grouping = tuple(b - a for a, b in groups[i : j + 1])
                yield NumberCandidate(s, ge, digits, grouping)


def _space_cut(folded: str, groups: list[tuple[int, int]], i: int, j: int) -> bool:
    before_ok = i == 0 or folded[groups[i][0] - 1] == " "
    after_ok = j == len(groups) - 1 or folded[groups[j][1]] == " "
    return before_ok and after_ok


class TableIndex:
    """Rows and cells of the tables in a field's plain text.

    The text model writes table cells separated by tabs and rows by newlines, so a table is
    a block of consecutive lines that contain a tab; its first line is taken as the header.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts: list[int] = [0] + [m.end() for m in re.finditer("\n", text)]
        self._cells: dict[int, list[tuple[int, int]]] = {}
        self._cell_starts: dict[int, list[int]] = {}
        self.header_line: list[int | None] = [None] * len(self.line_starts)
        if "\t" not in text:
            return  # no table at all: the common case, no per-line work
        current: int | None = None
        for i, ls in enumerate(self.line_starts):
            if text.find("\t", ls, self._line_end(i)) >= 0:
                if current is None:
                    current = i
                self.header_line[i] = current
            else:
                current = None

    def _line_end(self, i: int) -> int:
        return self.line_starts[i + 1] - 1 if i + 1 < len(self.line_starts) else len(self.text)

    def line_of(self, pos: int) -> int:
        return bisect.bisect_right(self.line_starts, pos) - 1

    def row_span(self, pos: int) -> tuple[int, int] | None:
        """The table row (line) holding ``pos``, or None outside tables."""
        i = self.line_of(pos)
        if self.header_line[i] is None:
            return None
        return self.line_starts[i], self._line_end(i)

    def is_header_row(self, pos: int) -> bool:
        i = self.line_of(pos)
        return self.header_line[i] == i

    def cells(self, line: int) -> list[tuple[int, int]]:
        cached = self._cells.get(line)
        if cached is None:
            ls, le = self.line_starts[line], self._line_end(line)
            cached, start = [], ls
            tab = self.text.find("\t", ls, le)
            while tab >= 0:
                cached.append((start, tab))
                start = tab + 1
                tab = self.text.find("\t", start, le)
            cached.append((start, le))
            self._cells[line] = cached
        return cached

    def line_span(self, pos: int) -> tuple[int, int]:
        i = self.line_of(pos)
        return self.line_starts[i], self._line_end(i)

    def column_of(self, pos: int) -> int:
        line = self.line_of(pos)
        starts = self._cell_starts.get(line)
        if starts is None:
            starts = self._cell_starts[line] = [a for a, _ in self.cells(line)]
        return max(bisect.bisect_right(starts, pos) - 1, 0)

    def header_for(self, pos: int) -> str | None:
        """Text of the header cell above ``pos`` (None outside tables or in the header row)."""
        i = self.line_of(pos)
        h = self.header_line[i]
        if h is None or h == i:
            return None
        header_cells = self.cells(h)
        col = self.column_of(pos)
        if col >= len(header_cells):
            return None
        a, b = header_cells[col]
        return self.text[a:b]

    def headers(self, pos: int) -> list[str]:
        i = self.line_of(pos)
        h = self.header_line[i]
        if h is None:
            return []
        return [self.text[a:b] for a, b in self.cells(h)]


class FieldText:
    """One field prepared for the recognizers: original, folded copy, lazily built indexes.

    Built once per field and shared, so the digit chains are scanned once for all the
    number recognizers and the table structure once for all context look-ups.
    """

    __slots__ = ("_numbers", "_table", "folded", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded = fold(text)
        self._numbers: list[NumberCandidate] | None = None
        self._table: TableIndex | None = None

    @property
    def numbers(self) -> list[NumberCandidate]:
        if self._numbers is None:
            self._numbers = list(number_candidates(self.folded))
        return self._numbers

    @property
    def table(self) -> TableIndex:
        if self._table is None:
            self._table = TableIndex(self.text)
        return self._table

"""Normalisation for matching, with an exact map back to the original characters.

Matching happens on a folded copy of the text: NFKC width folding, case folding, 繁→简,
circled and parenthesised numbers as digits, zero-width characters removed and noise
characters dropped. ``NormalizedText.index[i]`` is the original offset of folded character
``i``, so every match is reported on the characters the author actually typed.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from dataclasses import dataclass
from functools import cache

from checks import defaults

ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e")

# NFKC turns ㈠ into "(一)"; for matching we want the digit, like ① → 1 and ⑴ → (1).
_IDEOGRAPHIC_NUMBERS = {chr(0x3220 + i): str(i + 1) for i in range(10)} | {
    chr(0x3280 + i): str(i + 1) for i in range(10)
}

# Runs of characters that fold one-to-one through a translate table (the common case):
# CJK ideographs and ASCII letters and digits. Everything else is folded one at a time.
_SIMPLE_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9]+")


@cache
def _t2s_table() -> dict[int, str]:
    """Single-character traditional → simplified mapping taken from OpenCC's t2s dictionary.

    Character-level conversion keeps offsets exact; OpenCC's phrase rules could change the
    length of the text and break the map back to the original.
    """
    import opencc

    converter = opencc.OpenCC("t2s")
    table: dict[int, str] = {}
    for block_start, block_end in ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00)):
        for cp in range(block_start, block_end):
            ch = chr(cp)
            simplified = converter.convert(ch)
            if simplified != ch and len(simplified) == 1:
                table[cp] = simplified
    for cp in range(ord("A"), ord("Z") + 1):
        table[cp] = chr(cp + 32)
    return table


@dataclass(frozen=True, slots=True)
class NormalizedText:
    original: str
    text: str
    index: array  # index[i] = offset in ``original`` of ``text[i]``

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) covering folded characters start..end-1."""
        return self.index[start], self.index[end - 1] + 1


class Normalizer:
    """Folds text for matching. One instance per noise set; it caches per-character folds."""

    def __init__(self, noise: str = defaults.DEFAULT_NOISE_CHARACTERS) -> None:
        self.noise = frozenset(noise)
        self._fold_cache: dict[str, str] = {}

    def fold_char(self, ch: str) -> str:
        """The folded form of one character: "" when it is dropped, else one or more chars."""
        cached = self._fold_cache.get(ch)
        if cached is not None:
            return cached
        if ch in ZERO_WIDTH:
            folded = ""
        elif ch in _IDEOGRAPHIC_NUMBERS:
            folded = _IDEOGRAPHIC_NUMBERS[ch]
        else:
            folded = unicodedata.normalize("NFKC", ch).casefold().translate(_t2s_table())
            folded = "".join(c for c in folded if c not in self.noise and c not in ZERO_WIDTH)
            if ch in self.noise:
                folded = ""
        self._fold_cache[ch] = folded
        return folded

    def fold_term(self, term: str) -> str:
        """A lexicon term folded exactly as text is, so both sides meet."""
        return self.normalize(term).text

    def normalize(self, text: str) -> NormalizedText:
        table = _t2s_table()
        pieces: list[str] = []
        index = array("q")
        pos = 0
        for m in _SIMPLE_RUN.finditer(text):
            if m.start() > pos:
                self._fold_slow(text, pos, m.start(), pieces, index)
            pieces.append(m.group().translate(table))
            index.extend(range(m.start(), m.end()))
            pos = m.end()
        if pos < len(text):
            self._fold_slow(text, pos, len(text), pieces, index)
        return NormalizedText(original=text, text="".join(pieces), index=index)

    def _fold_slow(self, text: str, start: int, end: int, pieces: list[str], index: array) -> None:
        fold = self.fold_char
        for i in range(start, end):
            folded = fold(text[i])
            if folded:
                pieces.append(folded)
                index.extend([i] * len(folded))

"""Normalisation for matching, with an exact map back to the original characters.

Matching happens on a folded copy of the text: NFKC width folding, case folding, 繁→简,
circled and parenthesised numbers as digits, zero-width characters removed and noise
characters dropped. ``NormalizedText.index[i]`` is the original offset of folded character
``i``, so every match is reported on the characters the author actually typed.
"""

from __future__ import annotations

import unicodedata
from array import array
from dataclasses import dataclass
from functools import cache

import numpy as np

from checks import defaults

ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e")

# NFKC turns ㈠ into "(一)"; for matching we want the digit, like ① → 1 and ⑴ → (1).
_IDEOGRAPHIC_NUMBERS = {chr(0x3220 + i): str(i + 1) for i in range(10)} | {
    chr(0x3280 + i): str(i + 1) for i in range(10)
}


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


@dataclass(frozen=True, slots=True)
class _FoldTables:
    fold: np.ndarray  # uint32[65536]: the folded character of each BMP character that folds to one
    width: np.ndarray  # uint8[65536]: how many characters each BMP character folds to (0 = dropped)
    expansions: dict[int, str]  # BMP characters that fold to several characters


@cache
def _fold_tables(noise: frozenset[str]) -> _FoldTables:
    """Fold every BMP character once; the hot path is then array lookups in numpy."""
    normalizer = Normalizer(noise)
    fold = np.arange(0x10000, dtype=np.uint32)
    width = np.ones(0x10000, dtype=np.uint8)
    expansions: dict[int, str] = {}
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue  # a lone surrogate stays as it is
        folded = normalizer.fold_char(chr(cp))
        width[cp] = len(folded)
        if len(folded) == 1:
            fold[cp] = ord(folded)
        elif folded:
            expansions[cp] = folded
    return _FoldTables(fold, width, expansions)


class Normalizer:
    """Folds text for matching. One instance per noise set; it caches per-character folds."""

    def __init__(self, noise: str | frozenset[str] = defaults.DEFAULT_NOISE_CHARACTERS) -> None:
        self.noise = frozenset(noise)
        self._fold_cache: dict[str, str] = {}

    def fold_char(self, ch: str) -> str:
        """The folded form of one character: "" when it is dropped, else one or more chars."""
        cached = self._fold_cache.get(ch)
        if cached is not None:
            return cached
        if ch in ZERO_WIDTH or ch in self.noise:
            folded = ""
        elif ch in _IDEOGRAPHIC_NUMBERS:
            folded = _IDEOGRAPHIC_NUMBERS[ch]
        else:
            folded = unicodedata.normalize("NFKC", ch).casefold().translate(_t2s_table())
            # Folded text stays in the Basic Multilingual Plane: the matcher encodes every
            # character as two symbols of 8 bits each (see checks.matcher).
            folded = "".join(
                c if c <= "\uffff" else "\ufffd" for c in folded if c not in self.noise and c not in ZERO_WIDTH
            )
        self._fold_cache[ch] = folded
        return folded

    def fold_term(self, term: str) -> str:
        """A lexicon term folded exactly as text is, so both sides meet."""
        return self.normalize(term).text

    def fold_terms(self, terms: list[str]) -> list[str]:
        """Many terms at once: one pass over the joined text instead of one call per term
        (a million-entry lexicon folds in seconds). Terms never contain a line break."""
        if "\n" not in self.noise:
            parts = self.normalize("\n".join(terms)).text.split("\n")
            if len(parts) == len(terms):
                return parts
        return [self.fold_term(term) for term in terms]

    def normalize(self, text: str) -> NormalizedText:
        """Fold ``text`` character by character, keeping the origin of every folded character.

        Vectorised over code points: widths and folds come from per-character tables, the
        index map is ``repeat(arange(n), widths)``; only characters that fold to several
        characters or lie outside the BMP (rare) are handled one by one.
        """
        if not text:
            return NormalizedText(original=text, text="", index=array("q"))
        tables = _fold_tables(self.noise)
        code_points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        in_bmp = code_points < 0x10000
        lookup = code_points if in_bmp.all() else np.where(in_bmp, code_points, 0)
        widths = tables.width[lookup]
        special: dict[int, str] = {}
        for position in np.flatnonzero(~in_bmp).tolist():
            folded = self.fold_char(text[position])
            widths[position] = len(folded)
            special[position] = folded
        if tables.expansions:
            for position in np.flatnonzero(widths > 1).tolist():
                special.setdefault(position, tables.expansions.get(int(code_points[position]), ""))
        index = np.repeat(np.arange(len(code_points), dtype=np.int64), widths)
        folded_points = tables.fold[lookup][index]
        if special:
            offsets = np.cumsum(widths, dtype=np.int64) - widths
            for position, folded in special.items():
                first = int(offsets[position])
                folded_points[first : first + len(folded)] = [ord(ch) for ch in folded]
        index_map = array("q")
        index_map.frombytes(index.tobytes())
        return NormalizedText(
            original=text,
            text=folded_points.tobytes().decode("utf-32-le", "surrogatepass"),
            index=index_map,
        )

"""Multi-term matching: Aho–Corasick over folded text, then our own resolution.

pyahocorasick's ``Automaton.iter()`` reports every occurrence of every term. We keep the
ones whose original span is a plausible writing of the term (no long noise gaps, no white
space splitting a Latin word, ASCII word boundaries for Latin and digit terms), drop those
covered by an allow entry, and resolve overlaps leftmost-longest. ``iter_long`` is not used:
it returns wrong results in pyahocorasick 2.3.x. Automata are built once per lexicon
version and shared; they are never pickled per request.

pyahocorasick finds a node's child by a linear scan, so a root with thousands of distinct
first characters (any large Chinese lexicon) costs about 1.5 µs per input character. We
therefore feed it every folded character as two symbols — its high byte and its low byte —
which caps any node at 256 children and makes the scan some thirty times faster. Matches
that begin on a low byte straddle two characters and are dropped (see bench/engine.py for
the measurement).
"""

from __future__ import annotations

import bisect
import unicodedata
from array import array
from dataclasses import dataclass

import ahocorasick

from checks import defaults
from checks.exceptions import LexiconError
from checks.lexicon import Entry, Lexicon
from checks.normalize import ZERO_WIDTH, NormalizedText, Normalizer


def to_symbols(text: str) -> str:
    """Each BMP character as two symbols, its high and its low byte (UTF-16BE read as
    Latin-1): a C-speed codec instead of a per-character table. High and low bytes share one
    range, so a match may start on a low byte; ``find`` drops those (odd start)."""
    return text.encode("utf-16-be", "surrogatepass").decode("latin-1")


def is_ascii_word_char(ch: str) -> bool:
    """True for ASCII letters and digits, including their full-width forms."""
    if ch.isascii():
        return ch.isalnum()
    folded = unicodedata.normalize("NFKC", ch)
    return len(folded) == 1 and folded.isascii() and folded.isalnum()


@dataclass(frozen=True, slots=True)
class Hit:
    """A resolved match: original [start, end) and the lexicon entries of that term."""

    start: int
    end: int
    entries: tuple[Entry, ...]


class Matcher:
    def __init__(
        self,
        lexicon: Lexicon,
        normalizer: Normalizer,
        max_noise_run: int = defaults.MAX_NOISE_RUN,
    ) -> None:
        self.normalizer = normalizer
        self.max_noise_run = max_noise_run
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        entries = lexicon.entries
        keys = normalizer.fold_terms([entry.term for entry in entries])
        encoded = [to_symbols(key) for key in keys]
        pattern_ids: dict[str, int] = {}
        lengths: list[int] = []
        latin_start = bytearray()
        latin_end = bytearray()
        allow = bytearray()
        entries_by_pattern: list[list[Entry]] = []
        for entry, key, encoded_key in zip(entries, keys, encoded, strict=True):
            if len(key) < defaults.MIN_TERM_LENGTH:
                raise LexiconError(
                    f"{entry.source}: term is shorter than {defaults.MIN_TERM_LENGTH} characters "
                    "after normalisation and would match everywhere"
                )
            pid = pattern_ids.get(key)
            if pid is None:
                pid = len(entries_by_pattern)
                pattern_ids[key] = pid
                entries_by_pattern.append([])
                lengths.append(len(key))
                # Folded text is NFKC'd and case-folded already: a plain ASCII test suffices.
                latin_start.append(key[0].isascii() and key[0].isalnum())
                latin_end.append(key[-1].isascii() and key[-1].isalnum())
                allow.append(0)
                self._automaton.add_word(encoded_key, pid)
            if entry.kind == "allow":
                allow[pid] = 1
            else:
                entries_by_pattern[pid].append(entry)
        self._lengths = array("i", lengths)
        self._latin_start = latin_start
        self._latin_end = latin_end
        self._allow = allow
        self._entries = [tuple(group) for group in entries_by_pattern]
        self.pattern_count = len(entries_by_pattern)
        if self.pattern_count:
            self._automaton.make_automaton()

    def find(self, norm: NormalizedText) -> list[Hit]:
        if not self.pattern_count or not norm.text:
            return []
        index = norm.index
        candidates: list[tuple[int, int, int]] = []
        allow_spans: list[tuple[int, int]] = []
        for last_symbol, pid in self._automaton.iter(to_symbols(norm.text)):
            if (last_symbol - 2 * self._lengths[pid] + 1) & 1:
                continue  # began on a low byte: not a match of whole characters
            last = last_symbol >> 1
            first = last - self._lengths[pid] + 1
            if not self._plausible(norm, first, last, pid):
                continue
            span = (index[first], index[last] + 1)
            if self._allow[pid]:
                allow_spans.append(span)
            if self._entries[pid]:
                candidates.append((span[0], span[1], pid))
        if allow_spans:
            candidates = _drop_covered(candidates, allow_spans)
        candidates.sort(key=lambda c: (c[0], c[0] - c[1]))
        hits: list[Hit] = []
        reach = -1
        for start, end, pid in candidates:
            if start >= reach:
                hits.append(Hit(start, end, self._entries[pid]))
                reach = end
        return hits

    def _plausible(self, norm: NormalizedText, first: int, last: int, pid: int) -> bool:
        index, original = norm.index, norm.original
        if index[last] - index[first] != last - first:
            folded = norm.text
            for k in range(first, last):
                a, b = index[k], index[k + 1]
                if b - a <= 1:
                    continue
                gap = original[a + 1 : b]
                if sum(ch not in ZERO_WIDTH for ch in gap) > self.max_noise_run:
                    return False
                if (
                    folded[k].isascii()
                    and folded[k].isalnum()
                    and folded[k + 1].isascii()
                    and folded[k + 1].isalnum()
                    and any(ch.isspace() for ch in gap)
                ):
                    return False  # "is my" is not an evasion of "ism"
        if self._latin_start[pid]:
            before = index[first] - 1
            if before >= 0 and is_ascii_word_char(original[before]):
                return False
        if self._latin_end[pid]:
            after = index[last] + 1
            if after < len(original) and is_ascii_word_char(original[after]):
                return False
        return True


def _drop_covered(
    candidates: list[tuple[int, int, int]], allow_spans: list[tuple[int, int]]
) -> list[tuple[int, int, int]]:
    """Remove candidates lying wholly inside some allow span."""
    allow_spans.sort()
    starts = [s for s, _ in allow_spans]
    reach: list[int] = []
    best = -1
    for _, end in allow_spans:
        best = max(best, end)
        reach.append(best)
    kept = []
    for start, end, pid in candidates:
        i = bisect.bisect_right(starts, start) - 1
        if i >= 0 and reach[i] >= end:
            continue
        kept.append((start, end, pid))
    return kept

"""English words in Chinese text, checked with pyspellchecker.

Only what is clearly meant to be an English word is checked: acronyms (GDP, CPU), words
with digits (5G, IPv6, PM2.5), inner capitals (iPhone), parts of URLs, e-mail addresses and
file names, pinyin (Qingdao, zhengwu) and listed names are left alone. A word is reported
only when the dictionary does not know it *and* offers a correction, so unknown proper
nouns (Qualcomm) stay quiet while "goverment" is caught.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from checks import defaults

_WORD = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]+(?:['’][a-z]+)?(?![0-9A-Za-z])")
# Runs of characters that make up English words and technical tokens alike. Scanning for
# these first keeps the cost proportional to the Latin text, not to the whole draft.
_ASCII_RUN = re.compile(r"[A-Za-z0-9._%+\-/\\:@#?=&~'’]+")
# A run is technical (URL, e-mail, host, path, file name, identifier) when it has one of
# these, or a dot between two letters or digits.
_TECHNICAL_MARK = re.compile(r"[@/\\:_#=&~%]|[A-Za-z0-9]\.[A-Za-z0-9]")

_spellchecker_lock = threading.Lock()


@cache
def _spellchecker():
    from spellchecker import SpellChecker

    return SpellChecker(language="en", distance=1)


@cache
def _word_list(name: str, directory: Path) -> frozenset[str]:
    path = directory / name
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(line.lower())
    return frozenset(words)


# The English allow-list and the pinyin syllables belong to the spell checker, not to a
# site's lexicon: they are always read from the shipped folder. Sites extend the allow-list
# with ordinary allow entries (see ``extra_allowed``).
SHIPPED_WORD_LISTS = Path(__file__).resolve().parent.parent / "lexicons"


def is_pinyin(word: str, syllables: frozenset[str]) -> bool:
    """True when ``word`` splits completely into pinyin syllables (dynamic programming)."""
    word = word.lower()
    reachable = [True] + [False] * len(word)
    for end in range(1, len(word) + 1):
        for size in range(1, min(6, end) + 1):
            if reachable[end - size] and word[end - size : end] in syllables:
                reachable[end] = True
                break
    return reachable[-1]


@dataclass(frozen=True, slots=True)
class Misspelling:
    start: int
    end: int
    word: str
    correction: str


def _checkable(word: str) -> bool:
    if len(word) < defaults.MIN_SPELLCHECK_WORD or word.isupper():
        return False
    return not any(ch.isupper() for ch in word[1:])


def find_misspellings(
    text: str, extra_allowed: Iterable[str] = (), directory: Path | None = None
) -> Iterator[Misspelling]:
    directory = directory or SHIPPED_WORD_LISTS
    allowed = _word_list("english_allow.txt", directory) | {w.lower() for w in extra_allowed}
    syllables = _word_list("pinyin_syllables.txt", directory)
    candidates = []
    for run in _ASCII_RUN.finditer(text):
        token = run.group()
        if _TECHNICAL_MARK.search(token) or token.lower().startswith("www"):
            continue
        for m in _WORD.finditer(token):
            word = m.group().replace("’", "'")
            if not _checkable(word) or word.lower() in allowed:
                continue
            candidates.append((run.start() + m.start(), run.start() + m.end(), word))
    if not candidates:
        return
    with _spellchecker_lock:  # pyspellchecker keeps caches that are not thread-safe
        spell = _spellchecker()
        unknown = spell.unknown([w for _, _, w in candidates])
        for start, end, word in candidates:
            lowered = word.lower()
            if lowered not in unknown or is_pinyin(lowered, syllables):
                continue
            correction = spell.correction(lowered)
            if correction and correction != lowered:
                if word[0].isupper():
                    correction = correction[0].upper() + correction[1:]
                yield Misspelling(start, end, word, correction)

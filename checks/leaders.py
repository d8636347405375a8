"""Leaders' names and titles: a wrong pairing or a mistyped name next to a title.

Site inspections treat a mistyped leader's name as a single-item veto, so both are
``block``. To stay precise the name check is anchored on a title: only the characters
right before or after a known title are compared with the names that carry that title,
and a one-character substitution counts only when the new character sounds the same
(习进平) — otherwise "国务院总理李克强" would be read as a misspelt 李强.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache

import ahocorasick

from checks.lexicon import Leader


@dataclass(frozen=True, slots=True)
class LeaderProblem:
    start: int  # offsets into the folded text
    end: int
    kind: str  # "title" or "name"
    leader: Leader
    found_title: str = ""


@cache
def _readings(ch: str) -> frozenset[str]:
    from pypinyin import Style, pinyin

    return frozenset(p for group in pinyin(ch, style=Style.NORMAL, heteronym=True) for p in group)


def sounds_alike(a: str, b: str) -> bool:
    return bool(_readings(a) & _readings(b))


class LeaderIndex:
    def __init__(self, leaders: Sequence[Leader]) -> None:
        self.leaders = tuple(leaders)
        self._names = ahocorasick.Automaton()
        self._titles = ahocorasick.Automaton()
        self._by_title: dict[str, list[Leader]] = {}
        for leader in self.leaders:
            self._names.add_word(leader.name, leader)
            for title in leader.titles:
                self._by_title.setdefault(title, []).append(leader)
        for title in self._by_title:
            self._titles.add_word(title, title)
        self.empty = not self.leaders
        if not self.empty:
            self._names.make_automaton()
            self._titles.make_automaton()

    def _accepts(self, leader: Leader, title: str) -> bool:
        for own in leader.titles:
            if own == title:
                return True
            if own.endswith(title) and not own[: -len(title)].endswith("副"):
                return True
        return False

    def _longest_title_ending_at(self, text: str, end: int) -> str | None:
        best = None
        for title in self._by_title:
            fits = end >= len(title) and text.startswith(title, end - len(title))
            if fits and (best is None or len(title) > len(best)):
                best = title
        return best

    def _longest_title_starting_at(self, text: str, start: int) -> str | None:
        best = None
        for title in self._by_title:
            if text.startswith(title, start) and (best is None or len(title) > len(best)):
                best = title
        return best

    def find(self, text: str) -> Iterator[LeaderProblem]:
        if self.empty:
            return
        named: set[tuple[int, int]] = set()
        for last, leader in self._names.iter(text):
            start, end = last - len(leader.name) + 1, last + 1
            named.add((start, end))
            for title in (
                self._longest_title_ending_at(text, start),
                self._longest_title_starting_at(text, end),
            ):
                if title and not self._accepts(leader, title):
                    yield LeaderProblem(start, end, "title", leader, title)
                    break
        reported: set[tuple[int, int]] = set()
        for last, title in self._titles.iter(text):
            title_start, title_end = last - len(title) + 1, last + 1
            for leader in self._by_title[title]:
                for start, end in self._name_slots(text, title_start, title_end, len(leader.name)):
                    if (start, end) in named or (start, end) in reported:
                        continue
                    if self._looks_like_typo(text[start:end], leader.name):
                        reported.add((start, end))  # 国家主席 and 主席 both anchor one name
                        yield LeaderProblem(start, end, "name", leader, title)

    @staticmethod
    def _name_slots(text: str, title_start: int, title_end: int, size: int) -> Iterator[tuple[int, int]]:
        for width in (size, size + 1):  # +1: one character doubled or inserted
            if title_end + width <= len(text):
                yield title_end, title_end + width
            if title_start - width >= 0:
                yield title_start - width, title_start

    @staticmethod
    def _looks_like_typo(candidate: str, name: str) -> bool:
        if candidate == name or not all("\u4e00" <= ch <= "\u9fff" for ch in candidate):
            return False
        if len(candidate) == len(name) + 1:
            # 习近近平: the name with one of its characters doubled
            return any(candidate == name[: i + 1] + name[i] + name[i + 1 :] for i in range(len(name)))
        if len(candidate) != len(name):
            return False
        diffs = [i for i, (a, b) in enumerate(zip(candidate, name, strict=True)) if a != b]
        return len(diffs) == 1 and diffs[0] > 0 and sounds_alike(candidate[diffs[0]], name[diffs[0]])

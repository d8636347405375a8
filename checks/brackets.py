"""Paired punctuation: unclosed, unopened and crossed brackets and quotes, per paragraph."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

PAIRS = {
    "《": "》", "“": "”", "‘": "’", "（": "）", "【": "】", "〔": "〕",
    "(": ")", "[": "]", "〈": "〉", "「": "」", "『": "』", "｛": "｝",
}  # fmt: skip
CLOSERS = {close: open_ for open_, close in PAIRS.items()}


@dataclass(frozen=True, slots=True)
class BracketProblem:
    start: int
    kind: str  # "unclosed", "unopened" or "mismatched"
    char: str
    expected: str | None = None


def _is_apostrophe(text: str, i: int) -> bool:
    """’ between Latin letters is an apostrophe (don’t), not a closing quote."""
    return (
        0 < i < len(text) - 1
        and text[i - 1].isascii()
        and text[i - 1].isalpha()
        and text[i + 1].isascii()
        and text[i + 1].isalpha()
    )


_INTERESTING = re.compile("[" + re.escape("".join(PAIRS) + "".join(CLOSERS)) + "\n]")


def find_bracket_problems(text: str) -> Iterator[BracketProblem]:
    """Scan only the bracket characters and line breaks; paragraphs are independent."""
    stack: list[tuple[str, int]] = []
    for m in _INTERESTING.finditer(text):
        ch, i = m.group(), m.start()
        if ch == "\n":
            yield from _unclosed_at_paragraph_end(stack, text, i)
            stack = []
        elif ch in PAIRS:
            stack.append((ch, i))
        else:
            if ch == "’" and _is_apostrophe(text, i):
                continue
            opener = CLOSERS[ch]
            depth = next((d for d in range(len(stack) - 1, -1, -1) if stack[d][0] == opener), None)
            if depth is None:
                if stack and _same_shape(stack[-1][0], opener):
                    open_ch, at = stack.pop()
                    yield BracketProblem(at, "mismatched", open_ch, PAIRS[open_ch])
                else:
                    yield BracketProblem(i, "unopened", ch, opener)
                continue
            for open_ch, at in stack[depth + 1 :]:
                yield BracketProblem(at, "unclosed", open_ch, PAIRS[open_ch])
            del stack[depth:]
    yield from _unclosed_at_paragraph_end(stack, text, len(text))


def _unclosed_at_paragraph_end(stack: list[tuple[str, int]], text: str, end: int) -> Iterator[BracketProblem]:
    if not stack:
        return
    following = text[end + 1 :].lstrip(" \t\n\u3000")
    for open_ch, at in stack:
        # A quotation running over several paragraphs reopens “ at each paragraph and
        # closes only at the last one: that is the standard, not an error.
        if open_ch in "“‘" and following.startswith(open_ch):
            continue
        yield BracketProblem(at, "unclosed", open_ch, PAIRS[open_ch])


def _same_shape(open_a: str, open_b: str) -> bool:
    """Full-width and ASCII forms of the same bracket: （…) is a mismatch, not two errors."""
    return {open_a, open_b} in ({"（", "("}, {"【", "["}, {"〔", "["}, {"〔", "【"})

"""Unified social credit codes (GB 32100-2015): organisations, not people.

18 characters from ``0-9 A-H J-N P-R T U W-Y``: registration department (1-9, A, N, Y),
category, six digits of region code, the nine-character organisation code and a check
character (weights 3^(i-1) mod 31, check = alphabet[(31 - Σ mod 31) mod 31]).

A valid USCC is never a privacy finding: an organisation's code is public (企业信用信息公示).
It still matters here, because it *shields* its digits from the other recognizers: an
all-digit USCC must not be reported as a bank card. An 18-digit number that is both a valid
resident ID and a valid USCC (one ID in 31) is read as an ID unless a word such as 信用代码
sits just before it. Old 15-digit 注册号 and 纳税人识别号 after their label shield likewise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.finding import Severity
from checks.privacy.base import Match, Recognizer
from checks.privacy.text import FieldText, is_ascii_alnum

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
DEPARTMENTS = frozenset("123456789ANY")
_TOKEN = re.compile(r"[0-9A-Z]{18,}")
CONTEXT = re.compile(r"信用代码|社会信用|纳税人识别号|注册号|组织机构代码|营业执照|税号")
CONTEXT_WINDOW = 16
PRIORITY = 90
PRIORITY_WITH_CONTEXT = 110


def check_character(body17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(body17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(value: str) -> bool:
    if len(value) != 18 or value[0] not in DEPARTMENTS or not value[2:8].isdigit():
        return False
    if any(c not in ALPHABET for c in value):
        return False
    return check_character(value[:17]) == value[17]


class UsccRecognizer(Recognizer):
    name = "uscc"

    def validate_result(self, value: str) -> bool:
        return is_valid_uscc(value)

    def find(self, doc: FieldText) -> Iterator[Match]:
        text, folded = doc.text, doc.folded
        n = len(folded)
        for m in _TOKEN.finditer(folded):
            token = m.group()
            start, end = m.span()
            if (start > 0 and is_ascii_alnum(folded[start - 1])) or (end < n and is_ascii_alnum(folded[end])):
                continue
            if len(token) == 18 and is_valid_uscc(token):
                yield self._shield(text, m.start(), m.end(), token)
        # Labelled numbers of other organisation registries (15-digit 注册号 and the like).
        for cand in doc.numbers:
            labelled = len(cand.grouping) == 1 and len(cand.value) in (15, 17, 20)
            if labelled and CONTEXT.search(text[max(0, cand.start - CONTEXT_WINDOW) : cand.start]):
                yield self._shield(text, cand.start, cand.end, cand.value, labelled=True)

    def _shield(self, text: str, start: int, end: int, value: str, labelled: bool = False) -> Match:
        context = labelled or bool(CONTEXT.search(text[max(0, start - CONTEXT_WINDOW) : start]))
        return Match(
            recognizer=self.name,
            rule="privacy.uscc",
            start=start,
            end=end,
            value=value,
            severity=Severity.INFO,
            priority=PRIORITY_WITH_CONTEXT if context else PRIORITY,
            mask_kind="default",
            label="统一社会信用代码",
            report=False,
            personal=False,
        )

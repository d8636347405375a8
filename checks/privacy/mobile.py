"""Mainland mobile numbers.

Eleven digits in the ranges the CN numbering plan gives mobiles (libphonenumber's
metadata: 13x, 145, 147, 15x but 154, 162, 165-167, 170-173, 175-178, 1740x, 18x, 19x but
194), written contiguously or as 3-4-4 / 3-8 / 7-4 groups, optionally after 86 / +86.
The digits must stand alone: inside a longer run or glued to letters they are something
else. Landlines (0532-85912345), 12345 / 12366, 400 / 800 numbers are institutional
(《政府信息公开条例》 第十二条 requires agencies to publish them) and never match.

Amounts written in digits (13500000000元) are not phone numbers: a unit right after the
digits cancels the match. Severity ``block``: an unmasked personal mobile number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.finding import Severity
from checks.privacy.base import Match, Recognizer
from checks.privacy.text import FieldText

MOBILE = re.compile(r"1(?:[38][0-9]|4[57]|[59][0-35-9]|6[25-7]|7[0-35-8])[0-9]{8}|1(?:610[0-9]|740[0-5])[0-9]{6}")
GROUPINGS = frozenset({(11,), (3, 4, 4), (3, 8), (7, 4)})
# After an 86 country code written in front (8613812345678, 86 138 1234 5678).
PREFIXED_GROUPINGS = frozenset({(13,), (2, 11), (2, 3, 4, 4), (2, 3, 8), (5, 4, 4), (2, 7, 4)})
UNITS = tuple("元万亿吨人户个次件台辆笔张份米㎡名")
PRIORITY = 60


class MobileRecognizer(Recognizer):
    name = "mobile"

    def validate_result(self, value: str) -> bool:
        return MOBILE.fullmatch(value) is not None

    def find(self, doc: FieldText) -> Iterator[Match]:
        folded = doc.folded
        for cand in doc.numbers:
            value = cand.value
            if len(value) == 11 and cand.grouping in GROUPINGS:
                number = value
            elif len(value) == 13 and value.startswith("86") and cand.grouping in PREFIXED_GROUPINGS:
                number = value[2:]
            else:
                continue
            if not self.validate_result(number):
                continue
            if self._is_amount(folded, cand.start, cand.end):
                continue
            yield Match(
                recognizer=self.name,
                rule="privacy.mobile",
                start=cand.start,
                end=cand.end,
                value=number,
                severity=Severity.BLOCK,
                priority=PRIORITY,
                mask_kind="mobile",
                label="手机号码",
            )

    @staticmethod
    def _is_amount(folded: str, start: int, end: int) -> bool:
        after = folded[end : end + 2].lstrip(" ")
        before = folded[max(0, start - 1) : start]
        return after.startswith(UNITS) or before in ("¥", "￥", "$")

"""Bank card numbers.

16-19 digits (UnionPay's lengths), contiguous or in groups of four (6222 0212 3456 7890
123) or 6 + rest, with a valid Luhn digit. Luhn alone passes about one random number in
ten, so a card also needs an issuer prefix (62 UnionPay; 4, 5, 3 dual-brand; 9 early
domestic cards) or a context word (银行卡, 卡号, 账号, 开户行 …) shortly before it or in its
table column's header. A number labelled as something else (编号, 订单号, No.) needs a card
word to count.

Overlaps: a valid resident ID or an organisation's USCC wins (higher priority in the
resolver). An 18-digit number shaped like an ID (region + birth date) with a wrong check
digit is a mistyped ID, not a card, unless a card word says otherwise. ``block``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from checks.finding import Severity
from checks.privacy.base import Match, Recognizer
from checks.privacy.resident_id import looks_like_id
from checks.privacy.text import FieldText

PREFIXES = ("62", "4", "5", "3", "9")
CONTEXT = re.compile(r"银行卡|卡号|账号|帐号|账户|帐户|开户行|开户银行|社保卡|借记卡|信用卡|存折")
CONTEXT_WINDOW = 20
# Labels of other long numbers: a Luhn-valid 编号 or 订单号 is not a card unless a card word
# says so.
OTHER_NUMBER = re.compile(r"(?:编号|订单号|单号|文号|流水号|序号|案号|证号|批号|条码|No\.?|NO\.?)[：: ]?$")
PRIORITY = 70


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _grouping_ok(grouping: tuple[int, ...]) -> bool:
    if len(grouping) == 1:
        return True
    if all(g == 4 for g in grouping[:-1]) and 1 <= grouping[-1] <= 4:
        return True
    return len(grouping) == 2 and grouping[0] == 6


class BankCardRecognizer(Recognizer):
    name = "bank_card"

    def __init__(self, today: date) -> None:
        self.today = today

    def validate_result(self, value: str) -> bool:
        return value.isdigit() and 16 <= len(value) <= 19 and luhn_valid(value)

    def find(self, doc: FieldText) -> Iterator[Match]:
        for cand in doc.numbers:
            value = cand.value
            if not (16 <= len(value) <= 19) or not _grouping_ok(cand.grouping):
                continue
            if not self.validate_result(value):
                continue
            context = self._has_context(doc, cand.start)
            if looks_like_id(value, self.today) and not context:
                continue
            if not (value.startswith(PREFIXES) or context):
                continue
            if not context and OTHER_NUMBER.search(doc.text[max(0, cand.start - 8) : cand.start]):
                continue
            yield Match(
                recognizer=self.name,
                rule="privacy.bank_card",
                start=cand.start,
                end=cand.end,
                value=value,
                severity=Severity.BLOCK,
                priority=PRIORITY,
                mask_kind="bank_card",
                label="银行卡号",
                facts={"context": context},
            )

    @staticmethod
    def _has_context(doc: FieldText, start: int) -> bool:
        if CONTEXT.search(doc.text[max(0, start - CONTEXT_WINDOW) : start]):
            return True
        header = doc.table.header_for(start)
        return bool(header and CONTEXT.search(header))

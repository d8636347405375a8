"""Resident identity numbers (GB 11643-1999), the 18-digit numbers on the same scheme and
the 15-digit numbers of GB 11643-1989.

An 18-digit number counts when all of these hold:
- the first digit is 1-9 and the first two form a province code (11-15, 21-23, 31-37,
  41-46, 50-54, 61-65, 71, 81-83), or the first digit is 9 and the next two form one
  (the 2023 外国人永久居留身份证);
- digits 7-14 are a real date from 1880 on and not after ``today``;
- the check character is ISO 7064 MOD 11-2: Σ aᵢ·Wᵢ with W = 7 9 10 5 8 4 2 1 6 3 7 9 10
  5 8 4 2, mod 11 mapped to 1 0 X 9 8 7 6 5 4 3 2 (a lower-case x is accepted).

A 15-digit number has no check digit, so it needs the province code and a valid YYMMDD
date (read as 19YY). Both are ``block``: a published ID number is an incident.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from checks.finding import Severity
from checks.privacy.base import Match, Recognizer
from checks.privacy.text import FieldText

PROVINCES = frozenset(
    [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66), 71, 81, 82, 83]
)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
# How the digits are written: contiguous, or grouped as region / birth date / rest.
GROUPINGS_18 = frozenset({(18,), (6, 8, 4), (6, 4, 4, 4)})
GROUPINGS_15 = frozenset({(15,), (6, 6, 3)})
EARLIEST_BIRTH_YEAR = 1880
PRIORITY = 100


def check_character(body17: str) -> str:
    total = sum(int(d) * w for d, w in zip(body17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def _real_date(year: int, month: int, day: int, today: date) -> bool:
    if year < EARLIEST_BIRTH_YEAR:
        return False
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return born <= today


def region_kind(value: str) -> str | None:
    """ "resident", "permanent_residence" or "hmt_residence" for a plausible prefix, else None."""
    if value[0] == "9":
        return "permanent_residence" if int(value[1:3]) in PROVINCES else None
    province = int(value[:2])
    if province not in PROVINCES:
        return None
    if province >= 81 and value[2:6] == "0000":
        return "hmt_residence"
    return "resident"


def is_valid_18(value: str, today: date) -> bool:
    if len(value) != 18 or not value[:17].isdigit() or value[0] == "0":
        return False
    if region_kind(value) is None:
        return False
    if not _real_date(int(value[6:10]), int(value[10:12]), int(value[12:14]), today):
        return False
    return check_character(value[:17]) == value[17].upper()


def is_valid_15(value: str, today: date) -> bool:
    if len(value) != 15 or not value.isdigit() or value[0] == "0":
        return False
    if value[0] == "9" or int(value[:2]) not in PROVINCES:
        return False
    return _real_date(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12]), today)


_LABELS = {
    "resident": "身份证号",
    "permanent_residence": "外国人永久居留身份证号",
    "hmt_residence": "港澳台居民居住证号",
}


class ResidentIdRecognizer(Recognizer):
    name = "resident_id"

    def __init__(self, today: date) -> None:
        self.today = today

    def validate_result(self, value: str) -> bool:
        value = value.upper()
        return is_valid_18(value, self.today) or is_valid_15(value, self.today)

    def find(self, doc: FieldText) -> Iterator[Match]:
        for cand in doc.numbers:
            value = cand.value
            if len(value) == 18 and cand.grouping in GROUPINGS_18:
                if not is_valid_18(value, self.today):
                    continue
                kind = region_kind(value) or "resident"
                facts = {"kind": kind, "digits": 18}
            elif len(value) == 15 and cand.grouping in GROUPINGS_15:
                if not is_valid_15(value, self.today):
                    continue
                kind, facts = "resident", {"kind": "resident", "digits": 15}
            else:
                continue
            yield Match(
                recognizer=self.name,
                rule="privacy.resident_id",
                start=cand.start,
                end=cand.end,
                value=value,
                severity=Severity.BLOCK,
                priority=PRIORITY,
                mask_kind="resident_id",
                label=_LABELS[kind],
                facts=facts,
            )


def looks_like_id(value: str, today: date) -> bool:
    """An 18-digit number with an ID's region and birth date, whatever its check digit.

    Used to keep a mistyped ID from being reported as a bank card by accident of Luhn.
    """
    if len(value) != 18 or not value[:17].isdigit() or region_kind(value) is None:
        return False
    return _real_date(int(value[6:10]), int(value[10:12]), int(value[12:14]), today)

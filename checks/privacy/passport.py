"""Passports and travel permits.

- 普通护照: G + 8 digits (before 2012), E + 8 digits, E + letter (no I/O) + 7 digits.
- 往来港澳通行证: C + 8 digits, then C + letter (no I/O) + 7 digits.
- 港澳居民来往内地通行证 (回乡证): H or M + 8 digits, optionally + 2 digits of renewals.
- 台湾居民来往大陆通行证: 8 digits (10 characters on old cards) — only after its label,
  a bare 8-digit run is noise.
- 外国人永久居留证 of 2017: 3 letters + 12 digits, only after its label.

The shapes are short and generic, so the severity depends on context: a label (护照,
通行证, 证件号 …) within a few characters before, or in the table column header, makes it
``block``; a passport shape alone is ``warn``; a permit shape alone is not reported
(C12345678 is as likely a product or case number).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.finding import Severity
from checks.privacy.base import Match, Recognizer
from checks.privacy.text import FieldText, is_ascii_alnum

# Every shape starts with a capital letter and has 9-15 characters; the boundaries are
# checked in code (a token inside a longer code is not an identifier).
_TOKEN = re.compile(r"[A-Z][0-9A-Z]{8,14}")
PASSPORT = re.compile(r"[GE][0-9]{8}|E[A-HJ-NP-Z][0-9]{7}")
HK_MACAO_PASS = re.compile(r"C[0-9]{8}|C[A-HJ-NP-Z][0-9]{7}")
HOME_RETURN = re.compile(r"[HM][0-9]{8}(?:[0-9]{2})?")
OLD_PERMANENT_RESIDENCE = re.compile(r"[A-Z]{3}[0-9]{12}")
CONTEXT = re.compile(r"护照|通行证|回乡证|来往内地|证件号|证件号码|证件类型|旅行证|居留证|台胞证|港澳|签证")
TAIWAN_CONTEXT = re.compile(r"台胞证|台湾居民来往大陆通行证|来往大陆通行证")
PERMANENT_CONTEXT = re.compile(r"永久居留|居留证")
CONTEXT_WINDOW = 24
PRIORITY = 80


class PassportRecognizer(Recognizer):
    name = "passport"

    def validate_result(self, value: str) -> bool:
        return any(p.fullmatch(value) for p in (PASSPORT, HK_MACAO_PASS, HOME_RETURN, OLD_PERMANENT_RESIDENCE))

    def find(self, doc: FieldText) -> Iterator[Match]:
        folded = doc.folded
        n = len(folded)
        for m in _TOKEN.finditer(folded):
            token = m.group()
            start, end = m.span()
            if (start > 0 and is_ascii_alnum(folded[start - 1])) or (end < n and is_ascii_alnum(folded[end])):
                continue
            if not self.validate_result(token):
                continue
            context = self._context(doc, start, CONTEXT)
            if PASSPORT.fullmatch(token):
                severity = Severity.BLOCK if context else Severity.WARN
                yield self._match("privacy.passport", start, end, token, severity, "护照号码")
            elif HK_MACAO_PASS.fullmatch(token) and context:
                yield self._match("privacy.permit", start, end, token, Severity.BLOCK, "往来港澳通行证号")
            elif HOME_RETURN.fullmatch(token) and context:
                yield self._match("privacy.permit", start, end, token, Severity.BLOCK, "回乡证号")
            elif OLD_PERMANENT_RESIDENCE.fullmatch(token) and self._context(doc, start, PERMANENT_CONTEXT):
                yield self._match("privacy.permit", start, end, token, Severity.BLOCK, "永久居留证号")
        for cand in doc.numbers:
            plain = len(cand.grouping) == 1 and len(cand.value) in (8, 10) and cand.value.isdigit()
            if plain and self._context(doc, cand.start, TAIWAN_CONTEXT):
                yield self._match("privacy.permit", cand.start, cand.end, cand.value, Severity.BLOCK, "台胞证号")

    @staticmethod
    def _context(doc: FieldText, start: int, pattern: re.Pattern[str]) -> bool:
        if pattern.search(doc.text[max(0, start - CONTEXT_WINDOW) : start]):
            return True
        header = doc.table.header_for(start)
        return bool(header and pattern.search(header))

    def _match(self, rule: str, start: int, end: int, value: str, severity: Severity, label: str) -> Match:
        return Match(
            recognizer=self.name,
            rule=rule,
            start=start,
            end=end,
            value=value,
            severity=severity,
            priority=PRIORITY,
            mask_kind="document",
            label=label,
        )

"""Motor vehicle plates (GA 36-2018).

Province abbreviation + issuing-authority letter + a 5-character serial (ordinary plates,
at least three digits, letters I and O never used, optional 挂/学/港/澳 suffix) or a
6-character new-energy serial (small: D/F + letter or digit + 4 digits; large: 5 digits +
D/F). A dot, space or hyphen after the authority letter (鲁B·12345) is accepted.
Police (警), embassy (使) and consulate (领) plates are official vehicles: not reported.

A plate identifies a vehicle, and through it an owner. On its own it is ``warn``: plates of
company lorries appear legitimately in 行政处罚决定书. Next to a private person's name it
becomes part of a ``privacy.person`` finding, which blocks (see ``checks.privacy``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.finding import Severity
from checks.privacy.base import Match, Recognizer
from checks.privacy.text import FieldText, is_ascii_alnum

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_L = "A-HJ-NP-Z"
PLATE = re.compile(
    rf"[{PROVINCES}][{_L}][·•・. \-]?"
    # New-energy serials first: the ordinary form would stop one character short of them.
    rf"(?:[DF][{_L}0-9][0-9]{{4}}|[0-9]{{5}}[DF]|[{_L}0-9]{{4}}[{_L}0-9挂学港澳])"
)
PRIORITY = 50
MIN_SERIAL_DIGITS = 3


class PlateRecognizer(Recognizer):
    name = "plate"

    def find(self, doc: FieldText) -> Iterator[Match]:
        folded = doc.folded
        for m in PLATE.finditer(folded):
            start, end = m.span()
            if end < len(folded) and (is_ascii_alnum(folded[end]) or folded[end] in "警使领"):
                continue
            value = "".join(ch for ch in m.group() if ch not in "·•・. -")
            serial = value[2:]
            if sum(ch.isdigit() for ch in serial) < MIN_SERIAL_DIGITS:
                continue
            yield Match(
                recognizer=self.name,
                rule="privacy.plate",
                start=start,
                end=end,
                value=value,
                severity=Severity.WARN,
                priority=PRIORITY,
                mask_kind="plate",
                label="车牌号码",
            )

"""Home addresses: an address precise enough to find a household.

Reported when either
- the address goes down to a dwelling: a unit (2单元), a building with a room
  (3号楼501室, 5栋1202户) or the dash form after a house number (12号3-2-501); or
- a residence label (家庭住址, 住址, 现住, 户籍地, 住所地, and "，住" in 流调 style) is followed
  by an address that ends in a house number, room or village group (…村3组12号).

Agencies publish their own office addresses (办公地址：…路…号, 受理地点, 服务大厅), so an
address with an organisation word (局, 中心, 大厦, 政府, 公司, 服务大厅 …) in it or under an
office label is not a home and is not reported; neither is a street address without a room
or unit and without a residence label.

Severity ``warn`` alone (a 流调 notice may name a residential compound on purpose); next to
a private person's name it becomes part of a blocking ``privacy.person`` finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.finding import Severity
from checks.privacy.base import Match, Recognizer
from checks.privacy.text import FieldText, is_cjk

_NUM = "[0-9一二三四五六七八九十]"
# The dwelling part of an address. Fixed pieces with bounded repeats: linear scanning.
DWELLING = re.compile(
    rf"{_NUM}{{1,4}}(?:号楼|栋|幢|座|号院)[0-9]{{0,3}}(?:单元|门)?[0-9]{{0,5}}(?:室|户|号)?"
    r"|[0-9]{1,3}单元[0-9]{0,5}(?:室|户|号)?"
    r"|[0-9]{1,5}号[0-9]{1,3}-[0-9]{1,3}(?:-[0-9]{1,5})?(?:室|户)?"
)
# Literal alternatives only, so the scan skips ahead on their first characters; "，住…"
# (流调 style) and a line starting with 住 are separate patterns for the same reason.
RESIDENCE_LABEL = re.compile(
    r"家庭住址|家庭地址|居住地址|现住址|现居住地|现居住|现居|现住|家住|住址|户籍地址|户籍所在地|户籍地|住所地|住所"
)
_LIVES = re.compile("住")
# Where a dwelling part can be: its key word. The full DWELLING pattern runs only around
# these, never from every digit of the text.
DWELLING_KEY = re.compile(r"号楼|栋|幢|座|号院|单元|号[0-9]{1,3}-")
OFFICE_LABEL = re.compile(
    r"办公地址|单位地址|通讯地址|联系地址|受理地点|办理地点|咨询地点|服务地址|地址：?[^，。\n]{0,4}(?:局|中心)"
)
INSTITUTION = re.compile(
    r"局|委员会|政府|办公室|办事处|中心|大厦|大楼|广场|写字楼|法院|检察院|医院|学校|公司|服务站|派出所"
    r"|居委会|村委会|服务大厅|窗口|银行|酒店|宾馆|会议室|园区|产业园|科技园|门诊|卫生院|市场监管所|党群"
)
PLACE_WORD = re.compile(r"省|市|区|县|镇|乡|村|路|街|巷|弄|道|里|小区|社区|花园|苑|庄|屯|家园|公寓|组")
ENDS_PRECISE = re.compile(r"[0-9一二三四五六七八九十]+(?:号|室|户|组|号楼)")
DWELLING_OR_GROUP = re.compile(r"单元|室|户|[0-9一二三四五六七八九十]+组|号楼|栋|幢")
DELIMITERS = "：:，,。；;、\n\t（()）【】 "
ADDRESS_LEADERS = "在于住到至往是为的"
MAX_BACK = 40
MAX_FORWARD = 40
PRIORITY = 30


def _extend_left(text: str, pos: int, limit: int = MAX_BACK) -> int:
    lo = max(0, pos - limit)
    for i in range(pos - 1, lo - 1, -1):
        if text[i] in DELIMITERS:
            return i + 1
    return lo


def _extend_right(text: str, pos: int, limit: int = MAX_FORWARD) -> int:
    hi = min(len(text), pos + limit)
    for i in range(pos, hi):
        if text[i] in DELIMITERS:
            return i
    return hi


class AddressRecognizer(Recognizer):
    name = "address"

    def find(self, doc: FieldText) -> Iterator[Match]:
        folded = doc.folded
        seen_end = -1
        labels = [(m.start(), m.end(), m.group()) for m in RESIDENCE_LABEL.finditer(folded)]
        # "，住青岛市…" and a line starting with 住: found from the literal 住.
        for m in _LIVES.finditer(folded):
            at = m.start()
            if (at == 0 or folded[at - 1] in "，,;；\n") and at + 1 < len(folded) and is_cjk(folded[at + 1]):
                labels.append((at, at + 1, "住"))
        labels.sort()
        for label_start, label_end, label in labels:
            if label_start < seen_end:
                continue
            start = label_end
            while start < len(folded) and folded[start] in "：: ":
                start += 1
            end = _extend_right(folded, start)
            span = folded[start:end]
            if len(span) < 4 or not PLACE_WORD.search(span):
                continue
            precise = list(ENDS_PRECISE.finditer(span))
            if not precise:
                continue
            end = start + precise[-1].end()
            # 住所 is also a company's registered seat: without a room, unit or village group
            # it is read as an office, not a home.
            if label.startswith("住所") and not DWELLING_OR_GROUP.search(folded[start:end]):
                continue
            if INSTITUTION.search(folded[start:end]):
                continue
            seen_end = max(seen_end, end)
            yield self._match(start, end, folded[start:end], labelled=True)
        last = -1
        for key in DWELLING_KEY.finditer(folded):
            if key.start() < last:
                continue
            m = DWELLING.search(folded, max(0, key.start() - 5), min(len(folded), key.end() + 12))
            if m is None or m.end() <= key.start():
                continue
            last = m.end()
            dwelling = m.group()
            if not ("单元" in dwelling or dwelling.endswith(("室", "户")) or "-" in dwelling):
                continue
            if m.start() < seen_end:
                continue
            start = _extend_left(folded, m.start())
            # "侯某某在青岛市…501室", "居住于…": the address starts after the verb, not at the
            # person before it.
            cut = max(folded.rfind(ch, start, m.start()) for ch in ADDRESS_LEADERS)
            if cut >= 0:
                start = cut + 1
            end = m.end()
            if start == m.start() or not PLACE_WORD.search(folded[start:end]):
                continue
            before = folded[max(0, start - 12) : end]
            if INSTITUTION.search(folded[start:end]) or OFFICE_LABEL.search(before):
                continue
            yield self._match(start, end, folded[start:end], labelled=False)

    def _match(self, start: int, end: int, value: str, labelled: bool) -> Match:
        return Match(
            recognizer=self.name,
            rule="privacy.address",
            start=start,
            end=end,
            value=value,
            severity=Severity.WARN,
            priority=PRIORITY,
            mask_kind="address",
            label="家庭住址",
            facts={"labelled": labelled},
        )

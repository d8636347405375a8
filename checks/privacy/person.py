"""People: rule-based names, names next to identifiers, special categories.

Names are found without a model in three ways, all of which need a surname from the list
(single or compound) followed by one or two given-name characters that are not in a
stop set (so 李沧区, 高新区, 王伟等 read as a place, a place and 王伟):
- ``cue``: after a label such as 姓名、申请人、户主、联系人、患者、当事人、收件人;
- ``table``: the cell under a 姓名/户主/申请人… header in a 公示 table;
- ``bounded``: a short segment between delimiters that is exactly a name, at the start of a
  line or row, or followed by 男/女 (王秀英，女，…) or by the identifier itself.
An NER model (``checks.privacy.ner``) can add more names; they go through the same filters.

Not private, and never reported:
- de-identified forms: 张某, 李某某, 王*英, 王×× (surname + 某 or a mask character);
- officials acting in office: a name right after a title (局长王伟, 执法人员：李强) or right
  before an official verb or title (王伟同志, 王伟主持会议, 王伟局长).

Linking: an identifier (ID, mobile, card, passport, plate, personal e-mail, home address)
within ``PERSON_WINDOW_BEFORE`` characters after a name, or ``PERSON_WINDOW_AFTER`` before
it, on the same line and in the same sentence, or anywhere in the same table row, belongs
to that person. The name and all its identifiers become one ``privacy.person`` finding,
``block`` (a plate, e-mail or address alone is only ``warn``; with a name it identifies
someone).

Special categories (《个人信息保护法》 第二十八条 sensitive personal information) in the same
row or sentence: health (患有, 病史, 精神, HIV …), minors (未成年, 学生, under-18 ages),
social assistance circumstances (低保, 特困, 致贫 …) and criminal records (前科, 刑满释放 …).
With an identifier they make the finding non-overridable and say so. A named private
person with health, minor or criminal details is ``block`` even without an identifier;
a 低保 list that names recipients is a legal 公示 and is not reported on its own.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from checks import defaults
from checks.privacy.base import Match
from checks.privacy.names import (
    COMPOUND_SURNAMES,
    CUE_WORDS,
    NAME_STOP_WORDS,
    NOT_IN_GIVEN_NAME,
    OFFICIAL_FOLLOWERS,
    OFFICIAL_TITLES,
    SINGLE_SURNAMES,
    WEAK_CUES,
)
from checks.privacy.text import FieldText, is_cjk

DEIDENTIFIED_MARKS = frozenset("某*＊×Xx○〇")
SEGMENT_DELIMITERS = frozenset("，,、：:；;\t\n 　（）()【】[]。！？!?“”\"'‘’《》")
IDENTIFIER_LABELS = (
    "身份证",
    "公民身份",
    "电话",
    "手机",
    "联系方式",
    "住址",
    "家住",
    "现住",
    "住",
    "证件",
    "护照",
    "车牌",
    "邮箱",
    "银行卡",
    "卡号",
    "账号",
)
NAME_FOLLOWERS = (
    *IDENTIFIER_LABELS,
    *"男女于因系",
    "性别",
    "年龄",
    "出生",
    "民族",
    "汉族",
    "户籍",
    "驾驶",
    "名下",
    "持有",
    "的",
)
# Phrases that follow a household head's name in 低保/救助 notices ("经核实，王某某家庭人均
# 收入低于标准"): the name carries no label there, but these words make it unmistakable.
HOUSEHOLD_FOLLOWERS = re.compile("家庭人均|家庭成员|家庭年收入|家庭收入|家庭住址")
# Words before 家庭 that read like surname + given name but describe the household.
HOUSEHOLD_WORDS = frozenset(
    """文明 和谐 和睦 单亲 平安 幸福 美满 书香 五好 最美 绿色 健康 低保 困难 特困 贫困 普通 城镇 农村
    军人 烈属 留守 失独 计生 重点 优抚 双职工 零就业 独生子女 残疾人 移民 台胞 侨眷 孤老 空巢""".split()
)
# After a weak cue, "的" is fine when an identifier is what follows (获奖者王芳的电子邮箱).
POSSESSIVE_IDENTIFIER = tuple(f"的{label}" for label in ("电子邮箱", *IDENTIFIER_LABELS))
SENTENCE_END = frozenset("。；;！？!?\n")
NAME_HEADER = re.compile(
    r"姓名|名字|户主|申请人|联系人|当事人|患者|收件人|户名|持卡人|保障对象|救助对象|被处罚人|驾驶人|车主|学生"
)
OFFICIAL_HEADER = re.compile(r"职务|职称|执法人员|承办人|审核人")
_CUE = re.compile("|".join(sorted(CUE_WORDS, key=len, reverse=True)))

SPECIAL_CATEGORIES: dict[str, tuple[re.Pattern[str], str]] = {
    "health": (
        re.compile(
            r"患有|患者|病史|精神|抑郁|HIV|艾滋|癌|肿瘤|尿毒症|白血病|确诊|阳性|感染者|病人|住院|诊断|因病"
            r"|重病|大病|慢性病|传染病|残疾|瘫痪|智力障碍|孕"
        ),
        "健康状况",
    ),
    "minor": (
        # An age under 18 is found from its 岁 (a literal first character scans fast).
        re.compile(r"未成年|儿童|幼儿|小学|初中|年级|学生|孤儿|留守|岁"),
        "未成年人",
    ),
    "assistance": (
        re.compile(r"低保|特困|救助|五保|困难户|建档立卡|贫困户|致贫|临时救助|供养"),
        "社会救助",
    ),
    "criminal": (
        re.compile(r"犯罪|前科|刑满释放|服刑|判处|有期徒刑|拘役|吸毒|戒毒|社区矫正|劳教|取保候审"),
        "违法犯罪记录",
    ),
}
# Categories that make a named person's row reportable without any identifier.
SPECIAL_WITHOUT_IDENTIFIER = ("health", "minor", "criminal")


@dataclass(slots=True)
class NameSpan:
    start: int
    end: int
    source: str  # "cue", "table", "bounded" or "ner"


@dataclass(slots=True)
class Person:
    """A private person's name and what identifies them."""

    name: NameSpan
    matches: list[Match] = field(default_factory=list)
    special: list[str] = field(default_factory=list)


def read_name(text: str, pos: int, end_limit: int | None = None) -> int | None:
    """End of a plausible full name starting at ``pos``, or None.

    De-identified names (张某, 王*英) return None: they are not a private person's name.
    """
    limit = len(text) if end_limit is None else end_limit
    if text[pos : pos + 2] in COMPOUND_SURNAMES:
        i = pos + 2
    elif pos < limit and text[pos] in SINGLE_SURNAMES:
        i = pos + 1
    else:
        return None
    if i < limit and text[i] in DEIDENTIFIED_MARKS:
        return None
    given = 0
    while i < limit and given < 2 and is_cjk(text[i]) and text[i] not in NOT_IN_GIVEN_NAME:
        if given == 1 and text[i : i + 2] in NAME_STOP_WORDS:
            break
        i += 1
        given += 1
    if given == 0:
        return None
    # A mask character after the given name (王秀*) is de-identification too.
    if i < limit and text[i] in DEIDENTIFIED_MARKS:
        return None
    return i


def is_official(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 8) : start].rstrip("：: ")
    if before.endswith(OFFICIAL_TITLES):
        return True
    return text[end : end + 4].startswith(OFFICIAL_FOLLOWERS)


_DELIMS = re.escape("".join(sorted(SEGMENT_DELIMITERS)))
_SEGMENT = re.compile(f"[^{_DELIMS}]+")
# A segment of two to four characters between delimiters: the only ones that can be a
# bare name. Found by the regex engine instead of walking every segment in Python.
_SHORT_SEGMENT = re.compile(f"(?<![^{_DELIMS}])[^{_DELIMS}]{{2,4}}(?![^{_DELIMS}])")


def find_names(doc: FieldText, regions: Iterable[tuple[int, int]]) -> list[NameSpan]:
    """Rule-based names inside the given (line) regions, officials and 某-names excluded."""
    text = doc.text
    found: dict[int, NameSpan] = {}
    for lo, hi in regions:
        for m in _CUE.finditer(text, lo, hi):
            pos = m.end()
            while pos < hi and pos - m.end() < 2 and text[pos] in "：: ":
                pos += 1
            # 和 is a surname but after a noun it is "and": 学生和家长.
            end = read_name(text, pos, hi) if pos < hi and text[pos] != "和" else None
            # The name must end where names end (a delimiter, a digit, 男/女, 身份证 …):
            # "学生和家长" and "患者信息泄露" are nouns after the cue, not names.
            if end is None:
                continue
            ends_clean = end >= hi or not is_cjk(text[end])
            strong = m.group() not in WEAK_CUES and text.startswith(NAME_FOLLOWERS, end)
            if ends_clean or strong or text.startswith(POSSESSIVE_IDENTIFIER, end):
                found.setdefault(pos, NameSpan(pos, end, "cue"))
        for m in HOUSEHOLD_FOLLOWERS.finditer(text, lo, hi):
            end = m.start()
            for start in range(end - 2, max(lo, end - 4) - 1, -1):
                at_boundary = start == lo or text[start - 1] in SEGMENT_DELIMITERS
                if at_boundary and text[start:end] not in HOUSEHOLD_WORDS and read_name(text, start, end) == end:
                    found.setdefault(start, NameSpan(start, end, "cue"))
                    break
        row = doc.table.row_span(lo)
        if row is not None and not doc.table.is_header_row(lo):
            headers = doc.table.headers(lo)
            for col, (a, b) in enumerate(doc.table.cells(doc.table.line_of(lo))):
                if col < len(headers) and NAME_HEADER.search(headers[col]):
                    a2 = a
                    while a2 < b and text[a2] == " ":
                        a2 += 1
                    end = read_name(text, a2, b) if a2 < b else None
                    if end is not None and (end == b or text[end] in SEGMENT_DELIMITERS):
                        found.setdefault(a2, NameSpan(a2, end, "table"))
        first = _SEGMENT.search(text, lo, hi)
        first_start = first.start() if first else -1
        for seg in _SHORT_SEGMENT.finditer(text, lo, hi):
            s, e = seg.span()
            if s in found or read_name(text, s, e) != e:
                continue
            follower = text[e + 1 : e + 3].startswith(("男", "女", "性别"))
            if s == first_start or follower or _before_identifier(text, e) or _after_identifier(text, s):
                found[s] = NameSpan(s, e, "bounded")
    names = [n for n in found.values() if not is_official(text, n.start, n.end)]
    if doc.table is not None:
        names = [n for n in names if not _in_official_column(doc, n.start)]
    return sorted(names, key=lambda n: n.start)


def _before_identifier(text: str, end: int) -> bool:
    # 王秀英 370202…, 王秀英（13812345678）, 王秀英，身份证号…: an identifier or its label
    # right after one delimiter.
    nxt = text[end + 1 : end + 6]
    if nxt[:1].isdigit() or (nxt[:1].isascii() and nxt[:1].isupper()):
        return True
    return nxt.startswith(IDENTIFIER_LABELS)


def _after_identifier(text: str, start: int) -> bool:
    # 13812345678（王秀英）: a digit or an upper-case letter right before one delimiter.
    prev = text[start - 2 : start - 1]
    return prev.isdigit() or prev in ("X", "x")


def _in_official_column(doc: FieldText, pos: int) -> bool:
    header = doc.table.header_for(pos)
    return bool(header and OFFICIAL_HEADER.search(header))


def _sentence_bounds(text: str, start: int, end: int, reach: int) -> tuple[int, int]:
    lo = start
    floor = max(0, start - reach)
    while lo > floor and text[lo - 1] not in SENTENCE_END:
        lo -= 1
    hi = end
    ceiling = min(len(text), end + reach)
    while hi < ceiling and text[hi] not in SENTENCE_END:
        hi += 1
    return lo, hi


_MINOR_AGE = re.compile(r"(?<![0-9])(?:[1-9]|1[0-7])周?岁")


def special_categories(text: str) -> list[str]:
    found = []
    for key, (pattern, _) in SPECIAL_CATEGORIES.items():
        for m in pattern.finditer(text):
            if m.group() != "岁" or _MINOR_AGE.search(text, max(0, m.start() - 4), m.end()):
                found.append(key)
                break
    return found


def link(doc: FieldText, matches: list[Match], names: list[NameSpan]) -> tuple[list[Person], list[Match]]:
    """Attach personal identifiers to the nearest name; return people and the rest."""
    text = doc.text
    people: dict[int, Person] = {}
    rest: list[Match] = []
    starts = [n.start for n in names]
    # A run of identifiers after one name (身份证号…，电话…，家住…) all belong to it: the
    # distance is counted from the name or from its last identifier, whichever is later.
    reach: dict[int, int] = {}
    for match in sorted(matches, key=lambda m: m.start):
        if not match.personal:
            rest.append(match)
            continue
        chosen: NameSpan | None = None
        row = doc.table.row_span(match.start)
        if row is not None:
            a, b = bisect.bisect_left(starts, row[0]), bisect.bisect_left(starts, row[1])
            in_row = [n for n in names[a:b] if not _overlaps(n, match)]
            table_names = [n for n in in_row if n.source == "table"]
            chosen = (table_names or in_row or [None])[0]
        else:
            i = bisect.bisect_left(starts, match.start)
            before = names[i - 1] if i > 0 else None
            after = names[i] if i < len(names) else None
            if before is not None and before.end > match.start:  # a name inside the match
                before = names[i - 2] if i > 1 else None
            if before is not None:
                anchor = max(before.end, reach.get(before.start, before.end))
                if not _near(text, anchor, match.start, defaults.PERSON_WINDOW_BEFORE):
                    before = None
            if before is not None:
                chosen = before
            elif after is not None and _near(text, match.end, after.start, defaults.PERSON_WINDOW_AFTER):
                chosen = after
        if chosen is None:
            rest.append(match)
            continue
        reach[chosen.start] = max(reach.get(chosen.start, chosen.end), match.end)
        person = people.setdefault(chosen.start, Person(chosen))
        person.matches.append(match)
    for person in people.values():
        lo = min([person.name.start, *(m.start for m in person.matches)])
        hi = max([person.name.end, *(m.end for m in person.matches)])
        person.special = special_categories(_context(doc, lo, hi))
    return sorted(people.values(), key=lambda p: p.name.start), rest


def special_only(doc: FieldText, names: list[NameSpan], linked: Iterable[Person]) -> list[Person]:
    """Named private people whose row or sentence states health, minor or criminal facts."""
    taken = {p.name.start for p in linked}
    result = []
    for name in names:
        if name.start in taken:
            continue
        special = special_categories(_context(doc, name.start, name.end))
        if any(s in SPECIAL_WITHOUT_IDENTIFIER for s in special):
            result.append(Person(name, [], special))
    return result


def _context(doc: FieldText, lo: int, hi: int) -> str:
    row = doc.table.row_span(lo)
    if row is not None:
        return doc.text[row[0] : row[1]]
    a, b = _sentence_bounds(doc.text, lo, hi, defaults.PERSON_CONTEXT_REACH)
    return doc.text[a:b]


def _overlaps(name: NameSpan, match: Match) -> bool:
    return name.start < match.end and match.start < name.end


def _near(text: str, a: int, b: int, window: int) -> bool:
    if b < a or b - a > window:
        return False
    return not any(ch in SENTENCE_END or ch == "。" for ch in text[a:b])

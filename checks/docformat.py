"""``format``: GB/T 9704-2012 《党政机关公文格式》 forms that a machine can check.

* 发文字号 (7.2.5): "年份应标全称，用六角括号'〔〕'括入；发文顺序号不加'第'字，不编虚位（即1不编为01），
  在阿拉伯数字后加'号'字" — so 青政办字[2022]22号, （2022）, 【2022】, 〔22〕, 〔2022〕第5号, 〔2022〕05号
  and 〔2020〕111 号 are wrong; the suggestion is the corrected form.
* 成文日期 (7.3.5.4): "用阿拉伯数字将年、月、日标全……月、日不编虚位" — 2022年05月06日 → 2022年5月6日;
  a date line written 二〇二二年五月六日 is the pre-2012 form.
* 附件说明 (7.3.4): "附件：1.XXXXX" — every attachment named in the body must be attached; an
  attached file the body never mentions is pointed out.
* The 发文字号 printed in the 版头 and the 成文日期 line agree with the metadata.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from checks import defaults
from checks.base import Check, CheckContext
from checks.disclosure import parse_date
from checks.echo import echo
from checks.finding import Finding, Severity
from checks.linkscan import links_of, text_span
from checks.registry import register
from checks.textmodel import TextField

_SPACE = "[ \t\u00a0\u3000]"
_DIGITS = "[0-9０-９]"
DOC_NUMBER = re.compile(
    rf"(?P<open>[〔\[［【(（〖﹝{{｛])(?P<s1>{_SPACE}*)(?P<year>{_DIGITS}{{4}}|{_DIGITS}{{2}})"
    rf"(?P<s2>{_SPACE}*)(?P<close>[〕\]］】)）〗﹞}}｝])(?P<s3>{_SPACE}*)(?P<di>第?)(?P<s4>{_SPACE}*)"
    rf"(?P<seq>{_DIGITS}{{1,6}})(?P<s5>{_SPACE}*)(?P<hao>[号號])"
)
_AGENCY_CHAR = re.compile(r"[\u3400-\u9fffA-Za-z]")
_AGENCY_TAIL = re.compile(r"[\u3400-\u9fffA-Za-z]{1,12}$")

CN_DATE = re.compile(
    rf"(?<![0-9０-９])(?P<y>{_DIGITS}{{4}})(?P<s1>{_SPACE}*)年(?P<s2>{_SPACE}*)(?P<m>{_DIGITS}{{1,2}})"
    rf"(?P<s3>{_SPACE}*)月(?:(?P<s4>{_SPACE}*)(?P<d>{_DIGITS}{{1,2}})(?P<s5>{_SPACE}*)日)?"
)
_CN_NUMERAL = "〇零○Ｏ0０一二三四五六七八九十"
HANZI_DATE_LINE = re.compile(
    rf"^(?P<pre>{_SPACE}*)(?P<date>[〇零○Ｏ0０一二三四五六七八九]{{4}}年[一二三四五六七八九十]{{1,2}}月"
    rf"[一二三四五六七八九十]{{1,3}}日)(?:{_SPACE}*)$",
    re.M,
)
DATE_LINE = re.compile(
    rf"^{_SPACE}*(?P<date>[0-9]{{4}}年[0-9]{{1,2}}月[0-9]{{1,2}}日){_SPACE}*$",
    re.M,
)

# 附件说明: "附件：1.名单" at a line start (or after white space / a full stop when the body
# arrived as text without line breaks).
ATTACHMENT_NOTE = re.compile(
    rf"(?:^|(?<=[\s。；;]))附件{_SPACE}*(?P<num>{_DIGITS}*){_SPACE}*[：:]{_SPACE}*(?P<rest>[^\n]*)",
    re.M,
)
_ITEM_NUMBER = re.compile(rf"^(?P<num>{_DIGITS}{{1,2}}){_SPACE}*[.．、]{_SPACE}*")
_NEXT_ITEM = re.compile(rf"{_SPACE}+(?={_DIGITS}{{1,2}}{_SPACE}*[.．、])")
FILE_EXTENSION = re.compile(
    r"\.(?:docx?|xlsx?|xlsm|pdf|wps|et|dps|ofd|zip|rar|7z|txt|csv|jpe?g|png|pptx?|html?)(?![A-Za-z0-9])",
    re.I,
)
_ATTACHMENT_PREFIX = re.compile(
    r"^附件\s*[0-9０-９一二三四五六七八九十]*\s*[：:、.．_\-—]?\s*|^[0-9０-９]{1,2}\s*[.．、_\-]\s*"
)
_NUMBERED_ATTACHMENT = re.compile(r"^附件\s*([0-9０-９]+|[一二三四五六七八九十])\s*$")
_HANZI_DIGITS = {ch: i for i, ch in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0, "0": 0, "０": 0}


@dataclass(frozen=True, slots=True)
class DocNumberProblem:
    start: int
    end: int
    text: str
    suggestion: str
    problems: tuple[str, ...]


_PROBLEM_MESSAGES = {
    "bracket": "年份应用六角括号〔〕括入",
    "fullwidth": "年份和序号应用半角阿拉伯数字",
    "short_year": "年份应标全称",
    "space": "发文字号中不应有空格",
    "di": "序号前不加“第”字",
    "leading_zero": "序号不编虚位（1不编为01）",
}


def _ascii_digits(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def doc_number_problems(text: str, today: date) -> Iterator[DocNumberProblem]:
    """Every 发文字号 in ``text`` that breaks GB/T 9704 7.2.5, with its corrected form."""
    for m in DOC_NUMBER.finditer(text):
        before = text[m.start() - 1] if m.start() > 0 else ""
        if m.group("open") != "〔" and not _AGENCY_CHAR.match(before):
            continue  # "(2022)5号" after a bracket or at a line start is not a 发文字号
        problems = []
        if m.group("open") != "〔" or m.group("close") != "〕":
            problems.append("bracket")
        raw_year, raw_seq = m.group("year"), m.group("seq")
        year, seq = _ascii_digits(raw_year), _ascii_digits(raw_seq)
        if year != raw_year or seq != raw_seq:
            problems.append("fullwidth")
        if len(year) == 2:
            problems.append("short_year")
            full = 2000 + int(year)
            year = str(full if full <= today.year else full - 100)
        elif not year.startswith(("19", "20")):
            continue  # 〔1234〕 is not a year
        if any(m.group(g) for g in ("s1", "s2", "s3", "s4", "s5")):
            problems.append("space")
        if m.group("di"):
            problems.append("di")
        if len(seq) > 1 and seq.startswith("0"):
            problems.append("leading_zero")
        if not problems:
            continue
        number = str(int(seq))
        suggestion = f"〔{year}〕{number}{m.group('hao')}"
        yield DocNumberProblem(m.start(), m.end(), m.group(), suggestion, tuple(problems))


def canonical_doc_number(value: str) -> str:
    """A 发文字号 with every formal difference removed, for comparing two writings."""
    text = unicodedata.normalize("NFKC", value)
    text = "".join(ch for ch in text if not ch.isspace())
    text = re.sub(r"[\[【(〖﹝{]", "〔", text)
    text = re.sub(r"[\]】)〗﹞}]", "〕", text)
    text = re.sub(r"〕第", "〕", text)
    text = re.sub(r"〕0+(?=\d)", "〕", text)
    return text.replace("號", "号").replace("辦", "办").replace("發", "发")


@dataclass(slots=True)
class NamedAttachment:
    name: str
    number: int | None
    start: int
    end: int


def named_attachments(text: str) -> list[NamedAttachment]:
    """Attachments listed in 附件说明 lines of a body, with their spans."""
    found: list[NamedAttachment] = []
    for m in ATTACHMENT_NOTE.finditer(text):
        rest_start = m.start("rest")
        rest = m.group("rest")
        pieces: list[tuple[int, str]] = []
        if _ITEM_NUMBER.match(rest):
            pos = 0
            for split in _NEXT_ITEM.finditer(rest):
                pieces.append((rest_start + pos, rest[pos : split.start()]))
                pos = split.end()
            pieces.append((rest_start + pos, rest[pos:]))
            # Further items on the following lines: "      2.xxxx".
            line_end = m.end()
            while line_end < len(text) and text[line_end] == "\n":
                nl = text.find("\n", line_end + 1)
                nl = len(text) if nl < 0 else nl
                line = text[line_end + 1 : nl]
                stripped = line.lstrip(" \t\u00a0\u3000")
                if not _ITEM_NUMBER.match(stripped):
                    break
                pieces.append((line_end + 1 + len(line) - len(stripped), stripped))
                line_end = nl
        elif rest.strip():
            pieces.append((rest_start, rest))
        elif m.group("num"):
            continue
        for offset, piece in pieces:
            number = None
            numbered = _ITEM_NUMBER.match(piece)
            if numbered:
                number = int(_ascii_digits(numbered.group("num")))
                offset += numbered.end()
                piece = piece[numbered.end() :]
            elif m.group("num"):
                number = int(_ascii_digits(m.group("num")))
            name = _cut_name(piece)
            if len(name) >= 2:
                found.append(NamedAttachment(name, number, offset, offset + len(name)))
    return found


def _cut_name(piece: str) -> str:
    ext = FILE_EXTENSION.search(piece)
    piece = piece[: ext.end()] if ext else re.split(r"[\s。；;]", piece, maxsplit=1)[0]
    return piece.strip().rstrip("，,。.；;：:")[:120]


def _stem(name: str) -> str:
    base = re.split(r"[\\/]", name)[-1]
    ext = FILE_EXTENSION.search(base)
    if ext and ext.end() == len(base):
        base = base[: ext.start()]
    return base.strip()


def _attachment_number(stem: str) -> int | None:
    m = _NUMBERED_ATTACHMENT.match(stem)
    if not m:
        return None
    token = _ascii_digits(m.group(1))
    if token.isdigit():
        return int(token)
    return "一二三四五六七八九十".index(token) + 1


@register
class FormatCheck(Check):
    name = "format"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        metadata = ctx.draft.metadata if isinstance(ctx.draft.metadata, dict) else {}
        for fld in ctx.fields():
            if fld.name.startswith("metadata"):
                continue
            yield from self._doc_numbers(ctx, fld)
            yield from self._dates(fld)
        yield from self._metadata_doc_number(ctx, metadata)
        yield from self._head_doc_number(ctx, metadata)
        yield from self._written_date(ctx, metadata)
        yield from self._attachments(ctx)

    # --- 发文字号 ---------------------------------------------------------------------------

    def _doc_numbers(self, ctx: CheckContext, fld: TextField) -> Iterator[Finding]:
        if "号" not in fld.text and "號" not in fld.text:
            return
        for problem in doc_number_problems(fld.text, ctx.today):
            yield self._doc_number_finding(fld.name, problem, fld.text)

    def _doc_number_finding(self, field: str, problem: DocNumberProblem, text: str) -> Finding:
        agency = _AGENCY_TAIL.search(text[max(0, problem.start - 12) : problem.start])
        return Finding(
            check=self.name,
            rule="format.doc_number",
            severity=Severity.WARN,
            field=field,
            start=problem.start,
            end=problem.end,
            text=echo(problem.text),
            message="发文字号不规范：" + "；".join(_PROBLEM_MESSAGES[p] for p in problem.problems),
            suggestion=problem.suggestion,
            category="公文格式",
            details={"problems": list(problem.problems), "agency": agency.group() if agency else ""},
        )

    def _metadata_doc_number(self, ctx: CheckContext, metadata: dict[str, Any]) -> Iterator[Finding]:
        value = metadata.get("doc_number")
        if value is None or (isinstance(value, str) and not value.strip()):
            return
        if not isinstance(value, str):
            yield self._meta_finding("format.doc_number_invalid", "发文字号应为文本", repr(value)[:50], 0)
            return
        problems = list(doc_number_problems(value, ctx.today))
        for problem in problems:
            yield self._doc_number_finding("metadata.doc_number", problem, value)
        core = problems[0] if problems else None
        m = DOC_NUMBER.search(value)
        if m is not None and core is None and not _AGENCY_TAIL.search(value[: m.start()].rstrip()):
            yield self._meta_finding("format.doc_number_agency", "发文字号缺少机关代字", value, len(value))

    def _meta_finding(self, rule: str, message: str, text: str, end: int) -> Finding:
        return Finding(
            check=self.name,
            rule=rule,
            severity=Severity.WARN,
            field="metadata.doc_number",
            start=0,
            end=end,
            text=echo(text),
            message=message,
            category="公文格式",
        )

    def _head_doc_number(self, ctx: CheckContext, metadata: dict[str, Any]) -> Iterator[Finding]:
        value = metadata.get("doc_number")
        if not isinstance(value, str) or not value.strip():
            return
        body = ctx.model.body.text
        offset = 0
        for line in body.split("\n")[: defaults.DOC_NUMBER_HEAD_LINES]:
            stripped = line.strip(" \t\u00a0\u3000")
            m = DOC_NUMBER.search(stripped)
            if m and m.end() == len(stripped) and _AGENCY_TAIL.fullmatch(stripped[: m.start()]):
                if canonical_doc_number(stripped) != canonical_doc_number(value):
                    start = offset + line.index(stripped)
                    yield Finding(
                        check=self.name,
                        rule="format.doc_number_mismatch",
                        severity=Severity.WARN,
                        field="body",
                        start=start,
                        end=start + len(stripped),
                        text=echo(stripped),
                        message=f"正文发文字号与元数据“{echo(value, 40)}”不一致",
                        category="公文格式",
                    )
                return
            offset += len(line) + 1

    # --- dates ------------------------------------------------------------------------------

    def _dates(self, fld: TextField) -> Iterator[Finding]:
        text = fld.text
        if "年" not in text:
            return
        for m in CN_DATE.finditer(text):
            problems = []
            y, mo, d = m.group("y"), m.group("m"), m.group("d")
            ay, am, ad = _ascii_digits(y), _ascii_digits(mo), _ascii_digits(d) if d else None
            if (ay, am, ad) != (y, mo, d):
                problems.append("用半角阿拉伯数字")
            if (len(am) == 2 and am.startswith("0")) or (ad and len(ad) == 2 and ad.startswith("0")):
                problems.append("月、日不编虚位（1不编为01）")
            if any(m.group(g) for g in ("s1", "s2", "s3", "s4", "s5")):
                problems.append("年月日之间不加空格")
            exists = _date_exists(int(ay), int(am), int(ad) if ad else 1)
            if not problems and exists:
                continue
            suggestion = f"{int(ay)}年{int(am)}月" + (f"{int(ad)}日" if ad else "")
            rule = "format.date" if exists else "format.date_impossible"
            message = "日期不存在" if not exists else "日期写法不规范：" + "；".join(problems)
            yield Finding(
                check=self.name,
                rule=rule,
                severity=Severity.WARN,
                field=fld.name,
                start=m.start(),
                end=m.end(),
                text=echo(m.group()),
                message=message,
                suggestion=suggestion if exists else None,
                category="公文格式",
            )
        for m in HANZI_DATE_LINE.finditer(text):
            converted = _hanzi_date(m.group("date"))
            yield Finding(
                check=self.name,
                rule="format.date_numerals",
                severity=Severity.WARN,
                field=fld.name,
                start=m.start("date"),
                end=m.end("date"),
                text=echo(m.group("date")),
                message="成文日期应用阿拉伯数字标全年、月、日",
                suggestion=converted,
                category="公文格式",
            )

    def _written_date(self, ctx: CheckContext, metadata: dict[str, Any]) -> Iterator[Finding]:
        written, problem = parse_date(metadata.get("written_date"))
        if written is None or problem:
            return
        lines = list(DATE_LINE.finditer(ctx.model.body.text))
        if not lines:
            return
        dates = []
        for m in lines:
            parsed, _ = parse_date(m.group("date"))
            dates.append(parsed)
        if written in dates:
            return
        first = lines[-1]
        yield Finding(
            check=self.name,
            rule="format.written_date_mismatch",
            severity=Severity.WARN,
            field="body",
            start=first.start("date"),
            end=first.end("date"),
            text=echo(first.group("date")),
            message=f"正文成文日期与元数据成文日期（{written.year}年{written.month}月{written.day}日）不一致",
            category="公文格式",
        )

    # --- 附件 --------------------------------------------------------------------------------

    def _attachments(self, ctx: CheckContext) -> Iterator[Finding]:
        body = ctx.model.body
        named = named_attachments(body.text) if "附件" in body.text else []
        attachments = [a for a in (ctx.draft.attachments or []) if a is not None]
        keys = []
        for index, attachment in enumerate(attachments):
            name = attachment.name if isinstance(attachment.name, str) else f"附件{index + 1}"
            stem = _stem(name)
            bare = _ATTACHMENT_PREFIX.sub("", stem)
            keys.append((name, self._key(ctx, bare or stem), _attachment_number(stem)))
        linked = self._linked_spans(ctx) if named else []
        mentioned: set[int] = set()
        for item in named:
            key = self._key(ctx, _stem(item.name))
            match = None
            for index, (_, akey, anumber) in enumerate(keys):
                if _same(key, akey) or (anumber is not None and anumber == item.number):
                    match = index
                    break
            if match is not None:
                mentioned.add(match)
                continue
            if any(a < item.end and item.start < b for a, b in linked):
                continue  # the body links to the file itself; the link checks cover it
            yield Finding(
                check=self.name,
                rule="format.attachment_missing",
                severity=Severity.WARN,
                field="body",
                start=item.start,
                end=item.end,
                text=echo(item.name),
                message="正文列出的附件未随稿件上传",
                category="附件",
            )
        if not keys:
            return
        folded_body = ctx.normalized(body).text
        raw_html = ctx.draft.body_html if isinstance(ctx.draft.body_html, str) else ""
        for index, (name, key, _) in enumerate(keys):
            if index in mentioned or (len(key) >= 2 and key in folded_body) or name in raw_html:
                continue
            yield Finding(
                check=self.name,
                rule="format.attachment_unmentioned",
                severity=Severity.INFO,
                # On the body (which fails to name it), not on the attachment's own text, whose
                # fields are re-addressed to their first page or paragraph.
                field="body",
                start=0,
                end=0,
                text=echo(name),
                message=f"附件“{echo(name, 60)}”未在正文附件说明中列出",
                category="附件",
                details={"attachment": echo(name, 200)},
            )

    @staticmethod
    def _key(ctx: CheckContext, name: str) -> str:
        return ctx.state.normalizer.normalize(name).text

    @staticmethod
    def _linked_spans(ctx: CheckContext) -> list[tuple[int, int]]:
        body_html = ctx.draft.body_html
        if not isinstance(body_html, str) or "<a" not in body_html.lower():
            return []
        spans = []
        for link in links_of(ctx.model).links:
            if link.tag == "a" and link.url and not link.url.startswith("#"):
                spans.append(text_span(ctx.model.body, link.inner_start, link.inner_end))
        return spans


def _same(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    return len(shorter) >= 2 and shorter in longer


def _date_exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _hanzi_date(text: str) -> str:
    year_part, rest = text.split("年", 1)
    month_part, rest = rest.split("月", 1)
    day_part = rest.rstrip("日")
    year = "".join(str(_HANZI_DIGITS.get(ch, 0)) for ch in year_part)
    return f"{int(year)}年{_hanzi_number(month_part)}月{_hanzi_number(day_part)}日"


def _hanzi_number(text: str) -> int:
    """一 … 三十一 (the only forms a month or day takes)."""
    if "十" not in text:
        return _HANZI_DIGITS.get(text, 0)
    tens, _, units = text.partition("十")
    return (_HANZI_DIGITS.get(tens, 1) if tens else 1) * 10 + (_HANZI_DIGITS.get(units, 0) if units else 0)

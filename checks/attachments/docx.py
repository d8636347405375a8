"""docx: body paragraphs and tables, headers, footers, foot/endnotes, comments, text
formatted as hidden (``w:vanish``) and tracked deletions, which stay in the file although
Word does not show them.

The body is one field whose segments are ``…#para=N`` (paragraphs outside tables) and
``…#table=T,row=R,col=C``; every other part is a field of its own (``…#header1``,
``…#comments`` with ``#comment=N`` segments).
"""

from __future__ import annotations

import posixpath
import zipfile

from checks.attachments import ooxml
from checks.attachments.common import (
    MAX_SPAN_FINDINGS,
    Extraction,
    FieldBuilder,
    file_finding,
    property_findings,
    span_finding,
)
from checks.attachments.limits import Budget
from checks.finding import Severity

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_P, _R, _T, _TBL, _TR, _TC = W + "p", W + "r", W + "t", W + "tbl", W + "tr", W + "tc"
_DELETED = frozenset({W + "del", W + "moveFrom"})
_DEL_TEXT, _TAB, _BR, _CR, _NB_HYPHEN = W + "delText", W + "tab", W + "br", W + "cr", W + "noBreakHyphen"
_RPR, _VANISH, _COMMENT, _AUTHOR, _VAL = W + "rPr", W + "vanish", W + "comment", W + "author", W + "val"
_FALLBACK = MC + "Fallback"
_SIDE_PARTS = ("header", "footer", "footnotes", "endnotes", "comments")


class _PartText:
    """Text of one WordprocessingML part, with hidden and deleted spans and comment authors."""

    def __init__(self, builder: FieldBuilder, prefix: str, structured: bool) -> None:
        self.builder = builder
        self.prefix = prefix  # "attachment:通知.docx": segment labels are prefix + "#para=3"
        self.structured = structured
        self.hidden: list[tuple[int, int]] = []
        self.deleted: list[tuple[int, int]] = []
        self.authors: list[str] = []
        self.comments = 0

    def read(self, archive: zipfile.ZipFile, part: str) -> None:
        builder = self.builder
        paragraphs = 0
        table_count = 0
        tables: list[list[int]] = []
        deleted = 0
        fallback = 0
        for event, element in ooxml.iterparse(archive, part, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == _FALLBACK:
                    fallback += 1
                elif fallback:
                    continue
                elif tag in _DELETED:
                    deleted += 1
                elif tag == _P:
                    paragraphs += 1
                    if self.structured and not tables:
                        builder.segment(f"{self.prefix}#para={paragraphs}")
                elif tag == _TBL:
                    table_count += 1
                    tables.append([table_count, 0, 0])
                elif tag == _TR and tables:
                    tables[-1][1] += 1
                    tables[-1][2] = 0
                elif tag == _TC and tables:
                    tables[-1][2] += 1
                    if self.structured:
                        t, r, c = tables[-1]
                        builder.segment(f"{self.prefix}#table={t},row={r},col={c}")
                elif tag == _COMMENT:
                    self.comments += 1
                    builder.segment(f"{self.prefix}#comment={self.comments}")
                    author = element.get(_AUTHOR)
                    if author:
                        self.authors.append(author)
                continue
            if tag == _FALLBACK:
                fallback -= 1
                continue
            if fallback:
                if tag in (_R, _P):
                    element.clear()
                continue
            if tag == _R:
                self._run(element, deleted > 0)
                element.clear()
            elif tag == _P:
                builder.add("\n")
                element.clear()
            elif tag == _TC:
                builder.replace_last("\n", "\t")
            elif tag == _TR:
                builder.replace_last("\t", "\n")
            elif tag == _TBL and tables:
                tables.pop()
            elif tag in _DELETED:
                deleted -= 1
            if builder.budget.exhausted:
                break

    def _run(self, run, deleted: bool) -> None:
        pieces = []
        for child in run.iterchildren():
            tag = child.tag
            if tag in (_T, _DEL_TEXT):
                pieces.append(child.text or "")
            elif tag == _TAB:
                pieces.append("\t")
            elif tag in (_BR, _CR):
                pieces.append("\n")
            elif tag == _NB_HYPHEN:
                pieces.append("-")
        if not pieces:
            return
        start, end = self.builder.add("".join(pieces))
        if end <= start:
            return
        properties = run.find(_RPR)
        vanish = properties.find(_VANISH) if properties is not None else None
        if vanish is not None and vanish.get(_VAL, "true").lower() not in ("0", "false", "off"):
            _extend(self.hidden, start, end)
        if deleted:
            _extend(self.deleted, start, end)


def _extend(spans: list[tuple[int, int]], start: int, end: int) -> None:
    """Add a span, merging it with the previous one when they touch (runs of one phrase)."""
    if spans and start - spans[-1][1] <= 1:
        spans[-1] = (spans[-1][0], end)
    else:
        spans.append((start, end))


def extract(archive: zipfile.ZipFile, label: str, budget: Budget) -> Extraction:
    result = Extraction()
    document = ooxml.main_part(archive, "word/document.xml")
    parts: list[tuple[str, str, bool]] = [(f"attachment:{label}", document, True)]
    for kind, target, external in sorted(ooxml.relationships(archive, document).values()):
        if kind in _SIDE_PARTS and not external and ooxml.has_part(archive, target):
            name = posixpath.splitext(posixpath.basename(target))[0]
            parts.append((f"attachment:{label}#{name}", target, False))
    authors: list[tuple[str, str]] = []
    span_findings = 0
    for field_name, part, structured in parts:
        builder = FieldBuilder(field_name, budget)
        reader = _PartText(builder, f"attachment:{label}", structured)
        reader.read(archive, part)
        built = builder.build()
        authors.extend(("comment_author", a) for a in reader.authors)
        if built is None:
            continue
        result.fields.append(built)
        for spans, rule, message in (
            (reader.hidden, "attachment.hidden_content", "附件含设为“隐藏”格式的文字，公开后仍可被读取"),
            (reader.deleted, "attachment.tracked_changes", "附件含未接受的修订，已删除的文字仍保存在文件中"),
        ):
            for start, end in spans:
                end = min(end, len(built.text))
                if start >= end or not built.text[start:end].strip():
                    continue
                span_findings += 1
                if span_findings > MAX_SPAN_FINDINGS:
                    break
                result.findings.append(
                    span_finding(field_name, rule, message, start, end, built.text[start:end], label)
                )
        if reader.comments:
            result.findings.append(
                file_finding(
                    label,
                    "attachment.comments",
                    Severity.WARN,
                    f"附件含{reader.comments}条批注，公开后可被查看",
                    field_suffix=field_name[len(f"attachment:{label}") :],
                    details={"comments": reader.comments},
                )
            )
    result.findings.extend(property_findings(label, [*ooxml.properties(archive).items(), *authors]))
    return result

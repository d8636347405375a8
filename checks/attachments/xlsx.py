"""xlsx: every sheet (hidden and veryHidden included), every cell, hidden rows and columns,
cell comments. One field per sheet; each cell is a segment labelled ``…!Sheet1!C7``.

Read with a streaming parser rather than openpyxl: openpyxl's read-only mode drops row and
column visibility, and its normal mode holds the whole workbook in memory.
"""

from __future__ import annotations

import contextlib
import re
import zipfile

from checks.attachments import ooxml
from checks.attachments.common import (
    Extraction,
    FieldBuilder,
    file_finding,
    property_findings,
)
from checks.attachments.limits import Budget
from checks.finding import Severity

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_C, _ROW, _COL, _V, _IS, _T, _R, _RPH, _SI = (
    f"{NS}c", f"{NS}row", f"{NS}col", f"{NS}v", f"{NS}is", f"{NS}t", f"{NS}r", f"{NS}rPh", f"{NS}si",
)  # fmt: skip
# The same names as expat reports them (no leading "{"), for the streaming readers.
_XC, _XROW, _XCOL, _XV, _XIS, _XT, _XRPH, _XSI = (ooxml.expat_name(n) for n in (_C, _ROW, _COL, _V, _IS, _T, _RPH, _SI))
_REF = re.compile(r"^([A-Z]{1,3})([0-9]+)$")
_TRUE = ("1", "true")


def column_letters(index: int) -> str:
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index


def _rich_text(element) -> str:
    """Text of a string item: plain <t> or rich-text runs, without phonetic (rPh) runs."""
    parts = [t.text or "" for t in element.iterchildren(_T)]
    for run in element.iterchildren(_R):
        parts.extend(t.text or "" for t in run.iterchildren(_T))
    return "".join(parts)


class _SharedStrings:
    """expat handler collecting <si> items: plain <t> or rich runs, without phonetic <rPh>."""

    def __init__(self, budget: Budget) -> None:
        self.strings: list[str] = []
        self.parts: list[str] = []
        self.collect = False
        self.phonetic = 0
        self.total = 0
        self.budget = budget

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == _XT:
            self.collect = not self.phonetic
        elif tag == _XRPH:
            self.phonetic += 1
        elif tag == _XSI:
            self.parts = []

    def end(self, tag: str) -> None:
        if tag == _XT:
            self.collect = False
        elif tag == _XRPH:
            self.phonetic -= 1
        elif tag == _XSI:
            text = "".join(self.parts)
            self.total += len(text)
            # Strings beyond the budget could never be shown anyway; keep the indexes right.
            self.strings.append(text if self.total <= self.budget.remaining else "")

    def text(self, data: str) -> None:
        if self.collect:
            self.parts.append(data)


def _shared_strings(archive: zipfile.ZipFile, workbook: str, budget: Budget) -> list[str]:
    rels = ooxml.relationships(archive, workbook)
    target = next((t for kind, t, ext in rels.values() if kind == "sharedStrings" and not ext), None)
    if target is None or not ooxml.has_part(archive, target):
        return []
    handler = _SharedStrings(budget)
    ooxml.expat_parse(archive, target, handler)
    return handler.strings


def extract(archive: zipfile.ZipFile, label: str, budget: Budget) -> Extraction:
    result = Extraction()
    workbook = ooxml.main_part(archive, "xl/workbook.xml")
    rels = ooxml.relationships(archive, workbook)
    root = ooxml.parse(archive, workbook)
    shared = _shared_strings(archive, workbook, budget)
    authors: list[tuple[str, str]] = []
    for sheet in root.iter(f"{NS}sheet"):
        name = sheet.get("name") or f"Sheet{sheet.get('sheetId', '')}"
        state = sheet.get("state") or "visible"
        rel = rels.get(sheet.get(f"{ooxml.DOC_REL}id", ""))
        if rel is None or rel[0] != "worksheet" or rel[2] or not ooxml.has_part(archive, rel[1]):
            continue
        field_name = f"attachment:{label}!{name}"
        builder = FieldBuilder(field_name, budget)
        hidden = _read_sheet(archive, rel[1], builder, shared)
        built = builder.build()
        if built is not None:
            result.fields.append(built)
        if state in ("hidden", "veryHidden") and built is not None:
            how = "深度隐藏（veryHidden，在Excel中无法直接取消隐藏）" if state == "veryHidden" else "隐藏"
            result.findings.append(
                file_finding(
                    label,
                    "attachment.hidden_content",
                    Severity.WARN,
                    f"附件工作表“{name}”被{how}，公开后内容仍可被读取",
                    text=name,
                    field_suffix=f"!{name}",
                    details={"sheet": name, "state": state},
                )
            )
        if hidden.cells:
            what = []
            if hidden.rows:
                what.append(f"{len(hidden.rows)}行")
            if hidden.columns:
                what.append(f"{len(hidden.columns)}列")
            result.findings.append(
                file_finding(
                    label,
                    "attachment.hidden_content",
                    Severity.WARN,
                    f"附件工作表“{name}”有隐藏的{'、'.join(what)}（{hidden.cells}个单元格有内容），公开后仍可被读取",
                    text=hidden.first_ref,
                    field_suffix=f"!{name}!{hidden.first_ref}",
                    details={
                        "sheet": name,
                        "rows": sorted(hidden.rows)[:50],
                        "columns": [column_letters(c) for c in sorted(hidden.columns)[:50]],
                    },
                )
            )
        comments = _comments(archive, rel[1], label, name, budget, authors)
        if comments is not None:
            result.fields.append(comments)
            result.findings.append(
                file_finding(
                    label,
                    "attachment.comments",
                    Severity.WARN,
                    f"附件工作表“{name}”含批注，公开后可被查看",
                    text=name,
                    field_suffix=f"!{name}#comments",
                )
            )
    result.findings.extend(property_findings(label, ooxml.properties(archive).items()))
    result.findings.extend(property_findings(label, authors))
    return result


class _Hidden:
    __slots__ = ("cells", "columns", "first_ref", "rows")

    def __init__(self) -> None:
        self.rows: set[int] = set()
        self.columns: set[int] = set()
        self.cells = 0
        self.first_ref = ""


class _SheetReader:
    """expat handler for one worksheet: cells into the field, hidden rows and columns noted."""

    def __init__(self, builder: FieldBuilder, shared: list[str]) -> None:
        self.builder = builder
        self.shared = shared
        self.prefix = builder.name + "!"
        self.hidden = _Hidden()
        self.hidden_columns: list[tuple[int, int]] = []
        self.row_number = 0
        self.row_hidden = False
        self.column = 0
        self.row_parts: list[str] = []
        self.row_segments: list[tuple[int, str]] = []
        self.row_length = 0
        self.cell_ref: str | None = None
        self.cell_type: str | None = None
        self.cell_parts: list[str] = []
        self.collect = False
        self.inline = False
        self.phonetic = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == _XC:
            self.cell_ref = attrs.get("r")
            self.cell_type = attrs.get("t")
            self.cell_parts = []
        elif tag == _XV:
            self.collect = True
        elif tag == _XT:
            self.collect = self.inline and not self.phonetic
        elif tag == _XIS:
            self.inline = True
        elif tag == _XRPH:
            self.phonetic += 1
        elif tag == _XROW:
            explicit = attrs.get("r")
            self.row_number = int(explicit) if explicit and explicit.isdigit() else self.row_number + 1
            self.row_hidden = attrs.get("hidden", "").lower() in _TRUE
            self.column = 0
            self.row_parts = []
            self.row_segments = []
            self.row_length = 0
        elif tag == _XCOL and attrs.get("hidden", "").lower() in _TRUE:
            with contextlib.suppress(ValueError):
                self.hidden_columns.append((int(attrs.get("min", "0")), int(attrs.get("max", "0"))))

    def text(self, data: str) -> None:
        if self.collect:
            self.cell_parts.append(data)

    def end(self, tag: str) -> None:
        if tag == _XC:
            self._cell()
        elif tag in (_XV, _XT):
            self.collect = False
        elif tag == _XIS:
            self.inline = False
        elif tag == _XROW:
            self._row()
        elif tag == _XRPH:
            self.phonetic -= 1

    def _cell(self) -> None:
        ref = self.cell_ref
        m = _REF.match(ref) if ref else None
        if m:
            self.column = column_index(m.group(1))
        else:
            self.column += 1
            ref = f"{column_letters(self.column)}{self.row_number}"
        raw = "".join(self.cell_parts)
        kind = self.cell_type
        if kind == "s":
            try:
                value = self.shared[int(raw)]
            except (ValueError, IndexError):
                value = ""
        elif kind == "b":
            value = "TRUE" if raw == "1" else "FALSE" if raw == "0" else raw
        else:
            value = raw
        if not value:
            return
        if self.row_parts:
            self.row_parts.append("\t")
            self.row_length += 1
        self.row_segments.append((self.row_length, self.prefix + ref))
        if "\t" in value:
            value = value.replace("\t", " ")
        self.row_parts.append(value)
        self.row_length += len(value)
        column = self.column
        if self.row_hidden or (self.hidden_columns and any(a <= column <= b for a, b in self.hidden_columns)):
            hidden = self.hidden
            hidden.cells += 1
            hidden.first_ref = hidden.first_ref or ref
            if self.row_hidden:
                hidden.rows.add(self.row_number)
            else:
                hidden.columns.add(column)

    def _row(self) -> None:
        if not self.row_parts:
            return
        builder = self.builder
        base = builder.length + (1 if builder.length else 0)
        text = ("\n" if builder.length else "") + "".join(self.row_parts)
        kept = builder.budget.take(text)
        builder.parts.append(kept)
        builder.length += len(kept)
        builder.segments.extend((base + offset, label) for offset, label in self.row_segments
                                if base + offset < builder.length)  # fmt: skip
        if builder.budget.exhausted:
            raise ooxml.StopParsing


def _read_sheet(archive: zipfile.ZipFile, part: str, builder: FieldBuilder, shared: list[str]) -> _Hidden:
    reader = _SheetReader(builder, shared)
    ooxml.expat_parse(archive, part, reader)
    return reader.hidden


def _comments(
    archive: zipfile.ZipFile,
    sheet_part: str,
    label: str,
    sheet: str,
    budget: Budget,
    authors: list[tuple[str, str]],
):
    rels = ooxml.relationships(archive, sheet_part)
    target = next((t for kind, t, ext in rels.values() if kind == "comments" and not ext), None)
    if target is None or not ooxml.has_part(archive, target):
        return None
    root = ooxml.parse(archive, target)
    for author in root.iter(f"{NS}author"):
        if author.text and author.text.strip():
            authors.append(("comment_author", author.text.strip()))
    builder = FieldBuilder(f"attachment:{label}!{sheet}#comments", budget)
    for comment in root.iter(f"{NS}comment"):
        text_element = comment.find(f"{NS}text")
        if text_element is None:
            continue
        text = _rich_text(text_element)
        if not text.strip():
            continue
        if builder.length:
            builder.add("\n")
        builder.segment(f"attachment:{label}!{sheet}!{comment.get('ref', '')}#comment")
        builder.add(text)
    return builder.build()

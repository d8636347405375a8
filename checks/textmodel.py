"""The text model: a draft's fields as plain text, with a map back to the source HTML.

Every check works on plain text and reports offsets into it. For the HTML body we keep,
per plain-text character, the half-open span of source characters it came from, so that a
finding can be highlighted in place (``annotated_html``) without re-parsing anything.

The HTML reader is a single forward scan with regular expressions, not a tree builder:
it cannot recurse, so 10,000 nested ``<div>``s, unclosed tags, stray ``<`` or a 20 MB body
cost linear time and never raise.
"""

from __future__ import annotations

import bisect
import html
import itertools
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Elements whose boundaries separate text the way a browser would show it on new lines.
BLOCK_ELEMENTS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hgroup",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "title",
        "tr",
        "ul",
    ]
)
CELL_ELEMENTS = frozenset({"td", "th"})
# Their content is not text a reader sees (or, for template, not yet).
RAW_TEXT_ELEMENTS = frozenset({"script", "style", "template", "xmp", "iframe", "noembed", "noframes"})

_MARKUP = re.compile(
    r"""
      (?P<comment><!--.*?(?:-->|\Z))
    | (?P<cdata><!\[CDATA\[.*?(?:\]\]>|\Z))
    | (?P<decl><[!?][^>]*(?:>|\Z))
    | (?P<tag></?(?P<name>[A-Za-z][A-Za-z0-9:_-]*)(?:[^>"']|"[^"]*"|'[^']*')*(?:>|\Z))
    """,
    re.S | re.X,
)
_TEXT_PIECE = re.compile(r"[ \t\n\r\f]+|&(?:#[0-9]{1,8};?|#[xX][0-9a-fA-F]{1,7};?|[A-Za-z][A-Za-z0-9]{1,31};?)")
_RAW_END = {name: re.compile(rf"</{name}\b", re.I) for name in RAW_TEXT_ELEMENTS}


@dataclass(slots=True)
class TextField:
    """One checkable field: ``title``, ``body``, a metadata value or a part of an attachment.

    ``segments`` optionally splits the field into named locations (a spreadsheet cell, a
    PDF page): findings are re-addressed to the segment that holds their start.
    """

    name: str
    text: str
    source: str | None = None
    src_start: array | None = None
    src_end: array | None = None
    segments: list[tuple[int, str]] = field(default_factory=list)

    def locate(self, start: int, end: int) -> tuple[str, int, int]:
        """Field name and offsets for a span, re-addressed to its segment if there are any."""
        if not self.segments:
            return self.name, start, end
        i = bisect.bisect_right(self.segments, start, key=lambda segment: segment[0]) - 1
        if i < 0:
            return self.name, start, end
        seg_start, label = self.segments[i]
        return label, start - seg_start, end - seg_start


def plain_field(name: str, text: str) -> TextField:
    return TextField(name=name, text=text)


def html_field(name: str, source: str) -> TextField:
    text, starts, ends = extract_text(source)
    return TextField(name=name, text=text, source=source, src_start=starts, src_end=ends)


class _Builder:
    """Accumulates plain text with its source spans, collapsing white space as HTML does.

    Text is kept as chunks, each with where it came from: a run of characters copied from
    the source (character *i* came from ``origin + i``) or characters that all stand for one
    source span (a decoded entity, a collapsed space, a synthetic break). The per-character
    arrays are built once at the end, vectorised, instead of growing with every chunk.
    """

    __slots__ = ("chunks", "origins", "pending_space", "span_ends", "tail")

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.origins: list[int] = []
        self.span_ends: list[int] = []  # -1: copied run; otherwise every character spans [origin, end)
        self.tail = "\n"  # last emitted character; "\n" means "at a line start"
        self.pending_space: tuple[int, int] | None = None

    def _append(self, s: str, origin: int, span_end: int) -> None:
        self.chunks.append(s)
        self.origins.append(origin)
        self.span_ends.append(span_end)
        self.tail = s[-1]

    def text(self, s: str, start: int) -> None:
        if s:
            self._flush_space()
            self._append(s, start, -1)

    def decoded(self, s: str, start: int, end: int) -> None:
        """Characters decoded from one entity all point at the whole entity."""
        if s:
            self._flush_space()
            self._append(s, start, end)

    def space(self, start: int, end: int) -> None:
        if self.tail in "\n\t" or self.pending_space is not None:
            if self.pending_space is not None:
                self.pending_space = (self.pending_space[0], end)
            return
        self.pending_space = (start, end)

    def _flush_space(self) -> None:
        if self.pending_space is not None:
            a, b = self.pending_space
            self.pending_space = None
            self._append(" ", a, b)

    def _drop_last_character(self) -> None:
        self.chunks[-1] = self.chunks[-1][:-1]
        if not self.chunks[-1]:
            self.chunks.pop()
            self.origins.pop()
            self.span_ends.pop()

    def synthetic(self, ch: str, at: int) -> None:
        """A line or cell break that stands for a tag: it has an empty source span."""
        self.pending_space = None
        if self.tail == "\n" or (ch == "\t" and self.tail == "\t"):
            return
        if self.tail == " ":  # a trailing space before a break carries no meaning
            self._drop_last_character()
        self._append(ch, at, at)

    def result(self) -> tuple[str, array, array]:
        chunks, origins, span_ends = self.chunks, self.origins, self.span_ends
        # Drop a final synthetic break so the text does not end in an empty line.
        while chunks and chunks[-1][-1] in "\n\t" and origins[-1] == span_ends[-1]:
            self._drop_last_character()
        lengths = np.fromiter(map(len, chunks), dtype=np.int64, count=len(chunks))
        owner = np.repeat(np.arange(len(chunks), dtype=np.int64), lengths)
        offset_in_chunk = np.arange(len(owner), dtype=np.int64) - (np.cumsum(lengths) - lengths)[owner]
        origin = np.asarray(origins, dtype=np.int64)[owner]
        span_end = np.asarray(span_ends, dtype=np.int64)[owner]
        copied = span_end < 0
        starts = origin + np.where(copied, offset_in_chunk, 0)
        ends = np.where(copied, starts + 1, span_end)
        return "".join(chunks), _int_array(starts), _int_array(ends)


def _int_array(values: np.ndarray) -> array:
    out = array("q")
    out.frombytes(values.astype(np.int64, copy=False).tobytes())
    return out


def _emit_text(builder: _Builder, source: str, start: int, end: int) -> None:
    pos = start
    for m in _TEXT_PIECE.finditer(source, start, end):
        if m.start() > pos:
            builder.text(source[pos : m.start()], pos)
        piece = m.group()
        if piece[0] == "&":
            decoded = html.unescape(piece)
            if decoded == piece:
                builder.text(piece, m.start())
            else:
                builder.decoded(_safe_chars(decoded), m.start(), m.end())
        else:
            builder.space(m.start(), m.end())
        pos = m.end()
    if pos < end:
        builder.text(source[pos:end], pos)


def _safe_chars(decoded: str) -> str:
    # html.unescape maps &#0; and surrogates to U+FFFD already; keep NUL and C0 controls out.
    return "".join(ch if ch >= " " or ch in "\t\n" else "\ufffd" for ch in decoded)


def extract_text(source: str) -> tuple[str, array, array]:
    """Plain text of an HTML fragment or page, with per-character source spans."""
    builder = _Builder()
    pos = 0
    n = len(source)
    while pos < n:
        lt = source.find("<", pos)
        if lt < 0:
            _emit_text(builder, source, pos, n)
            break
        m = _MARKUP.match(source, lt)
        if m is None:  # a "<" that starts no markup is text, as in browsers
            _emit_text(builder, source, pos, lt + 1)
            pos = lt + 1
            continue
        if lt > pos:
            _emit_text(builder, source, pos, lt)
        pos = m.end()
        name = m.group("name")
        if not name:
            continue
        lname = name.lower()
        closing = source[lt + 1] == "/"
        if lname in BLOCK_ELEMENTS:
            builder.synthetic("\n", lt)
        elif lname in CELL_ELEMENTS and not closing:
            builder.synthetic("\t", lt)
        if lname in RAW_TEXT_ELEMENTS and not closing and not m.group().endswith("/>"):
            end_tag = _RAW_END[lname].search(source, pos)
            pos = end_tag.start() if end_tag else n
    return builder.result()


def strip_marks(annotated: str) -> str:
    return _MARK_TAG.sub("", annotated)


_MARK_TAG = re.compile(r'<mark data-finding="[^"]*">|</mark>')


def covered_pieces(spans: Iterable[tuple[str, int, int]], length: int) -> Iterator[tuple[int, int, list[str]]]:
    """Cut [0, length) at every span boundary; yield (start, end, ids of the spans covering
    the piece) for each covered piece, ids in the order the spans were given.

    A sweep over the boundaries: linear in pieces × overlap depth, not pieces × spans, so
    tens of thousands of findings on one field stay cheap.
    """
    valid = [(order, fid, s, e) for order, (fid, s, e) in enumerate(spans) if 0 <= s < e <= length]
    starting: dict[int, list[tuple[int, str]]] = {}
    ending: dict[int, list[int]] = {}
    for order, fid, s, e in valid:
        starting.setdefault(s, []).append((order, fid))
        ending.setdefault(e, []).append(order)
    active: dict[int, str] = {}
    cuts = sorted(starting.keys() | ending.keys())
    for a, b in itertools.pairwise(cuts):
        for order in ending.get(a, ()):
            active.pop(order, None)
        for order, fid in starting.get(a, ()):
            active[order] = fid
        if active:
            yield a, b, [active[order] for order in sorted(active)]


def annotate_html(fld: TextField, spans: Iterable[tuple[str, int, int]]) -> str:
    """Wrap each (finding id, start, end) span of ``fld`` in ``<mark data-finding="id">``.

    Marks never cross a tag: a span over several text nodes becomes several marks, and
    overlapping findings nest inside one another, so the markup stays well formed.
    """
    if fld.source is None:
        return html.escape(fld.text, quote=False)
    assert fld.src_start is not None and fld.src_end is not None
    inserts: list[tuple[int, int, str]] = []  # (source offset, order, markup)
    for a, b, covering in covered_pieces(spans, len(fld.text)):
        for run_a, run_b in _source_runs(fld, a, b):
            opening = "".join(f'<mark data-finding="{html.escape(fid)}">' for fid in covering)
            # Closing marks sort before opening ones at the same offset (order 0 < 1).
            inserts.append((run_a, 1, opening))
            inserts.append((run_b, 0, "</mark>" * len(covering)))
    if not inserts:
        return fld.source
    inserts.sort(key=lambda t: (t[0], t[1]))
    out: list[str] = []
    pos = 0
    for offset, _, markup in inserts:
        out.append(fld.source[pos:offset])
        out.append(markup)
        pos = offset
    out.append(fld.source[pos:])
    return "".join(out)


def _source_runs(fld: TextField, a: int, b: int) -> Iterator[tuple[int, int]]:
    """Contiguous source spans covering plain-text characters a..b (synthetic ones skipped)."""
    starts, ends = fld.src_start, fld.src_end
    assert starts is not None and ends is not None
    run: list[int] | None = None
    for i in range(a, b):
        s, e = starts[i], ends[i]
        if s == e:  # synthetic break
            if run:
                yield run[0], run[1]
            run = None
            continue
        if run is not None and (s == run[1] or s == run[0]):
            run[1] = max(run[1], e)
        else:
            if run:
                yield run[0], run[1]
            run = [s, e]
    if run:
        yield run[0], run[1]


@dataclass(slots=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass(slots=True)
class Draft:
    """A document as the CMS sent it. ``metadata`` keeps the CMS's keys."""

    title: str = ""
    body_html: str = ""
    channel: str = ""
    url: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    site: str = ""
    document_id: str = ""
    revision: str = ""


class TextModel:
    """All checkable text of one draft; built once, read by every check."""

    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        self.fields: dict[str, TextField] = {}
        self.add(plain_field("title", draft.title or ""))
        self.add(html_field("body", draft.body_html or ""))

    def add(self, fld: TextField) -> None:
        self.fields[fld.name] = fld

    @property
    def title(self) -> TextField:
        return self.fields["title"]

    @property
    def body(self) -> TextField:
        return self.fields["body"]

    def text_fields(self) -> list[TextField]:
        return list(self.fields.values())

    def text_of(self, name: str) -> str | None:
        """Plain text a finding's ``field`` refers to, including segment labels (a cell, a page)."""
        fld = self.fields.get(name)
        if fld is not None:
            return fld.text
        for fld in self.fields.values():
            for i, (start, label) in enumerate(fld.segments):
                if label == name:
                    end = fld.segments[i + 1][0] if i + 1 < len(fld.segments) else len(fld.text)
                    return fld.text[start:end]
        return None

"""Time-bounded fuzzing (hypothesis) of what reads untrusted input: HTML extraction and
annotation, the normaliser, attachment readers, and request parsing over HTTP semantics.

Each target runs for ``SANSHEN_FUZZ_SECONDS`` (default 12; CI may raise it, e.g. to 60):
hypothesis runs batches of examples until the time is up, shrinking any failure it finds
and keeping it in .hypothesis/ so the next run tries it first.
"""

from __future__ import annotations

import io
import json
import logging
import os
import time
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.attachments import add_attachment_fields
from checks.normalize import Normalizer
from checks.textmodel import Attachment, Draft, TextModel, annotate_html, extract_text, html_field, strip_marks
from tests.conftest import review_body

SECONDS = float(os.environ.get("SANSHEN_FUZZ_SECONDS", "12"))
BATCH = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


def run_for(seconds: float, test: Callable[[], None]) -> int:
    """Call a @given test (one batch of examples per call) until ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    batches = 0
    while time.monotonic() < deadline:
        test()
        batches += 1
    return batches


# --- HTML ----------------------------------------------------------------------------------

_TAGS = ["p", "div", "br", "span", "td", "tr", "table", "li", "script", "style", "a", "b", "title", "textarea"]
_ATTRIBUTES = ["", ' class="x"', " style='display:none'", " a=b c", ' x="<>"']
_WORDS = ["再接再励", "身份证号370202199001011237", "法轮功", "　", "\u200b", "&", "<", ">", "\r\n"]
_ENTITIES = ["&amp;", "&lt;", "&#x4e2d;", "&#20013;", "&#0;", "&#xD800;", "&#99999999;", "&nbsp", "&bogus;"]
_ODD_MARKUP = ["<!-- c -->", "<!--", "-->", "<![CDATA[x]]>", "<!DOCTYPE html>", "<?xml?>", "</", "<a", "<p/>", "< p>"]
_PIECES = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.sampled_from(_WORDS),
    st.sampled_from(_ENTITIES),
    st.builds(lambda t, a: f"<{t}{a}>", st.sampled_from(_TAGS), st.sampled_from(_ATTRIBUTES)),
    st.builds(lambda t: f"</{t}>", st.sampled_from(_TAGS)),
    st.sampled_from([*_ODD_MARKUP, "<\x00>"]),
)
html_documents = st.lists(_PIECES, max_size=40).map("".join)


@given(source=html_documents, cuts=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 400)), max_size=6))
@BATCH
def _html(source: str, cuts: list[tuple[int, int]]) -> None:
    text, starts, ends = extract_text(source)
    assert len(starts) == len(ends) == len(text)
    for s, e in zip(starts, ends, strict=True):
        assert 0 <= s <= e <= len(source)
    fld = html_field("body", source)
    spans = [(f"f{i}", min(a, b), max(a, b)) for i, (a, b) in enumerate(cuts)]
    annotated = annotate_html(fld, spans)
    # Marks are only added: removing them gives the source back.
    assert strip_marks(annotated) == source or "<mark" in source


def test_when_html_is_fuzzed_then_extraction_and_annotation_never_raise() -> None:
    assert run_for(SECONDS, _html) >= 1


# --- normaliser ------------------------------------------------------------------------------

_normalizer = Normalizer()


@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
@BATCH
def _normalize(text: str) -> None:
    folded = _normalizer.normalize(text)
    assert len(folded.index) == len(folded.text)
    previous = -1
    for offset in folded.index:
        assert 0 <= offset < len(text) and offset >= previous
        previous = offset
    if folded.text:
        start, end = folded.original_span(0, len(folded.text))
        assert 0 <= start < end <= len(text)
    assert _normalizer.normalize(folded.text).text == folded.text  # folding is idempotent


def test_when_text_is_fuzzed_then_the_normaliser_keeps_offsets_and_is_idempotent() -> None:
    assert run_for(SECONDS, _normalize) >= 1


# --- attachments ---------------------------------------------------------------------------


def _docx() -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph("联系人王秀英，电话13912345678。希望再接再励。")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "身份证号"
    table.cell(0, 1).text = "370202199001011237"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "电话"])
    sheet.append(["王秀英", "13912345678"])
    hidden = workbook.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    hidden["A1"] = "内部资料"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _pdf() -> bytes:
    content = b"BT /F1 12 Tf 72 712 Td (Contact 13912345678) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


_SEEDS: dict[str, bytes] = {}


def _seed(kind: str) -> bytes:
    if kind not in _SEEDS:
        _SEEDS[kind] = {"docx": _docx, "xlsx": _xlsx, "pdf": _pdf, "txt": lambda: "通知\n再接再励\n".encode("gb18030")}[
            kind
        ]()
    return _SEEDS[kind]


def _mutate_bytes(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    buffer = bytearray(data)
    for op, position, value in edits:
        if not buffer:
            buffer.append(value)
            continue
        i = position % len(buffer)
        if op == 0:
            buffer[i] = value
        elif op == 1:
            buffer.insert(i, value)
        elif op == 2:
            del buffer[i]
        else:
            del buffer[i:]  # truncation
    return bytes(buffer)


def _mutate_member(data: bytes, member_pick: int, edits: list[tuple[int, int, int]]) -> bytes:
    """Rezip an OOXML file with one member's XML mutated: reaches the XML readers."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    victim = names[member_pick % len(names)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            payload = source.read(name)
            target.writestr(name, _mutate_bytes(payload, edits) if name == victim else payload)
    return out.getvalue()


_edits = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1 << 20), st.integers(0, 255)), max_size=8)
_NAMES = {"docx": "名单.docx", "xlsx": "名单.xlsx", "pdf": "通知.pdf", "txt": "说明.txt"}


@st.composite
def attachments(draw: st.DrawFn) -> Attachment:
    kind = draw(st.sampled_from(["docx", "xlsx", "pdf", "txt"]))
    how = draw(st.sampled_from(["bytes", "member", "random"]))
    if how == "random":
        data = draw(st.binary(max_size=2000))
    elif how == "member" and kind in ("docx", "xlsx"):
        data = _mutate_member(_seed(kind), draw(st.integers(0, 50)), draw(_edits))
    else:
        data = _mutate_bytes(_seed(kind), draw(_edits))
    name = draw(st.sampled_from([_NAMES[kind], _NAMES[kind].upper(), "无扩展名", "a.bin"]))
    content_type = draw(st.sampled_from(["", "application/octet-stream", "text/plain", "application/pdf"]))
    return Attachment(name, content_type, data)


_reader_errors: Counter = Counter()


class _ReaderErrors(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("attachment reader failed with "):
            _reader_errors[record.getMessage().rsplit(" ", 1)[1]] += 1


@given(files=st.lists(attachments(), min_size=1, max_size=3))
@BATCH
def _attachments(files: list[Attachment]) -> None:
    model = TextModel(Draft(title="通知", body_html="<p>正文</p>", attachments=files))
    findings = add_attachment_fields(model)
    for finding in findings:
        assert finding.field.startswith("attachment")
    for fld in model.text_fields():
        assert isinstance(fld.text, str)


def test_when_attachments_are_fuzzed_then_readers_answer_with_fields_or_findings() -> None:
    handler = _ReaderErrors()
    logger = logging.getLogger("sanshen.checks.attachments")
    logger.addHandler(handler)
    try:
        assert run_for(SECONDS, _attachments) >= 1
    finally:
        logger.removeHandler(handler)
    if _reader_errors:
        # Caught and reported as attachment.unreadable (fail closed), but each is a reader
        # that met input it did not expect: worth a look, not a failure of this test.
        warnings.warn(f"attachment readers raised unexpectedly: {dict(_reader_errors)}", stacklevel=1)


# --- request parsing -----------------------------------------------------------------------

_json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(1 << 70), max_value=1 << 70),
    st.floats(allow_nan=False),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(["", " ", "\u0000", "a\u0000b", "主动公开", "x" * 300]),
)
json_values = st.recursive(
    _json_leaf,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
_FIELDS = [
    ("site",),
    ("document",),
    ("document", "id"),
    ("document", "revision"),
    ("document", "title"),
    ("document", "body_html"),
    ("document", "metadata"),
    ("document", "metadata", "disclosure"),
    ("document", "attachments"),
    ("callback_url",),
]


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    how = draw(st.sampled_from(["field", "field", "value", "bytes", "raw"]))
    payload = review_body(body_html="<p>希望再接再励。</p>")
    if how == "value":
        return json.dumps(draw(json_values)).encode()
    if how == "raw":
        return draw(
            st.sampled_from(
                [
                    b"NaN",
                    b'{"site": Infinity}',
                    b'{"site":"qd-mzj","document":{"id":"a\\u0000b"}}',
                    b'{"site":"qd-mzj","document":{"id":"x","body_html":"\\u0000"}}',
                    b'{"site":"qd-mzj","site":"qd-mzj","document":{"id":"x"}}',
                    b"\xef\xbb\xbf{}",
                    b"",
                ]
            )
        )
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_FIELDS))
        target = payload
        for key in path[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        if draw(st.booleans()):
            target[path[-1]] = draw(json_values)
        else:
            target.pop(path[-1], None)
    body = json.dumps(payload, ensure_ascii=draw(st.booleans())).encode("utf-8")
    if how == "bytes":
        body = _mutate_bytes(body, draw(_edits))
    return body


# 401: a mutated "site" no longer matches the site whose secret signed the body.
ALLOWED = {200, 202, 400, 401, 409, 413, 415, 422}


def test_when_request_bodies_are_fuzzed_then_answers_are_json_4xx_never_500(app, site, signed) -> None:
    _, secret = site
    client = app.test_client()
    statuses: Counter = Counter()

    @given(body=bodies())
    @BATCH
    def request(body: bytes) -> None:
        response = client.post("/v1/reviews", data=body, headers=signed(secret, body))
        statuses[response.status_code] += 1
        assert response.status_code in ALLOWED, (response.status_code, body[:200], response.get_data()[:300])
        answer = response.get_json()
        assert isinstance(answer, dict)
        if response.status_code >= 400:
            assert set(answer["error"]) == {"code", "message"}

    assert run_for(SECONDS, request) >= 1
    assert statuses[422] and (statuses[200] or statuses[202])


# Found by this fuzzer; kept out of the generated bodies above so it does not mask others.
@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a":' * 50_000])
def test_when_a_body_nests_too_deep_then_400_not_500(app, site, signed, body: bytes) -> None:
    _, secret = site
    response = app.test_client().post("/v1/reviews", data=body, headers=signed(secret, body))
    assert response.status_code == 400, response.get_data()[:200]


@pytest.mark.parametrize("field", ["title", "body_html"])
def test_when_text_holds_a_lone_surrogate_then_422_not_500(app, site, signed, field: str) -> None:
    _, secret = site
    body = json.dumps(review_body(**{field: "<p>正文\ud800</p>"})).encode("ascii")
    assert b"\\ud800" in body  # escaped in the JSON text, as a CMS would send it
    response = app.test_client().post("/v1/reviews", data=body, headers=signed(secret, body))
    assert response.status_code in (400, 422), response.get_data()[:200]

"""Attachment reading: docx, xlsx, pdf, txt/csv/html, hidden content, document properties,
corrupt/encrypted/oversized files and zip bombs. Every fixture is generated here."""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable

import openpyxl
import pytest
from docx import Document
from lxml import etree
from openpyxl.comments import Comment
from pypdf import PdfReader, PdfWriter

from checks import registry
from checks.attachments import Limits, add_attachment_fields, sniff
from checks.engine import Engine
from checks.finding import Finding, Severity
from checks.textmodel import Attachment, Draft, TextModel
from tests.checks.conftest import make_lexicon

LEXICON = make_lexicon(
    ("机密材料", "deny", "保密", "block", "", "test term"),
    ("澳门赌场", "deny", "赌博", "block", "", "test term"),
)
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


# --- fixture builders ----------------------------------------------------------------------------


def make_docx(*, hidden: str = "", deleted: str = "", comment: str = "", author: str = "", modifier: str = "") -> bytes:
    document = Document()
    document.core_properties.author = author
    document.core_properties.last_modified_by = modifier
    document.add_paragraph("关于印发名单的通知")
    paragraph = document.add_paragraph("各单位：现将名单印发。")
    if hidden:
        run = paragraph.add_run(hidden)
        run.font.hidden = True
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "姓名"
    table.cell(0, 1).text = "单位"
    table.cell(1, 0).text = "李四"
    table.cell(1, 1).text = "市民政局"
    section = document.sections[0]
    section.header.paragraphs[0].text = "青岛市民政局文件"
    section.footer.paragraphs[0].text = "第1页"
    if comment:
        document.add_comment(paragraph.runs[0], text=comment, author="王五", initials="WW")
    if deleted:
        body = document.add_paragraph("保留的文字")._p
        deletion = etree.SubElement(body, f"{{{W_NS}}}del", {f"{{{W_NS}}}id": "9", f"{{{W_NS}}}author": "x"})
        run = etree.SubElement(deletion, f"{{{W_NS}}}r")
        etree.SubElement(run, f"{{{W_NS}}}delText").text = deleted
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_xlsx(*, creator: str = "") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "名单"
    sheet.append(["姓名", "单位", "备注"])
    for i in range(2, 8):
        sheet.append([f"人员{i}", "市民政局", f"备注{i}"])
    sheet["C7"] = "机密材料"
    sheet.row_dimensions[5].hidden = True
    sheet.column_dimensions["B"].hidden = True
    sheet["A2"].comment = Comment("联系人赵六", "赵六")
    hidden = workbook.create_sheet("隐藏表")
    hidden["A1"] = "隐藏的内容"
    hidden.sheet_state = "hidden"
    very = workbook.create_sheet("深度隐藏")
    very["B2"] = "澳门赌场"
    very.sheet_state = "veryHidden"
    workbook.create_sheet("空表")
    workbook.properties.creator = creator
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_pdf(pages: list[str], author: str = "") -> bytes:
    """A minimal valid PDF: a Type0 font with Identity-H codes and a ToUnicode CMap, so the
    text is extractable without embedding a font."""
    objects: dict[int, bytes] = {}
    first = 7
    kids = " ".join(f"{first + 2 * i} 0 R" for i in range(len(pages)))
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[2] = f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode()
    objects[3] = (
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Song /Encoding /Identity-H "
        b"/DescendantFonts [4 0 R] /ToUnicode 5 0 R >>"
    )
    objects[4] = (
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Song /CIDSystemInfo << /Registry (Adobe) "
        b"/Ordering (Identity) /Supplement 0 >> /FontDescriptor 6 0 R /DW 1000 >>"
    )
    ranges = [f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in range(256) if not 0xD8 <= hi <= 0xDF]
    blocks = [
        f"{len(ranges[i : i + 100])} beginbfrange\n" + "\n".join(ranges[i : i + 100]) + "\nendbfrange"
        for i in range(0, len(ranges), 100)
    ]
    cmap = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    ).encode()
    objects[5] = b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream"
    objects[6] = (
        b"<< /Type /FontDescriptor /FontName /Song /Flags 4 /FontBBox [0 0 1000 1000] /ItalicAngle 0 "
        b"/Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>"
    )
    for i, text in enumerate(pages):
        operators = ["BT", "/F1 12 Tf", "14 TL", "72 770 Td"]
        operators += [f"<{line.encode('utf-16-be').hex().upper()}> Tj T*" for line in text.split("\n")]
        stream = "\n".join([*operators, "ET"]).encode()
        objects[first + 2 * i] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {first + 2 * i + 1} 0 R >>"
        ).encode()
        objects[first + 2 * i + 1] = b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, size))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    data = bytes(out)
    if author:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer.add_metadata({"/Author": author})
        buffer = io.BytesIO()
        writer.write(buffer)
        data = buffer.getvalue()
    return data


def encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(["第一页 机密材料"]))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def zip_with(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb(size: int) -> bytes:
    """A docx-shaped zip with one member of ``size`` zero bytes (about 1000:1)."""
    docx = zipfile.ZipFile(io.BytesIO(make_docx()))
    members = {name: docx.read(name) for name in docx.namelist()}
    members["word/media/padding.bin"] = bytes(size)
    return zip_with(members)


def encrypted_ooxml() -> bytes:
    """What Office writes for a password-protected docx: an OLE compound file."""
    return (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(504)
        + "EncryptionInfo".encode("utf-16-le")
        + bytes(64)
        + "EncryptedPackage".encode("utf-16-le")
    )


def read(*attachments: tuple[str, bytes], limits: Limits | None = None) -> tuple[TextModel, list[Finding]]:
    model = TextModel(Draft(attachments=[Attachment(name, "", data) for name, data in attachments]))
    return model, add_attachment_fields(model, limits)


def summary(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return sorted((f.rule, str(f.severity), f.field) for f in findings)


# --- docx ----------------------------------------------------------------------------------------


def test_when_docx_is_read_then_body_tables_headers_and_footers_become_fields() -> None:
    model, findings = read(("通知.docx", make_docx()))
    body = model.fields["attachment:通知.docx"]
    assert body.text == "关于印发名单的通知\n各单位：现将名单印发。\n姓名\t单位\n李四\t市民政局"
    assert body.segments == [
        (0, "attachment:通知.docx#para=1"),
        (10, "attachment:通知.docx#para=2"),
        (22, "attachment:通知.docx#table=1,row=1,col=1"),
        (25, "attachment:通知.docx#table=1,row=1,col=2"),
        (28, "attachment:通知.docx#table=1,row=2,col=1"),
        (31, "attachment:通知.docx#table=1,row=2,col=2"),
    ]
    assert model.fields["attachment:通知.docx#header1"].text == "青岛市民政局文件"
    assert model.fields["attachment:通知.docx#footer1"].text == "第1页"
    assert findings == []


@pytest.mark.parametrize(
    ("options", "rule", "text"),
    [
        ({"hidden": "机密材料"}, "attachment.hidden_content", "机密材料"),
        ({"deleted": "删除的机密材料"}, "attachment.tracked_changes", "删除的机密材料"),
    ],
)
def test_when_docx_hides_text_then_it_is_read_and_reported(options: dict[str, str], rule: str, text: str) -> None:
    model, findings = read(("通知.docx", make_docx(**options)))
    assert text in model.fields["attachment:通知.docx"].text
    [finding] = findings
    assert (finding.rule, finding.severity, finding.text) == (rule, Severity.WARN, text)
    assert model.fields[finding.field].text[finding.start : finding.end] == text


def test_when_docx_has_comments_then_their_text_is_checked_and_reported() -> None:
    model, findings = read(("通知.docx", make_docx(comment="请核对机密材料")))
    comments = model.fields["attachment:通知.docx#comments"]
    assert comments.text == "请核对机密材料"
    assert comments.segments == [(0, "attachment:通知.docx#comment=1")]
    assert ("attachment.comments", "warn", "attachment:通知.docx#comments") in summary(findings)
    assert ("attachment.property", "info", "attachment:通知.docx#properties") in summary(findings)  # author 王五


@pytest.mark.parametrize(
    ("author", "modifier", "expected"),
    [
        ("张三", "", [("creator", "张*", Severity.INFO)]),
        ("", "13812345678", [("lastModifiedBy", "138****5678", Severity.WARN)]),
        (
            "欧阳明华",
            "0532-85912345",
            [("creator", "欧***", Severity.INFO), ("lastModifiedBy", "053******2345", Severity.WARN)],
        ),
        ("Administrator", "微软用户", []),
        ("青岛市民政局", "办公室", []),
        ("Zhang Wei", "", [("creator", "Z********", Severity.INFO)]),
        ("", "", []),
    ],
)
def test_when_document_properties_name_a_person_then_they_are_reported_masked(
    author: str, modifier: str, expected: list[tuple[str, str, Severity]]
) -> None:
    _, findings = read(("通知.docx", make_docx(author=author, modifier=modifier)))
    found = [(f.details["property"], f.text, f.severity) for f in findings if f.rule == "attachment.property"]
    assert found == expected
    assert all(f.field == "attachment:通知.docx#properties" for f in findings)


# --- xlsx ----------------------------------------------------------------------------------------


def test_when_xlsx_is_read_then_every_sheet_and_cell_is_a_field_with_cell_segments() -> None:
    model, _ = read(("名单.xlsx", make_xlsx()))
    sheet = model.fields["attachment:名单.xlsx!名单"]
    lines = sheet.text.split("\n")
    assert lines[0] == "姓名\t单位\t备注"
    assert lines[6] == "人员7\t市民政局\t机密材料"
    assert (sheet.text.index("机密材料"), "attachment:名单.xlsx!名单!C7") in sheet.segments
    assert model.fields["attachment:名单.xlsx!隐藏表"].text == "隐藏的内容"
    assert model.fields["attachment:名单.xlsx!深度隐藏"].segments == [(0, "attachment:名单.xlsx!深度隐藏!B2")]
    assert "attachment:名单.xlsx!空表" not in model.fields
    assert model.fields["attachment:名单.xlsx!名单#comments"].text == "联系人赵六"


def test_when_xlsx_hides_sheets_rows_or_columns_then_each_is_reported() -> None:
    _, findings = read(("名单.xlsx", make_xlsx(creator="赵六")))
    hidden = {f.field: f for f in findings if f.rule == "attachment.hidden_content"}
    assert hidden["attachment:名单.xlsx!隐藏表"].details["state"] == "hidden"
    assert hidden["attachment:名单.xlsx!深度隐藏"].details["state"] == "veryHidden"
    rows_columns = hidden["attachment:名单.xlsx!名单!B1"]
    assert rows_columns.details["rows"] == [5]
    assert rows_columns.details["columns"] == ["B"]
    assert all(f.severity is Severity.WARN for f in hidden.values())
    assert ("attachment.comments", "warn", "attachment:名单.xlsx!名单#comments") in summary(findings)
    properties = [f.text for f in findings if f.rule == "attachment.property"]
    assert properties == ["赵*", "赵*"]  # creator and comment author


def test_when_text_checks_run_on_attachments_then_findings_locate_by_cell_page_and_paragraph() -> None:
    engine = Engine(LEXICON, checks=registry.create(["sensitive"]))
    draft = Draft(
        body_html="<p>附件：1.名单 2.通知 3.说明</p>",
        attachments=[
            Attachment("名单.xlsx", "", make_xlsx()),
            Attachment("通知.pdf", "", make_pdf(["第一页", "第二页", "第三页 有澳门赌场字样"])),
            Attachment("说明.docx", "", make_docx(hidden="机密材料")),
        ],
    )
    report = engine.check(draft, include_async=True)
    located = sorted((f.field, f.start, f.end, f.text) for f in report.findings if f.rule == "sensitive.term")
    assert located == [
        ("attachment:名单.xlsx!名单!C7", 0, 4, "机密材料"),
        ("attachment:名单.xlsx!深度隐藏!B2", 0, 4, "澳门赌场"),
        ("attachment:说明.docx#para=2", 11, 15, "机密材料"),
        ("attachment:通知.pdf#page=3", 5, 9, "澳门赌场"),
    ]
    assert report.verdict.name == "BLOCK"


def test_when_attachments_are_present_then_the_synchronous_answer_is_pending() -> None:
    engine = Engine(LEXICON, checks=registry.create(["sensitive"]))
    draft = Draft(attachments=[Attachment("名单.xlsx", "", make_xlsx())])
    report = engine.check(draft)
    assert report.pending_checks == ["attachments"]
    assert all(not f.field.startswith("attachment:") for f in report.findings)


# --- pdf -----------------------------------------------------------------------------------------


def test_when_pdf_is_read_then_each_page_is_a_segment() -> None:
    model, findings = read(("通知.pdf", make_pdf(["第一页 通知", "第二页\n第二行", "第三页"])))
    fld = model.fields["attachment:通知.pdf"]
    assert fld.text.split("\n") == ["第一页 通知", "第二页", "第二行", "第三页"]
    assert [label for _, label in fld.segments] == [f"attachment:通知.pdf#page={n}" for n in (1, 2, 3)]
    assert findings == []


def test_when_pdf_has_no_text_then_a_human_must_look() -> None:
    _, findings = read(("扫描件.pdf", make_pdf([""])))
    assert summary(findings) == [("attachment.no_text", "warn", "attachment:扫描件.pdf")]


def test_when_pdf_author_is_a_person_then_it_is_reported() -> None:
    _, findings = read(("通知.pdf", make_pdf(["正文"], author="李明")))
    assert [(f.rule, f.text) for f in findings] == [("attachment.property", "李*")]


@pytest.mark.parametrize(
    ("password", "expected"),
    [("secret", [("attachment.encrypted", "warn", "attachment:加密.pdf")]), ("", [])],
)
def test_when_pdf_is_encrypted_then_only_an_empty_user_password_is_tried(
    password: str, expected: list[tuple[str, str, str]]
) -> None:
    model, findings = read(("加密.pdf", encrypted_pdf(password)))
    assert summary(findings) == expected
    if not password:
        assert "机密材料" in model.fields["attachment:加密.pdf"].text


# --- txt, csv, html ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "field", "text"),
    [
        ("说明.txt", "第一行\r\n第二行机密材料".encode(), "attachment:说明.txt", "第一行\n第二行机密材料"),
        ("说明.txt", "简体中文内容".encode("gb18030"), "attachment:说明.txt", "简体中文内容"),
        ("说明.txt", "\ufeffBOM文本".encode(), "attachment:说明.txt", "BOM文本"),
        ("说明.txt", "UTF16文本".encode("utf-16"), "attachment:说明.txt", "UTF16文本"),
        ("页面.html", "<p>标题</p><p>正文&amp;内容</p>".encode(), "attachment:页面.html", "标题\n正文&内容"),
        ("名单.csv", "姓名,单位\n张三,民政局\n".encode(), "attachment:名单.csv", "姓名\t单位\n张三\t民政局"),
        ("readme", b"plain ascii text without extension", "attachment:readme", "plain ascii text without extension"),
    ],
)
def test_when_a_text_attachment_is_read_then_it_is_decoded_into_one_field(
    name: str, data: bytes, field: str, text: str
) -> None:
    model, findings = read((name, data))
    assert model.fields[field].text == text
    assert findings == []


def test_when_csv_is_read_then_cells_are_segments_like_a_sheet() -> None:
    model, _ = read(("名单.csv", "姓名,单位\n张三,民政局\n".encode()))
    assert model.fields["attachment:名单.csv"].segments == [
        (0, "attachment:名单.csv!A1"),
        (3, "attachment:名单.csv!B1"),
        (6, "attachment:名单.csv!A2"),
        (9, "attachment:名单.csv!B2"),
    ]


# --- unreadable, encrypted, oversized, bombs --------------------------------------------------------


def _truncated_docx() -> bytes:
    data = make_docx()
    return data[: len(data) // 2]


def _doctype_docx() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(make_docx()))
    members = {name: source.read(name) for name in source.namelist()}
    members["word/document.xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b'<w:document xmlns:w="'
        + W_NS.encode()
        + b'"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>'
    )
    return zip_with(members)


def _encrypted_zip_docx() -> bytes:
    data = bytearray(make_docx())
    # Set the "encrypted" flag bit in every central directory header.
    index = data.find(b"PK\x01\x02")
    while index >= 0:
        data[index + 8] |= 0x1
        index = data.find(b"PK\x01\x02", index + 4)
    return bytes(data)


def _missing_main_part() -> bytes:
    return zip_with({"[Content_Types].xml": b"<Types/>", "word/other.xml": b"<x/>"})


def _bad_xml_xlsx() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(make_xlsx()))
    members = {name: source.read(name) for name in source.namelist()}
    members["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row><c><v>1</v></row>"
    return zip_with(members)


@pytest.mark.parametrize(
    ("name", "data", "rule"),
    [
        ("通知.docx", b"PK\x03\x04" + b"garbage" * 20, "attachment.unreadable"),
        ("通知.docx", b"this is not a zip file", "attachment.unreadable"),
        ("通知.docx", _truncated_docx(), "attachment.unreadable"),
        ("通知.docx", _missing_main_part(), "attachment.unreadable"),
        ("通知.docx", _doctype_docx(), "attachment.unreadable"),
        ("名单.xlsx", _bad_xml_xlsx(), "attachment.unreadable"),
        ("通知.pdf", b"%PDF-1.7\n" + b"\x00\xff" * 100, "attachment.unreadable"),
        ("通知.pdf", b"not a pdf at all", "attachment.unreadable"),
        ("通知.docx", encrypted_ooxml(), "attachment.encrypted"),
        ("名单.xlsx", encrypted_ooxml(), "attachment.encrypted"),
        ("通知.docx", _encrypted_zip_docx(), "attachment.encrypted"),
        ("通知.docx", zip_bomb(40 * 1024 * 1024), "attachment.oversized"),
        ("通知.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "attachment.unsupported"),
        ("资料.zip", zip_with({"a.txt": b"x"}), "attachment.unsupported"),
        ("数据.bin", bytes(range(256)) * 4, "attachment.unsupported"),
    ],
    ids=[
        "zip_garbage",
        "not_zip",
        "truncated",
        "no_main_part",
        "doctype_entities",
        "broken_sheet_xml",
        "pdf_garbage",
        "not_pdf",
        "encrypted_docx",
        "encrypted_xlsx",
        "zip_encryption_flag",
        "zip_bomb",
        "legacy_doc",
        "zip_archive",
        "binary",
    ],
)
def test_when_a_file_cannot_be_read_then_a_warn_finding_replaces_a_crash(name: str, data: bytes, rule: str) -> None:
    model, findings = read((name, data))
    assert [(f.rule, f.severity) for f in findings] == [(rule, Severity.WARN)]
    assert findings[0].field == f"attachment:{name}"
    assert findings[0].message
    assert not [n for n in model.fields if n.startswith("attachment:")]


@pytest.mark.parametrize(
    ("limits", "data", "rule"),
    [
        (Limits(max_bytes=1000), make_docx(), "attachment.oversized"),
        (Limits(max_uncompressed=20_000), make_docx(), "attachment.oversized"),
        (Limits(max_members=3), make_docx(), "attachment.oversized"),
        (Limits(max_ratio=5, ratio_min_bytes=1000), zip_bomb(100_000), "attachment.oversized"),
    ],
)
def test_when_a_file_exceeds_a_limit_then_it_is_not_decompressed(limits: Limits, data: bytes, rule: str) -> None:
    _, findings = read(("通知.docx", data), limits=limits)
    assert [f.rule for f in findings] == [rule]


def test_when_the_zip_bomb_is_checked_then_no_member_is_decompressed(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    original = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, name: object, *args: object, **kwargs: object):
        opened.append(str(name))
        return original(self, name, *args, **kwargs)

    bomb = zip_bomb(40 * 1024 * 1024)
    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    _, findings = read(("通知.docx", bomb))
    assert [f.rule for f in findings] == ["attachment.oversized"]
    assert opened == []


def test_when_text_exceeds_the_budget_then_the_rest_is_reported_as_unchecked() -> None:
    model, findings = read(("长文.txt", ("很长的文字" * 100).encode()), limits=Limits(max_chars=100))
    assert len(model.fields["attachment:长文.txt"].text) == 100
    assert [f.rule for f in findings] == ["attachment.truncated"]


@pytest.mark.parametrize(
    ("name", "data", "rule", "severity"),
    [
        ("空.docx", b"", "attachment.empty", Severity.INFO),
        ("照片.jpg", b"\xff\xd8\xff\xe0" + bytes(100), "attachment.unsupported", Severity.INFO),
    ],
)
def test_when_an_attachment_has_nothing_to_read_then_an_info_finding_says_so(
    name: str, data: bytes, rule: str, severity: Severity
) -> None:
    _, findings = read((name, data))
    assert [(f.rule, f.severity) for f in findings] == [(rule, severity)]


def test_when_attachment_data_is_missing_or_of_the_wrong_type_then_it_is_reported() -> None:
    model = TextModel(Draft(attachments=[Attachment("a.docx", "", None), Attachment(None, "", "text")]))  # type: ignore[arg-type]
    findings = add_attachment_fields(model)
    assert [(f.rule, f.field) for f in findings] == [
        ("attachment.unreadable", "attachment:a.docx"),
        ("attachment.unreadable", "attachment:附件2"),
    ]


def test_when_two_attachments_share_a_name_then_their_fields_stay_apart() -> None:
    model, _ = read(("名单.txt", "甲".encode()), ("名单.txt", "乙".encode()), ("../../etc/名单.txt", "丙".encode()))
    assert model.fields["attachment:名单.txt"].text == "甲"
    assert model.fields["attachment:名单(2).txt"].text == "乙"
    assert model.fields["attachment:名单(3).txt"].text == "丙"


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("x.bin", make_docx(), "docx"),
        ("x.pdf", make_xlsx(), "xlsx"),
        ("x.docx", make_pdf(["a"]), "pdf"),
        ("x.txt", b"hello", "txt"),
        ("x.CSV", b"a,b", "csv"),
        ("x.htm", b"<p>a</p>", "html"),
        ("x.png", b"\x89PNG\r\n", "image"),
        ("x.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(10), "legacy"),
    ],
)
def test_when_the_type_is_sniffed_then_content_beats_the_extension(name: str, data: bytes, kind: str) -> None:
    assert sniff(name, "", data) == kind


def test_when_a_reader_fails_unexpectedly_then_the_engine_still_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    from checks.attachments import docx as docx_reader

    def boom(*args: object) -> None:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(docx_reader, "extract", boom)
    _, findings = read(("通知.docx", make_docx()))
    assert [(f.rule, f.severity) for f in findings] == [("attachment.unreadable", Severity.WARN)]


# --- format check's 附件 rule with real attachments ------------------------------------------------


@pytest.mark.parametrize(
    ("body", "names", "expected"),
    [
        ("<p>附件：1.名单</p><p>2.通知</p>", ["名单.xlsx", "通知.docx"], []),
        ("<p>附件：1.名单</p><p>2.通知</p>", ["名单.xlsx"], [("format.attachment_missing", "body")]),
        ("<p>现印发。</p>", ["名单.xlsx"], [("format.attachment_unmentioned", "body")]),
    ],
)
def test_when_attachments_and_the_body_disagree_then_the_format_check_says_which(
    body: str, names: list[str], expected: list[tuple[str, str]]
) -> None:
    builders: dict[str, Callable[[], bytes]] = {"名单.xlsx": make_xlsx, "通知.docx": make_docx}
    engine = Engine(LEXICON, checks=registry.create(["format"]))
    draft = Draft(body_html=body, attachments=[Attachment(n, "", builders[n]()) for n in names])
    report = engine.check(draft, include_async=True)
    assert [(f.rule, f.field) for f in report.findings if f.check == "format"] == expected


def test_zip_bomb_fixture_really_is_highly_compressible() -> None:
    data = zip_bomb(40 * 1024 * 1024)
    assert len(data) < 200_000
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("word/media/padding.bin")
    assert info.file_size / info.compress_size > 500
    assert zlib.decompress(zlib.compress(b"x")) == b"x"


def test_when_an_attachment_is_marked_not_public_then_the_disclosure_check_blocks() -> None:
    engine = Engine(LEXICON, checks=registry.create(["disclosure"]))
    draft = Draft(
        body_html="<p>附件：说明</p>",
        metadata={"disclosure": "主动公开"},
        attachments=[Attachment("说明.docx", "", make_docx(hidden="（此件不予公开）"))],
    )
    report = engine.check(draft, include_async=True)
    [finding] = [f for f in report.findings if f.rule == "disclosure.marking_conflict"]
    assert (finding.severity, finding.field, finding.text) == (
        Severity.BLOCK,
        "attachment:说明.docx#para=2",
        "（此件不予公开）",
    )

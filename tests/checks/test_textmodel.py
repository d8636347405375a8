from __future__ import annotations

import pytest

from checks.textmodel import TextField, annotate_html, extract_text, html_field, strip_marks


def text_of(source: str) -> str:
    return extract_text(source)[0]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>第一段</p><p>第二段</p>", "第一段\n第二段"),
        ("<div>甲<br>乙</div>", "甲\n乙"),
        ("a&amp;b &lt;c&gt; &#x4E2D;&#22269; &nbsp;x", "a&b <c> 中国 \u00a0x"),
        ("<p>  多个   空格\n换行  </p>", "多个 空格 换行"),
        ("<script>var a='<p>法轮</p>';</script>正文", "正文"),
        ("<style>p{color:red}</style><p>正文</p>", "正文"),
        ("<!-- 注释 法轮 -->正文<!-- 未闭合", "正文"),
        (
            "<table><tr><td>姓名</td><td>电话</td></tr><tr><td>王某</td><td>12345</td></tr></table>",
            "姓名\t电话\n王某\t12345",
        ),
        ("<p>未闭合<b>粗体<i>斜体", "未闭合粗体斜体"),
        ("1 < 2 且 3 > 2", "1 < 2 且 3 > 2"),
        ("<a href='x>y'>链接</a>", "链接"),
        # An unclosed quote makes no tag: the text is kept and checked rather than lost.
        ('<p title="unclosed>文本', '<p title="unclosed>文本'),
        ("&unknown; &amp", "&unknown; &"),
        ("&#0;&#xD800;", "\ufffd\ufffd"),
    ],
)
def test_when_html_is_extracted_then_text_is_what_a_reader_sees(source: str, expected: str) -> None:
    assert text_of(source) == expected


def test_when_every_character_is_mapped_then_it_points_at_its_source() -> None:
    source = "<p>甲&amp;乙</p><p>丙</p>"
    text, starts, ends = extract_text(source)
    assert text == "甲&乙\n丙"
    assert source[starts[0] : ends[0]] == "甲"
    assert source[starts[1] : ends[1]] == "&amp;"
    assert starts[3] == ends[3]  # the line break stands for a tag
    assert source[starts[4] : ends[4]] == "丙"


def test_when_nesting_is_ten_thousand_deep_then_extraction_still_works() -> None:
    source = "<div>" * 10_000 + "深处" + "</div>" * 10_000
    assert text_of(source) == "深处"


def test_when_body_is_twenty_megabytes_then_extraction_completes() -> None:
    source = "<p>" + "政务公开" * 5_000_000 + "</p>"
    text = text_of(source)
    assert len(text) == 20_000_000


@pytest.mark.parametrize(
    "source",
    ["<", "<<<<", "</", "<!", "<!--", "<![CDATA[", "<a", "<a href='", "&#", "&#x;", "<script>", "<p>\x00</p>"],
)
def test_when_html_is_truncated_garbage_then_nothing_raises(source: str) -> None:
    extract_text(source)


def test_when_a_finding_spans_tags_then_it_becomes_several_marks() -> None:
    fld = html_field("body", "<p>再接<b>再励</b>！</p>")
    assert fld.text == "再接再励！"
    annotated = annotate_html(fld, [("f1", 0, 4)])
    assert annotated == '<p><mark data-finding="f1">再接</mark><b><mark data-finding="f1">再励</mark></b>！</p>'
    assert strip_marks(annotated) == fld.source


def test_when_findings_overlap_then_marks_nest_and_stay_well_formed() -> None:
    fld = html_field("body", "<p>abcdefgh</p>")
    annotated = annotate_html(fld, [("f1", 0, 5), ("f2", 3, 8)])
    assert annotated == (
        '<p><mark data-finding="f1">abc</mark><mark data-finding="f1"><mark data-finding="f2">de'
        '</mark></mark><mark data-finding="f2">fgh</mark></p>'
    )
    assert strip_marks(annotated) == fld.source


def test_when_a_finding_covers_an_entity_then_the_mark_wraps_the_whole_entity() -> None:
    fld = html_field("body", "<p>A&amp;B</p>")
    assert annotate_html(fld, [("f1", 1, 2)]) == '<p>A<mark data-finding="f1">&amp;</mark>B</p>'


def test_when_a_finding_crosses_a_paragraph_break_then_the_break_is_not_marked() -> None:
    fld = html_field("body", "<p>甲乙</p><p>丙丁</p>")
    annotated = annotate_html(fld, [("f1", 1, 4)])
    assert annotated == '<p>甲<mark data-finding="f1">乙</mark></p><p><mark data-finding="f1">丙</mark>丁</p>'


def test_when_field_is_plain_text_then_annotation_is_escaped_text() -> None:
    assert annotate_html(TextField("title", "<标题>"), []) == "&lt;标题&gt;"


def test_when_segments_are_set_then_findings_are_readdressed_to_the_segment() -> None:
    fld = TextField(
        "attachment:a.xlsx!S", "甲\t乙丙", segments=[(0, "attachment:a.xlsx!S!A1"), (2, "attachment:a.xlsx!S!B1")]
    )
    assert fld.locate(3, 4) == ("attachment:a.xlsx!S!B1", 1, 2)

"""``format``: GB/T 9704 发文字号 and 成文日期 forms, 附件说明 against the attachments, and the
seeds (their only warns are the real errors listed here)."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from checks import registry
from checks.docformat import canonical_doc_number, named_attachments
from checks.engine import Engine
from checks.finding import Finding, Severity
from checks.lexicon import Lexicon
from checks.textmodel import Attachment, Draft

TODAY = date(2024, 6, 1)
ENGINE = Engine(Lexicon([]), checks=registry.create(["format"]))
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def check(body: str, metadata: dict[str, Any] | None = None, attachments: list[str] = ()) -> list[Finding]:
    draft = Draft(
        body_html=body,
        metadata={"disclosure": "主动公开", **(metadata or {})},
        attachments=[Attachment(name, "application/octet-stream", b"x") for name in attachments],
    )
    return ENGINE.check(draft, today=TODAY).findings


def paragraphs(*lines: str) -> str:
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines)


@pytest.mark.parametrize(
    ("text", "found", "suggestion", "problems"),
    [
        ("青政办字[2022]22号", "[2022]22号", "〔2022〕22号", ["bracket"]),
        ("青政办字【2022】22号", "【2022】22号", "〔2022〕22号", ["bracket"]),
        ("青政办字(2022)22号", "(2022)22号", "〔2022〕22号", ["bracket"]),
        ("青政办字（2022）22号", "（2022）22号", "〔2022〕22号", ["bracket"]),
        ("青政办字［2022］22号", "［2022］22号", "〔2022〕22号", ["bracket"]),
        ("青民发〔2022〕第5号", "〔2022〕第5号", "〔2022〕5号", ["di"]),
        ("青民发〔2022〕05号", "〔2022〕05号", "〔2022〕5号", ["leading_zero"]),
        ("冀政辦字〔2020〕111 號", "〔2020〕111 號", "〔2020〕111號", ["space"]),
        ("青民发〔2022〕5\u3000号", "〔2022〕5\u3000号", "〔2022〕5号", ["space"]),
        ("青民发〔 2022 〕5号", "〔 2022 〕5号", "〔2022〕5号", ["space"]),
        ("青民发〔２０２２〕５号", "〔２０２２〕５号", "〔2022〕5号", ["fullwidth"]),
        ("青民发〔22〕5号", "〔22〕5号", "〔2022〕5号", ["short_year"]),
        ("青民发〔98〕5号", "〔98〕5号", "〔1998〕5号", ["short_year"]),
        ("青民发[2022]第05号", "[2022]第05号", "〔2022〕5号", ["bracket", "di", "leading_zero"]),
    ],
)
def test_when_doc_number_breaks_gbt9704_then_warn_with_the_corrected_form(
    text: str, found: str, suggestion: str, problems: list[str]
) -> None:
    [finding] = check(paragraphs(f"根据《通知》（{text}）要求"))
    assert (finding.rule, finding.severity) == ("format.doc_number", Severity.WARN)
    assert finding.text == found
    assert finding.suggestion == suggestion
    assert finding.details["problems"] == problems


@pytest.mark.parametrize(
    "text",
    [
        "青民发〔2022〕5号",
        "国办发〔2017〕47号",
        "中华人民共和国国务院令第711号",  # 令 are numbered 第N号
        "（2022）鲁02民终123号",  # a court case number
        "(2022)5号",  # no 机关代字 before the bracket
        "《青岛市“十四五”规划（2021-2025）》",
        "國(guó)辦發(fā)〔2020〕17號(hào)",  # seed 001: pinyin annotations inside the number
        "〔1234〕5号",
    ],
)
def test_when_text_has_a_correct_or_non_doc_number_then_nothing_is_reported(text: str) -> None:
    assert check(paragraphs(text)) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("青民发〔2022〕5号", []),
        ("国家税务总局公告2022年第5号", []),
        ("青民发[2022]5号", [("format.doc_number", 3, 11)]),
        ("〔2022〕5号", [("format.doc_number_agency", 0, 8)]),
        (12345, [("format.doc_number_invalid", 0, 0)]),
        (None, []),
        ("", []),
    ],
)
def test_when_metadata_doc_number_is_checked_then_offsets_point_into_the_value(
    value: Any, expected: list[tuple[str, int, int]]
) -> None:
    findings = check("", {"doc_number": value})
    assert [(f.rule, f.start, f.end) for f in findings] == expected
    assert all(f.field == "metadata.doc_number" for f in findings)


@pytest.mark.parametrize(
    ("head", "metadata", "rules"),
    [
        ("青民发〔2022〕6号", "青民发〔2022〕5号", ["format.doc_number_mismatch"]),
        ("青民发〔2022〕5号", "青民发〔2022〕5号", []),
        ("青民发〔2022〕5号", "青民发[2022]5号", ["format.doc_number"]),
        ("青民发[2022]5号", "青民发〔2022〕5号", ["format.doc_number"]),
        ("青民發〔2022〕5號", "青民发〔2022〕5号", []),
    ],
)
def test_when_the_head_doc_number_differs_from_metadata_then_warn(head: str, metadata: str, rules: list[str]) -> None:
    body = paragraphs(head, "各区市民政局：", "现将有关事项通知如下。")
    assert [f.rule for f in check(body, {"doc_number": metadata})] == rules


def test_when_two_writings_of_one_doc_number_are_compared_then_form_differences_vanish() -> None:
    assert canonical_doc_number("青民发[2022]第05号") == canonical_doc_number("青民发〔2022〕5号")
    assert canonical_doc_number("冀政辦字〔2020〕111 號") == canonical_doc_number("冀政办字〔2020〕111号")


@pytest.mark.parametrize(
    ("text", "rule", "found", "suggestion"),
    [
        ("2022年05月06日", "format.date", "2022年05月06日", "2022年5月6日"),
        ("2022年5月06日", "format.date", "2022年5月06日", "2022年5月6日"),
        ("2022年05月", "format.date", "2022年05月", "2022年5月"),
        ("２０２２年５月６日", "format.date", "２０２２年５月６日", "2022年5月6日"),
        ("2022 年 5 月 6 日", "format.date", "2022 年 5 月 6 日", "2022年5月6日"),
        ("2022年2月30日", "format.date_impossible", "2022年2月30日", None),
        ("2022年13月1日", "format.date_impossible", "2022年13月1日", None),
    ],
)
def test_when_a_date_is_not_in_gbt9704_form_then_warn_with_the_corrected_form(
    text: str, rule: str, found: str, suggestion: str | None
) -> None:
    [finding] = check(paragraphs(f"于{text}召开会议"))
    assert (finding.rule, finding.text, finding.suggestion) == (rule, found, suggestion)


@pytest.mark.parametrize(
    ("line", "suggestion"),
    [
        ("二〇二二年五月六日", "2022年5月6日"),
        ("二〇二二年十二月三十一日", "2022年12月31日"),
        ("  二○二四年十月二十日", "2024年10月20日"),
    ],
)
def test_when_the_written_date_line_uses_chinese_numerals_then_suggest_arabic(line: str, suggestion: str) -> None:
    [finding] = check(paragraphs("青岛市民政局", line))
    assert (finding.rule, finding.suggestion) == ("format.date_numerals", suggestion)


@pytest.mark.parametrize(
    "text",
    ["2022年5月6日", "2022年12月", "二〇二二年五月六日召开会议", "2022-05-06", "2022年度", "截至2022年底"],
)
def test_when_a_date_is_well_formed_or_not_a_written_date_then_nothing_is_reported(text: str) -> None:
    assert check(paragraphs(f"于{text}")) == []


@pytest.mark.parametrize(
    ("written", "rules"),
    [("2022-05-27", []), ("2022-05-26", ["format.written_date_mismatch"]), (None, []), ("garbage", [])],
)
def test_when_the_written_date_line_differs_from_metadata_then_warn(written: Any, rules: list[str]) -> None:
    body = paragraphs("现将方案印发给你们。", "青岛市民政局", "2022年5月27日")
    assert [f.rule for f in check(body, {"written_date": written})] == rules


@pytest.mark.parametrize(
    ("body", "attachments", "expected"),
    [
        (paragraphs("附件：名单"), [], [("format.attachment_missing", "名单")]),
        (paragraphs("附件：名单"), ["名单.xlsx"], []),
        (paragraphs("附件：1.名单", "　　2.统计表"), ["名单.xlsx"], [("format.attachment_missing", "统计表")]),
        (paragraphs("附件：1.名单", "      2.统计表"), ["名单.xlsx", "统计表.xls"], []),
        (
            paragraphs("附件:2022年青岛市民政局政务公开工作责任分工.doc"),
            ["2022年青岛市民政局政务公开工作责任分工.docx"],
            [],
        ),
        (paragraphs("附件：1.实施方案"), ["附件1.pdf"], []),
        (paragraphs("附件：名單"), ["名单.xlsx"], []),
        (paragraphs("附件1：评分细则"), ["附件1：评分细则.docx"], []),
        (paragraphs("详见附件。"), [], []),
        (paragraphs("现印发给你们。"), ["统计表.xlsx"], [("format.attachment_unmentioned", "统计表.xlsx")]),
        (paragraphs("请填写统计表并报送。"), ["统计表.xlsx"], []),
        ('<p>附件：<a href="/files/P0202205.doc">名单.doc</a></p>', [], []),
        ("落实到位。 附件:名单.doc 扫一扫在手机打开当前页", [], [("format.attachment_missing", "名单.doc")]),
        (
            paragraphs("附件：1.名单 2.统计表"),
            [],
            [("format.attachment_missing", "名单"), ("format.attachment_missing", "统计表")],
        ),
    ],
)
def test_when_body_names_attachments_then_they_must_be_attached_and_attachments_mentioned(
    body: str, attachments: list[str], expected: list[tuple[str, str]]
) -> None:
    findings = check(body, attachments=attachments)
    assert [(f.rule, f.text) for f in findings] == expected
    severities = {f.rule: f.severity for f in findings}
    assert severities.get("format.attachment_missing", Severity.WARN) is Severity.WARN
    assert severities.get("format.attachment_unmentioned", Severity.INFO) is Severity.INFO


def test_when_attachment_names_are_listed_then_spans_point_at_the_names() -> None:
    text = "附件：1.名单\n      2.统计表"
    found = named_attachments(text)
    assert [(a.name, a.number, text[a.start : a.end]) for a in found] == [("名单", 1, "名单"), ("统计表", 2, "统计表")]


# --- seeds ------------------------------------------------------------------------------------

# Every warn the format check gives on the seeds, with the reason it is a real error.
SEED_WARNS = {
    (
        "001",
        "format.doc_number",
        "〔2020〕111 號",
    ): "GB/T 9704 7.2.5: no space between 序号 and 号 (冀政辦字〔2020〕111 號)",
    (
        "004",
        "format.doc_number",
        "[2022]22号",
    ): "GB/T 9704 7.2.5: the year takes 六角括号〔〕, not [] (青政办字[2022]22号)",
    (
        "004",
        "format.attachment_missing",
        "2022年青岛市民政局政务公开工作责任分工.doc",
    ): "the body lists 附件:…分工.doc but the draft carries no file",
}


def _seed_bodies() -> list[tuple[str, str, str]]:
    cases = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        cases.append((path.name[:3], "text", text))
        cases.append((path.name[:3], "paragraphs", paragraphs(*text.split("\n"))))
    return cases


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed documents not present")
@pytest.mark.parametrize(("seed", "form", "body"), _seed_bodies())
def test_when_seed_is_checked_then_only_the_listed_real_errors_are_warned(seed: str, form: str, body: str) -> None:
    checks = registry.create(["disclosure", "format", "link", "link_reachability"])
    report = Engine(Lexicon([]), checks=checks).check(
        Draft(body_html=body, metadata={"disclosure": "主动公开"}), include_async=True, today=TODAY
    )
    assert [f for f in report.findings if f.severity is Severity.BLOCK] == []
    warns = {(seed, f.rule, f.text) for f in report.findings if f.severity is Severity.WARN}
    expected = {key for key in SEED_WARNS if key[0] == seed}
    assert warns == expected

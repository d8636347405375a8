"""``disclosure``: 公开属性, reasons, body markings, 规范性文件 metadata, 解读, dates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from checks import registry
from checks.disclosure import parse_attribute, parse_date
from checks.engine import Engine
from checks.finding import Finding
from checks.lexicon import Lexicon
from checks.policy import Policy
from checks.textmodel import Draft, TextModel

TODAY = date(2024, 6, 1)
ENGINE = Engine(Lexicon([]), checks=registry.create(["disclosure"]))
REASON = "涉及个人隐私，依据《政府信息公开条例》第十五条"
FULL_NORMATIVE = {
    "disclosure": "主动公开",
    "doc_type": "行政规范性文件",
    "doc_number": "青民规〔2024〕1号",
    "written_date": "2024-05-20",
    "publish_date": "2024-05-27",
    "validity": "有效",
    "interpretation_url": "https://mzj.qingdao.gov.cn/jd/2024/1.html",
}


def check(metadata: Any, body: str = "", *, channel: str = "", policy: Policy | None = None) -> list[Finding]:
    draft = Draft(title="通知", body_html=body, channel=channel, metadata=metadata)
    return ENGINE.check(draft, policy, today=TODAY).findings


def summary(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return sorted((f.rule, str(f.severity), f.field) for f in findings)


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({}, [("disclosure.missing", "block", "metadata.disclosure")]),
        ({"disclosure": None}, [("disclosure.missing", "block", "metadata.disclosure")]),
        ({"disclosure": ""}, [("disclosure.missing", "block", "metadata.disclosure")]),
        ({"disclosure": "  "}, [("disclosure.missing", "block", "metadata.disclosure")]),
        (None, [("disclosure.missing", "block", "metadata.disclosure")]),
        ("主动公开", [("disclosure.missing", "block", "metadata.disclosure")]),
        ({"disclosure": 1}, [("disclosure.invalid", "block", "metadata.disclosure")]),
        ({"disclosure": ["主动公开"]}, [("disclosure.invalid", "block", "metadata.disclosure")]),
        ({"disclosure": {"value": "主动公开"}}, [("disclosure.invalid", "block", "metadata.disclosure")]),
        ({"disclosure": True}, [("disclosure.invalid", "block", "metadata.disclosure")]),
        ({"disclosure": "秘密"}, [("disclosure.invalid", "block", "metadata.disclosure")]),
        ({"disclosure": "主动公开"}, []),
        ({"disclosure": " 主动公开 "}, []),
        ({"disclosure": "公开"}, [("disclosure.spelling", "info", "metadata.disclosure")]),
        ({"disclosure": "主動公開"}, [("disclosure.spelling", "info", "metadata.disclosure")]),
        ({"disclosure": "（主动公开）"}, [("disclosure.spelling", "info", "metadata.disclosure")]),
        (
            {"disclosure": "依申请公开", "non_disclosure_reason": REASON},
            [("disclosure.not_public", "block", "metadata.disclosure")],
        ),
        (
            {"disclosure": "依申请公开"},
            [
                ("disclosure.not_public", "block", "metadata.disclosure"),
                ("disclosure.reason_missing", "warn", "metadata.non_disclosure_reason"),
            ],
        ),
        (
            {"disclosure": "不予公开", "non_disclosure_reason": REASON},
            [("disclosure.not_public", "block", "metadata.disclosure")],
        ),
        (
            {"disclosure": "不予公开"},
            [
                ("disclosure.not_public", "block", "metadata.disclosure"),
                ("disclosure.reason_missing", "block", "metadata.non_disclosure_reason"),
            ],
        ),
        (
            {"disclosure": "不予公开", "non_disclosure_reason": 42},
            [
                ("disclosure.not_public", "block", "metadata.disclosure"),
                ("disclosure.reason_missing", "block", "metadata.non_disclosure_reason"),
            ],
        ),
        (
            {"disclosure": "不公开", "non_disclosure_reason": REASON},
            [
                ("disclosure.not_public", "block", "metadata.disclosure"),
                ("disclosure.spelling", "info", "metadata.disclosure"),
            ],
        ),
    ],
)
def test_when_disclosure_attribute_is_given_then_only_active_disclosure_passes(
    metadata: Any, expected: list[tuple[str, str, str]]
) -> None:
    assert summary(check(metadata)) == expected


def test_when_attribute_is_not_public_then_block_names_the_return_rule_and_cannot_be_overridden() -> None:
    [finding] = [f for f in check({"disclosure": "不予公开", "non_disclosure_reason": REASON})]
    assert "退文" in finding.message
    assert finding.overridable is False
    assert finding.text == "不予公开" and (finding.start, finding.end) == (0, 4)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("主动公开", "主动公开"),
        ("公开发布", "主动公开"),
        ("此件公开发布", "主动公开"),
        ("public", "主动公开"),
        ("依申请", "依申请公开"),
        ("依申請公開", "依申请公开"),
        ("不公开", "不予公开"),
        ("免予公开", "不予公开"),
        ("非 公 开", "不予公开"),
        ("ＰＵＢＬＩＣ", "主动公开"),
        ("内部", None),
        (None, None),
        (3, None),
    ],
)
def test_when_cms_spelling_is_parsed_then_it_maps_to_the_canonical_attribute(value: Any, expected: str | None) -> None:
    assert parse_attribute(value) == expected


@pytest.mark.parametrize(
    ("metadata", "body", "expected"),
    [
        ({"disclosure": "主动公开"}, "<p>2024年5月27日</p><p>（此件主动公开）</p>", []),
        ({"disclosure": "主动公开"}, "<p>（此件公开发布）</p>", []),
        ({"disclosure": "主动公开"}, "<p>(此件主动公开)</p>", []),
        (
            {"disclosure": "主动公开"},
            "<p>（此件不予公开）</p>",
            [("disclosure.marking_conflict", "block", "body")],
        ),
        (
            {"disclosure": "主动公开"},
            "<p>（此件依申请公开）</p>",
            [("disclosure.marking_conflict", "block", "body")],
        ),
        (
            {"disclosure": "依申请公开", "non_disclosure_reason": REASON},
            "<p>（此件主动公开）</p>",
            [
                ("disclosure.marking_conflict", "warn", "body"),
                ("disclosure.not_public", "block", "metadata.disclosure"),
            ],
        ),
        (
            {"disclosure": "主动公开"},
            "<p>（此件不予公開）</p>",
            [("disclosure.marking_conflict", "block", "body")],
        ),
        # A quotation of the marking in running text is not a marking.
        (
            {"disclosure": "依申请公开", "non_disclosure_reason": REASON},
            "<p>应标注“此件主动公开”字样</p>",
            [("disclosure.not_public", "block", "metadata.disclosure")],
        ),
        (
            {},
            "<p>（此件主动公开）</p><p>（此件不予公开）</p>",
            [
                ("disclosure.marking_conflict", "warn", "body"),
                ("disclosure.marking_conflict", "warn", "body"),
                ("disclosure.missing", "block", "metadata.disclosure"),
            ],
        ),
    ],
)
def test_when_body_carries_a_disclosure_marking_then_it_must_agree_with_metadata(
    metadata: dict[str, Any], body: str, expected: list[tuple[str, str, str]]
) -> None:
    assert summary(check(metadata, body)) == expected


def test_when_metadata_lacks_the_attribute_then_the_body_marking_is_suggested() -> None:
    [finding] = check({}, "<p>青岛市民政局</p><p>（此件主动公开）</p>")
    assert finding.rule == "disclosure.missing"
    assert finding.suggestion == "主动公开"


def test_when_marking_conflicts_then_offsets_cover_the_marking_in_body_text() -> None:
    body = "<p>青岛市民政局</p><p>（此件不予公開）</p>"
    report = ENGINE.check(Draft(body_html=body, metadata={"disclosure": "主动公开"}), today=TODAY)
    [finding] = report.findings
    assert TextModel(Draft(body_html=body)).body.text[finding.start : finding.end] == "（此件不予公開）"
    assert f'<mark data-finding="{finding.id}">（此件不予公開）</mark>' in report.annotated_html


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"doc_number": None}, [("disclosure.normative_missing", "warn", "metadata.doc_number")]),
        ({"written_date": ""}, [("disclosure.normative_missing", "warn", "metadata.written_date")]),
        ({"publish_date": None}, [("disclosure.normative_missing", "warn", "metadata.publish_date")]),
        ({"validity": None}, [("disclosure.normative_missing", "warn", "metadata.validity")]),
        ({"validity": "现行有效"}, []),
        ({"validity": "已废止"}, []),
        ({"validity": "已修改"}, []),
        ({"validity": "失效"}, []),
        ({"validity": "好"}, [("disclosure.validity_invalid", "warn", "metadata.validity")]),
        ({"validity": 1}, [("disclosure.validity_invalid", "warn", "metadata.validity")]),
        ({"doc_type": "规范性文件"}, []),
        ({"doc_type": "通知", "doc_number": None, "validity": None}, []),
    ],
)
def test_when_document_is_normative_then_number_dates_and_validity_are_required(
    changes: dict[str, Any], expected: list[tuple[str, str, str]]
) -> None:
    assert summary(check({**FULL_NORMATIVE, **changes})) == expected


def test_when_normative_draft_is_in_a_consultation_channel_then_missing_number_is_expected() -> None:
    metadata = {"disclosure": "主动公开", "doc_type": "规范性文件"}
    assert check(metadata, channel="征求意见") == []


@pytest.mark.parametrize(
    ("metadata", "policy", "expected"),
    [
        (
            {"doc_type": "政策文件"},
            None,
            [("disclosure.interpretation_missing", "warn", "metadata.interpretation_url")],
        ),
        (
            {
                "doc_type": "规范性文件",
                "doc_number": "青民规〔2024〕1号",
                "written_date": "2024-05-01",
                "publish_date": "2024-05-02",
                "validity": "有效",
            },
            None,
            [("disclosure.interpretation_missing", "warn", "metadata.interpretation_url")],
        ),
        ({"doc_type": "政策文件", "interpretation_url": "https://www.qingdao.gov.cn/jd/1.html"}, None, []),
        ({"doc_type": "政策文件", "interpretation_url": "/jd/1.html"}, None, []),
        (
            {"doc_type": "政策文件", "interpretation_url": "稍后补充"},
            None,
            [("disclosure.interpretation_invalid", "warn", "metadata.interpretation_url")],
        ),
        (
            {"doc_type": "政策文件", "interpretation_url": 7},
            None,
            [("disclosure.interpretation_invalid", "warn", "metadata.interpretation_url")],
        ),
        ({"doc_type": "批复"}, None, []),
        ({"doc_type": "人事任免"}, None, []),
        ({"doc_type": "政策文件（复函）"}, None, []),
        ({"doc_type": "通知"}, None, []),
        ({"doc_type": 12}, None, []),
        ({"doc_type": "政策文件"}, Policy(interpretation_exempt_types=("政策文件",)), []),
        (
            {"doc_type": "通知"},
            Policy(policy_document_types=("通知",)),
            [("disclosure.interpretation_missing", "warn", "metadata.interpretation_url")],
        ),
    ],
)
def test_when_policy_document_has_no_interpretation_then_warn_unless_exempt(
    metadata: dict[str, Any], policy: Policy | None, expected: list[tuple[str, str, str]]
) -> None:
    assert summary(check({"disclosure": "主动公开", **metadata}, policy=policy)) == expected


@pytest.mark.parametrize(
    ("written", "published", "expected"),
    [
        ("2024-05-01", "2024-05-02", []),
        ("2024-05-01", "2024-05-01", []),
        ("2024年5月1日", "2024/05/03", []),
        ("20240501", "2024-05-01T09:30:00+08:00", []),
        ("2024-05-03", "2024-05-02", [("disclosure.date_order", "warn", "metadata.publish_date")]),
        ("2024-02-30", None, [("disclosure.date_impossible", "warn", "metadata.written_date")]),
        ("2023年2月29日", None, [("disclosure.date_impossible", "warn", "metadata.written_date")]),
        ("2024/13/01", None, [("disclosure.date_impossible", "warn", "metadata.written_date")]),
        ("2024-02-29", None, []),
        ("昨天", None, [("disclosure.date_invalid", "warn", "metadata.written_date")]),
        (20240501, None, [("disclosure.date_invalid", "warn", "metadata.written_date")]),
        (["2024-05-01"], None, [("disclosure.date_invalid", "warn", "metadata.written_date")]),
        ("2024-07-01", None, [("disclosure.date_future", "warn", "metadata.written_date")]),
        (None, "2025-01-01", [("disclosure.date_future", "warn", "metadata.publish_date")]),
        ("2024-06-01", "2024-06-01", []),
    ],
)
def test_when_dates_are_given_then_they_must_exist_be_ordered_and_not_lie_in_the_future(
    written: Any, published: Any, expected: list[tuple[str, str, str]]
) -> None:
    metadata = {"disclosure": "主动公开", "written_date": written, "publish_date": published}
    assert summary(check(metadata)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-05-27", (date(2022, 5, 27), None)),
        ("２０２２年５月２７日", (date(2022, 5, 27), None)),
        ("2022.5.27", (date(2022, 5, 27), None)),
        (date(2022, 5, 27), (date(2022, 5, 27), None)),
        ("2022-02-30", (None, "impossible")),
        ("", (None, "missing")),
        ("27/05/2022", (None, "format")),
        (3.5, (None, "format")),
    ],
)
def test_when_a_date_value_is_parsed_then_format_and_existence_are_told_apart(value: Any, expected: tuple) -> None:
    assert parse_date(value) == expected


def test_when_metadata_is_garbage_then_the_check_reports_and_never_crashes() -> None:
    metadata = {
        "disclosure": object(),
        "non_disclosure_reason": [],
        "doc_type": "规范性文件",
        "doc_number": 5,
        "written_date": {"y": 2024},
        "publish_date": float("nan"),
        "validity": None,
        "interpretation_url": b"http://x",
    }
    findings = check(metadata)
    assert all(f.rule != "engine.error" for f in findings)
    assert "disclosure.invalid" in {f.rule for f in findings}

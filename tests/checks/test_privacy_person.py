"""Names next to identifiers, de-identified names, officials and special categories."""

from __future__ import annotations

import pytest

from checks.finding import Severity
from tests.checks.privacy_support import luhn_complete, make_id, only, rules, run

ID = make_id("370203", "19850312", "042")
CARD = luhn_complete("622202123456789012")


@pytest.mark.parametrize(
    ("text", "masked_name"),
    [
        (f"申请人王秀英，身份证号{ID}。", "王**"),
        (f"王秀英，女，身份证号：{ID}", "王**"),
        (f"王秀英 {ID}", "王**"),
        ("户主：欧阳娜娜，联系电话：13812345678", "欧***"),
        (f"当事人李强，公民身份号码{ID}，住所地市南区宁夏路1号2单元301室。", "李*"),
        ("联系人：赵敏，手机13812345678", "赵*"),
        (f"收件人：刘洋 银行卡号{CARD}", "刘*"),
        ("车主张建军驾驶鲁B12345号小型汽车", "张**"),
        ("13812345678（王秀英）", "王**"),
    ],
)
def test_when_private_name_next_to_identifier_then_one_person_finding(text: str, masked_name: str) -> None:
    report = run(text)
    [person] = only(report, "privacy.person")
    assert person.severity is Severity.BLOCK
    assert person.details["name"] == masked_name
    assert person.details["identifiers"]
    # The identifier is reported inside the person finding, not a second time on its own.
    assert not [f for f in report.findings if f.rule != "privacy.person" and f.severity >= Severity.WARN]


def test_when_name_has_id_phone_and_address_then_all_in_one_finding() -> None:
    text = f"申请人王秀英，身份证号码：{ID}，联系电话：13812345678，家住青岛市市南区香港中路12号3号楼2单元501室。"
    [person] = only(run(text), "privacy.person")
    assert [i["rule"] for i in person.details["identifiers"]] == [
        "privacy.resident_id",
        "privacy.mobile",
        "privacy.address",
    ]
    assert person.text.startswith("王** / 370203")


@pytest.mark.parametrize(
    "text",
    [
        f"申请人张某，身份证号{ID}",
        f"当事人李某某，身份证号{ID}",
        f"王*英 {ID}",
        f"户主：刘××，身份证号码{ID}",
    ],
)
def test_when_name_is_deidentified_then_no_person_finding(text: str) -> None:
    report = run(text)
    assert only(report, "privacy.person") == []
    assert only(report, "privacy.resident_id")  # the ID itself still blocks


@pytest.mark.parametrize(
    "text",
    [
        "局长王某某主持会议。",
        "市民政局局长王伟主持会议并讲话，联系电话0532-85912345。",
        "王伟同志任青岛市民政局副局长。",
        "执法人员：李强、赵刚，执法证号37020012345。",
        "经研究，由张建国主持召开专题会议。",
    ],
)
def test_when_official_in_office_then_no_privacy_finding(text: str) -> None:
    assert rules(run(text), Severity.WARN) == []


def test_when_official_title_before_name_with_mobile_then_mobile_alone() -> None:
    report = run("办公室主任王伟，手机13812345678")
    assert rules(report) == ["privacy.mobile"]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (f"患者王秀英，身份证号{ID}，患有精神分裂症", "health"),
        (f"王小明，男，12岁，身份证号{ID}", "minor"),
        (f"低保对象王秀英，身份证号{ID}，因病致贫", "assistance"),
        (f"刑满释放人员王大力，身份证号{ID}", "criminal"),
    ],
)
def test_when_special_category_with_identifier_then_not_overridable(text: str, category: str) -> None:
    [person] = only(run(text), "privacy.person")
    assert category in person.details["special"]
    assert person.overridable is False
    assert "敏感个人信息" in person.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("患者王秀英，女，45岁，患有尿毒症。", True),
        ("王小明，男，12岁，某小学五年级学生。", True),
        ("低保户主：王秀英，保障人数3人，月保障金1200元。", False),  # a lawful 公示
        ("患者张某，女，45岁，患有尿毒症。", False),
        ("市卫健委主任王伟强调，要做好慢性病患者服务。", False),
    ],
)
def test_when_named_person_with_health_or_minor_facts_then_block(text: str, expected: bool) -> None:
    found = only(run(text), "privacy.person")
    assert bool(found) is expected
    for f in found:
        assert f.severity is Severity.BLOCK and not f.details["identifiers"]


def test_when_gongshi_table_row_has_name_and_id_then_person_finding_per_row() -> None:
    rows = "".join(
        f"<tr><td>{name}</td><td>{make_id('370203', '1970010' + str(i), '01' + str(i))}</td><td>3人</td></tr>"
        for i, name in enumerate(["王秀英", "李建国", "张某"], start=1)
    )
    html = f"<table><tr><td>户主姓名</td><td>身份证号</td><td>保障人数</td></tr>{rows}</table>"
    report = run(html, html=True)
    persons = only(report, "privacy.person")
    assert [p.details["name"] for p in persons] == ["王**", "李**"]
    assert len(only(report, "privacy.resident_id")) == 1  # 张某's row: the ID alone
    for p in persons:
        assert p.details["name_source"] == "table"
        assert "assistance" not in p.details["special"]


def test_when_table_header_is_name_but_ids_are_masked_then_nothing() -> None:
    html = "<table><tr><td>姓名</td><td>身份证号</td></tr><tr><td>王秀英</td><td>370203********0421</td></tr></table>"
    assert rules(run(html, html=True)) == []


@pytest.mark.parametrize(
    "text",
    [
        "李沧区、黄岛区、高新区三地开展联合检查。",
        "学生和家长要提高防骗意识。",
        "严防患者信息泄露。",
        "王伟等3人获评先进个人。",
    ],
)
def test_when_text_has_surname_like_words_but_no_identifier_then_nothing(text: str) -> None:
    assert rules(run(text), Severity.WARN) == []

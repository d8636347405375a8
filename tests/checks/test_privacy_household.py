"""Names without a label: a household head before 家庭人均/家庭成员…, and 获奖者X的电子邮箱."""

from __future__ import annotations

import pytest

from checks import registry
from checks.engine import Engine
from checks.lexicon import Lexicon
from checks.textmodel import Draft


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(Lexicon([]), checks=registry.create(["privacy"]))


def rules(engine: Engine, text: str) -> list[tuple[str, str]]:
    return [(f.rule, f.text) for f in engine.check(Draft(body_html=f"<p>{text}</p>")).findings]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("经核实，王秀英家庭人均收入低于标准，联系电话13912345678。", [("privacy.person", "王** / 139****5678")]),
        ("经核实，王芳家庭成员3人，联系电话13912345678。", [("privacy.person", "王* / 139****5678")]),
        ("经核实，上官芳荣家庭年收入低于标准，联系电话13912345678。", [("privacy.person", "上*** / 139****5678")]),
        ("获奖者钱芳的电子邮箱chen1979@sina.com已收到通知。", [("privacy.person", "钱* / c******9@sina.com")]),
    ],
)
def test_when_household_head_or_possessive_name_is_near_identifier_then_person_finding(engine, text, expected) -> None:
    assert rules(engine, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "经评选，文明家庭成员共120人，报名电话13912345678。",
        "和谐家庭成员代表发言，联系电话13912345678。",
        "全市单亲家庭人均补贴提高，咨询电话13912345678。",
        "获奖者名单的电子版已发布，咨询电话0532-85912345。",
    ],
)
def test_when_words_before_jiating_describe_the_household_then_no_person(engine, text) -> None:
    assert [r for r, _ in rules(engine, text) if r == "privacy.person"] == []

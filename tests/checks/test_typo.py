from __future__ import annotations

import pytest

from checks.lexicon import Leader
from checks.textmodel import Draft

ROWS = [
    ("再接再励", "typo", "成语", "warn", "再接再厉", "成语"),
    ("按装", "typo", "错别字", "warn", "安装", "常见混淆"),
    ("中华人民共合国", "term", "党政表述", "block", "中华人民共和国", "国名"),
    ("的的", "typo", "重复字", "warn", "的", "重复"),
    ("在在", "typo", "重复字", "warn", "在", "重复"),
    ("了了", "typo", "重复字", "warn", "了", "重复"),
    ("的的确确", "allow", "正确用法", "", "", "叠词"),
    ("目的的", "allow", "正确用法", "", "", "目的+的"),
    ("现在在", "allow", "正确用法", "", "", "现在+在"),
    ("不甚了了", "allow", "正确用法", "", "", "成语"),
]
LEADERS = [
    Leader("习近平", ("中共中央总书记", "国家主席", "中央军委主席", "总书记", "主席"), "n"),
    Leader("李强", ("国务院总理", "总理"), "n"),
    Leader("丁薛祥", ("国务院副总理", "副总理"), "n"),
]


def run(engine_for, body: str) -> list[tuple[str, str, str | None]]:
    engine = engine_for(*ROWS, checks=["typo"], leaders=LEADERS)
    report = engine.check(Draft(body_html=body))
    return [(f.rule, f.text, f.suggestion) for f in report.findings]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("希望大家再接再励。", [("typo.confusion", "再接再励", "再接再厉")]),
        ("请按 装软件", [("typo.confusion", "按 装", "安装")]),
        ("中华人民共合国成立", [("typo.term", "中华人民共合国", "中华人民共和国")]),
        ("我们的的工作", [("typo.doubled", "的的", "的")]),
        ("会议在在线平台举行", [("typo.doubled", "在在", "在")]),
    ],
)
def test_when_lexicon_error_is_present_then_it_is_reported(engine_for, body, expected) -> None:
    assert run(engine_for, body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "常常、谢谢、看看、人人、天天、年年、层层",
        "的的确确是这样",
        "为了实现目的的手段",
        "现在在座各位",
        "他对此不甚了了",
        "认认真真、清清楚楚",
    ],
)
def test_when_reduplication_is_legitimate_then_nothing_fires(engine_for, body) -> None:
    assert run(engine_for, body) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("《通知", [("typo.bracket", "《", None)]),
        ("通知》", [("typo.bracket", "》", None)]),
        ("（一)加强", [("typo.bracket", "（", None)]),
        ("“测试‘嵌套”", [("typo.bracket", "‘", None)]),
        ("【标题〕", [("typo.bracket", "【", None)]),
    ],
)
def test_when_brackets_do_not_pair_then_it_is_reported(engine_for, body, expected) -> None:
    assert run(engine_for, body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "《关于印发〈实施方案〉的通知》",
        "（一）加强领导。(二)落实责任。",
        "<p>“第一段引文，</p><p>“第二段引文。”</p>",
        "青政办字〔2022〕22号",
        "don’t stop",
    ],
)
def test_when_brackets_pair_then_nothing_fires(engine_for, body) -> None:
    assert run(engine_for, body) == []


@pytest.mark.parametrize(
    "body",
    [
        "全面推进IPv6规模部署，GDP增长5%，开发APP，建设5G基站，PM2.5浓度下降，CPU国产化",
        "访问 https://www.qingdao.gov.cn/zwgk/index.html 或发送邮件至 zwgk@qd.gov.cn",
        "附件：实施方案.docx",
        "青岛 Qingdao 政务 zhengwu",
        "Qualcomm and Huawei",
        "the government will publish data online",
    ],
)
def test_when_english_is_correct_or_technical_then_nothing_fires(engine_for, body) -> None:
    assert run(engine_for, body) == []


def test_when_english_word_is_misspelt_then_correction_is_suggested(engine_for) -> None:
    assert run(engine_for, "Open Goverment Data 开放平台") == [("typo.english", "Goverment", "Government")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("李强总书记主持会议", [("typo.leader_title", "李强", "国务院总理、总理")]),
        ("丁薛祥总理出席", [("typo.leader_title", "丁薛祥", "国务院副总理、副总理")]),
        ("总书记习进平指出", [("typo.leader_name", "习进平", "习近平")]),
        ("國家主席習近近平強調", [("typo.leader_name", "習近近平", "习近平")]),
    ],
)
def test_when_leader_name_or_title_is_wrong_then_it_blocks(engine_for, body, expected) -> None:
    assert run(engine_for, body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "中共中央总书记、国家主席、中央军委主席习近平",
        "习近平总书记强调",
        "国务院总理李强主持",
        "国务院副总理丁薛祥出席",
        "国务院总理李克强出席",  # a former premier, not a misspelt 李强
        "区长李强调研",  # a local official of the same name
    ],
)
def test_when_leader_is_named_correctly_then_nothing_fires(engine_for, body) -> None:
    assert run(engine_for, body) == []

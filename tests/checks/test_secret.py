"""``secret``: classification, internal and draft marks, credentials, intranet addresses."""

from __future__ import annotations

import pytest

from checks.finding import Severity
from checks.policy import Policy
from checks.textmodel import Draft, TextModel, plain_field
from tests.checks.privacy_support import TODAY, engine, only, rules, run


def secret(body: str = "", **kwargs) -> list[tuple[str, Severity, str]]:
    report = run(body, checks=("secret",), **kwargs)
    return [(f.rule, f.severity, f.text) for f in report.findings]


# --- classification -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("机密★5年", "机密★5年"),
        ("秘密★1年\n关于……的通知", "秘密★1年"),
        ("绝密★启用前", "绝密★启用前"),
        ("秘密☆6个月", "秘密☆6个月"),
        ("机密＊10年", "机密＊10年"),
        ("机密 ★ 长期", "机密 ★ 长期"),
        ("密级：机密", "密级：机密"),
        ("000123\n机密\n特急", "机密"),  # 份号 line, then a bare level on its own line
        ("秘密★２年", "秘密★２年"),
    ],
)
def test_when_classification_mark_then_block(text: str, mark: str) -> None:
    found = [f for f in secret(text) if f[0] == "secret.classification"]
    assert found and found[0][1] is Severity.BLOCK and found[0][2] == mark


@pytest.mark.parametrize(
    "text",
    [
        "坚决防止泄露国家秘密、工作秘密和敏感信息，防范数据汇聚引发泄密风险。",
        "防止危害国家安全或者泄露个人隐私、商业秘密。",
        "严格执行信息公开保密审查制度，涉密信息一律不得上网。",
        "机密文件管理制度培训会召开",  # a title about marks, no mark
        "第一段\n第二段\n第三段\n第四段\n第五段\n第六段\n机密",  # not in the first lines
    ],
)
def test_when_prose_mentions_secrets_then_no_secret_finding(text: str) -> None:
    assert secret(text) == []


def test_when_attachment_like_field_starts_with_mark_then_found() -> None:
    # Attachments become fields of their own; the first lines of any field count.
    draft = Draft(title="通知", body_html="<p>正文</p>")
    model = TextModel(draft)
    model.add(plain_field("attachment:名单.docx", "秘密★1年\n名单"))
    report = engine("secret").check(draft, model=model, today=TODAY)
    assert [(f.field, f.rule) for f in report.findings] == [("attachment:名单.docx", "secret.classification")]


# --- internal marks -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("内部资料 注意保存", Severity.WARN),
        ("【内部资料】\n关于……的情况报告", Severity.WARN),
        ("工作秘密\n关于……", Severity.BLOCK),
        ("（内部使用，不得外传）", Severity.BLOCK),
        ("严禁外传", Severity.BLOCK),
        ("内部明电", Severity.BLOCK),
        ("涉密：某某事项", Severity.BLOCK),
        ("【内部】会议纪要", Severity.WARN),
    ],
)
def test_when_internal_mark_then_finding(text: str, severity: Severity) -> None:
    found = [f for f in secret(text) if f[0] == "secret.internal_mark"]
    assert found
    assert max(f[1] for f in found) is severity


@pytest.mark.parametrize(
    "text",
    [
        "坚决防止泄露国家秘密、工作秘密和敏感信息。",
        "涉密人员保密管理规定",  # a title that starts with 涉密
        "加强内部管理，完善内部控制制度。",
        "各单位要注意保存好原始凭证，不得随意销毁。",
    ],
)
def test_when_internal_words_in_prose_then_nothing(text: str) -> None:
    assert secret(text) == []


# --- draft marks --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("青岛市养老服务条例（征求意见稿）", ""),
        ("关于进一步规范XX工作的实施意见（讨论稿）", ""),
        ("青岛市某某管理办法送审稿", ""),
        ("通知", "征求意见稿\n各区市："),
        ("通知", "青岛市某某管理办法（草案）\n第一条"),
    ],
)
def test_when_draft_mark_then_warn(title: str, body: str) -> None:
    found = [f for f in secret(body, title=title) if f[0] == "secret.draft_mark"]
    assert found and all(f[1] is Severity.WARN for f in found)


@pytest.mark.parametrize(
    ("title", "body", "channel"),
    [
        ("青岛市养老服务条例（征求意见稿）", "", "意见征集"),
        ("关于《青岛市养老服务条例（征求意见稿）》公开征求意见的公告", "", "通知公告"),
        ("通知", "重大行政决策草案广泛征求公众意见，公开征求意见的期限不少于30日。", ""),
        ("通知", "以事项目录超链接方式归集展示决策草案全文、草案说明、决策背景。", ""),
        ("市人大常委会审议《青岛市养老服务条例（草案）》", "", ""),
        ("通知", "第一段\n会议审议了《青岛市养老服务条例（草案）》。", ""),
    ],
)
def test_when_consultation_or_prose_then_no_draft_mark(title: str, body: str, channel: str) -> None:
    assert [f for f in secret(body, title=title, channel=channel) if f[0] == "secret.draft_mark"] == []


# --- credentials --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("系统登录密码：Abc@12345", Severity.BLOCK),
        ("密码为“Qd2024!admin”", Severity.BLOCK),
        ("口令：zwgk#2024", Severity.BLOCK),
        ("password=Sup3rS3cret", Severity.BLOCK),
        ("Password: hunter2024", Severity.BLOCK),
        ("AccessKeyId: LTAI5tGq8xYz1234AbCd", Severity.BLOCK),
        ("AccessKeySecret=8fJ3kLmN0pQrStUvWxYz12AbCdEfGh", Severity.BLOCK),
        ("aws AKIAIOSFODNN7EXAMPLE", Severity.BLOCK),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA", Severity.BLOCK),
        ("-----BEGIN PRIVATE KEY-----", Severity.BLOCK),
        (
            "令牌 eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            Severity.BLOCK,
        ),
        ("token: 9f8e7d6c5b4a39281706f5e4d3c2b1a0", Severity.BLOCK),
        ("初始密码：Qd123456，首次登录后请修改", Severity.WARN),
    ],
)
def test_when_credential_then_finding_with_value_hidden(text: str, severity: Severity) -> None:
    report = run(text, checks=("secret",))
    found = only(report, "secret.credential")
    assert found and found[0].severity is severity
    for f in found:
        assert set(f.text) == {"*"}


@pytest.mark.parametrize(
    "text",
    [
        "初始密码为身份证号后六位。",
        "请妥善保管密码，不要告知他人。",
        "密码：******",
        "token: aaaaaaaaaaaaaaaaaaaa",  # no entropy
        "密钥管理办法",
    ],
)
def test_when_no_real_credential_then_nothing(text: str) -> None:
    assert only(run(text, checks=("secret",)), "secret.credential") == []


# --- intranet -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("内网地址192.168.1.10", Severity.BLOCK),
        ("服务器10.0.12.7。", Severity.BLOCK),
        ("地址172.20.3.4:8080", Severity.BLOCK),
        ("本机127.0.0.1", Severity.WARN),
        ("访问 oa.qdmz.local 登录", Severity.BLOCK),
        ("共享目录\\\\fileserver\\公文\\2024", Severity.BLOCK),
        ("见 file:///C:/公文/通知.docx", Severity.BLOCK),
        ("访问 portal.gov.intra", Severity.BLOCK),
    ],
)
def test_when_intranet_address_then_finding(text: str, severity: Severity) -> None:
    found = only(run(text, checks=("secret",)), "secret.intranet")
    assert found and found[0].severity is severity


@pytest.mark.parametrize(
    "text",
    [
        "官网 www.qingdao.gov.cn",
        "公网地址 8.8.8.8",
        "版本 10.1.2.3",
        "依据第10.1.2.3条",
        "IPv6改造",
        "文件名 report.local.docx",
    ],
)
def test_when_public_address_then_no_intranet_finding(text: str) -> None:
    assert only(run(text, checks=("secret",)), "secret.intranet") == []


def test_when_intranet_suffix_configured_then_used() -> None:
    policy = Policy(intranet_suffixes=(".zwnw",))
    assert only(run("访问 oa.qd.zwnw 系统", checks=("secret",), policy=policy), "secret.intranet")
    assert not only(run("访问 oa.qd.zwnw 系统", checks=("secret",)), "secret.intranet")


def test_when_link_target_is_intranet_then_reported_at_link_text() -> None:
    body = '<p>请点击<a href="http://192.168.10.5/oa">办事系统</a>登录</p>'
    report = run(body, checks=("secret",), html=True)
    [f] = only(report, "secret.intranet")
    assert f.details["in"] == "link"
    assert report.findings and "192.168" not in f.text


def test_when_all_rules_fire_then_rule_ids_are_the_documented_ones() -> None:
    body = "秘密★1年\n内部资料\n征求意见稿\n密码：Abc@12345\n192.168.0.1"
    assert sorted(set(rules(run(body, checks=("secret",))))) == [
        "secret.classification",
        "secret.credential",
        "secret.draft_mark",
        "secret.internal_mark",
        "secret.intranet",
    ]

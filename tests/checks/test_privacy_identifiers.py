"""Table-driven tests, one table per recognizer: valid, invalid checksum, masked, boundaries."""

from __future__ import annotations

import pytest

from checks.finding import Severity
from tests.checks.privacy_support import bad_checksum, luhn_complete, make_id, make_uscc, only, rules, run

ID = make_id()  # 370202199001011233-style, valid
ID_X = "11010519491231002X"
CARD_19 = luhn_complete("622202123456789012")
CARD_16 = luhn_complete("622848001234567")
USCC = "91110000600037341L"


# --- resident ID -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"身份证号：{ID_X}", True),
        ("身份证号：440524188001010014", True),
        ("身份证号：360426199101010071", True),
        (f"身份证号：{ID_X.lower()}", True),  # lower-case x
        (f"身份证{ID}，", True),  # digits glued to CJK text
        (f"身份证号：{ID.translate(str.maketrans('0123456789', '０１２３４５６７８９'))}", True),
        (f"身份证号：{ID[:6]} {ID[6:14]} {ID[14:]}", True),  # 6-8-4 groups
        (f"永居证号：{make_id('937000', '19850601', '001')}", True),  # 2023 permanent residence card
        (f"居住证：{make_id('810000', '19900101', '123')}", True),  # 港澳台居民居住证
        ("老身份证号：370202900101123", True),  # 15 digits, valid YYMMDD
        (f"身份证号：{bad_checksum(ID)}", False),
        (f"身份证号：{bad_checksum(ID_X)}", False),
        (f"身份证号：{make_id('370202', '20990101', '123')}", False),  # born in the future
        (f"身份证号：{make_id('370202', '19900230', '123')}", False),  # 30 February
        ("身份证号：990202199001011234", False),  # 9 + no province
        (f"身份证号：{make_id('190202', '19900101', '123')}", False),  # no province 19
        ("身份证号：370202********123X", False),
        ("身份证号：3702021990****1234", False),
        ("身份证号：370202199001011234567", False),  # inside a longer run
        (f"编号ABC{ID}", False),  # glued to letters: a code
        ("老身份证号：370202901301123", False),  # month 13
    ],
)
def test_when_resident_id_text_then_detected_only_if_valid(text: str, expected: bool) -> None:
    found = only(run(text), "privacy.resident_id")
    assert bool(found) is expected
    for f in found:
        assert f.severity is Severity.BLOCK
        assert "*" in f.text


def test_when_resident_id_found_then_text_is_masked_6_4() -> None:
    [f] = only(run(f"身份证号：{ID_X}"), "privacy.resident_id")
    assert f.text == "110105********002X"
    assert f.end - f.start == 18


def test_when_full_width_digits_then_offsets_point_at_original() -> None:
    wide = ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    report = run(f"身份证号：{wide}。")
    [f] = only(report, "privacy.resident_id")
    assert report.findings and f.start == 5 and f.end == 23


# --- mobile ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("联系电话：13812345678", True),
        ("电话13812345678。", True),
        ("电话：138 1234 5678", True),
        ("电话：138-1234-5678", True),
        ("电话：+86 13812345678", True),
        ("电话：8613812345678", True),
        ("电话：１３８１２３４５６７８", True),
        ("电话：19912345678", True),
        ("电话：13812345678、13987654321", True),
        ("电话：0532-85912345", False),  # office landline
        ("服务热线12345", False),
        ("纳税服务热线12366", False),
        ("客服电话400-123-4567", False),
        ("免费电话800-820-8820", False),
        ("电话：138****5678", False),
        ("电话：12812345678", False),  # no 12x mobiles
        ("电话：15412345678", False),  # 154 unassigned
        ("编号213812345678", False),  # longer digit run
        ("单号A13812345678", False),  # glued to a letter
        ("投资13500000000元", False),  # an amount
    ],
)
def test_when_mobile_text_then_detected_only_if_personal_number(text: str, expected: bool) -> None:
    found = only(run(text), "privacy.mobile")
    assert bool(found) is expected


def test_when_two_mobiles_separated_by_space_then_two_findings() -> None:
    found = only(run("电话：13812345678 13987654321"), "privacy.mobile")
    assert [f.text for f in found] == ["138****5678", "139****4321"]


# --- bank card ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"银行卡号：{CARD_19}", True),
        (f"卡号{CARD_16}", True),
        (f"账户 {CARD_19[:4]} {CARD_19[4:8]} {CARD_19[8:12]} {CARD_19[12:16]} {CARD_19[16:]}", True),
        (f"发放账户{luhn_complete('123456789012345')}", True),  # context word, no known prefix
        (f"编号{luhn_complete('123456789012345')}", False),  # Luhn alone is not enough
        (f"银行卡号：{bad_checksum(CARD_19)}", False),
        ("银行卡号：6222 **** **** 1234", False),
        ("银行卡号：622202******1234", False),
    ],
)
def test_when_card_text_then_detected_with_luhn_and_prefix_or_context(text: str, expected: bool) -> None:
    found = only(run(text), "privacy.bank_card")
    assert bool(found) is expected


def test_when_card_found_then_masked_first6_last4() -> None:
    [f] = only(run(f"银行卡号：{CARD_19}"), "privacy.bank_card")
    assert f.text == CARD_19[:6] + "*" * 9 + CARD_19[-4:]


# --- overlap priority: ID > USCC > card --------------------------------------------------
def _id_that_passes_luhn() -> str:
    for seq in range(100, 999):
        value = make_id("440524", "19800101", str(seq))
        if value[-1] != "X" and luhn_complete(value[:-1]) == value:
            return value
    raise AssertionError("no such ID")


def _digit_uscc_that_passes_luhn() -> str:
    for n in range(10_000, 99_999):
        body = f"12370200{n:05d}0000"[:17]
        value = make_uscc(body)
        if value.isdigit() and luhn_complete(value[:-1]) == value:
            return value
    raise AssertionError("no such USCC")


def test_when_valid_id_also_passes_luhn_then_reported_as_id_not_card() -> None:
    value = _id_that_passes_luhn()
    report = run(f"卡号：{value}")
    assert rules(report) == ["privacy.resident_id"]


def test_when_digit_uscc_passes_luhn_then_no_privacy_finding() -> None:
    value = _digit_uscc_that_passes_luhn()
    assert rules(run(f"统一社会信用代码：{value}")) == []
    assert rules(run(f"代码 {value}")) == []


@pytest.mark.parametrize("text", [f"统一社会信用代码：{USCC}", f"社会信用代码{USCC}，法定代表人：某某"])
def test_when_uscc_then_not_a_privacy_finding(text: str) -> None:
    assert rules(run(text)) == []


def test_when_mistyped_id_passes_luhn_then_not_a_card() -> None:
    for seq in range(100, 999):
        value = bad_checksum(make_id("370202", "19900101", str(seq)))
        if luhn_complete(value[:-1]) == value:
            break
    assert rules(run(f"身份证号码：{value}")) == []


# --- passports and permits ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "rule", "severity"),
    [
        ("护照号码：E12345678", "privacy.passport", Severity.BLOCK),
        ("护照号：EA1234567", "privacy.passport", Severity.BLOCK),
        ("护照号：G12345678", "privacy.passport", Severity.BLOCK),
        ("证件号码 E12345678", "privacy.passport", Severity.BLOCK),
        ("编号E12345678", "privacy.passport", Severity.WARN),
        ("往来港澳通行证：C12345678", "privacy.permit", Severity.BLOCK),
        ("港澳通行证号CA1234567", "privacy.permit", Severity.BLOCK),
        ("回乡证号码：H1234567801", "privacy.permit", Severity.BLOCK),
        ("来往内地通行证 M12345678", "privacy.permit", Severity.BLOCK),
        ("台胞证号码：12345678", "privacy.permit", Severity.BLOCK),
    ],
)
def test_when_passport_or_permit_then_rule_and_severity(text: str, rule: str, severity: Severity) -> None:
    [f] = only(run(text), rule)
    assert f.severity is severity
    assert "*" in f.text


@pytest.mark.parametrize(
    "text",
    ["型号C12345678", "案号H12345678", "护照号：EI1234567", "护照号：E1234567", "护照号：E1234567890", "编号12345678"],
)
def test_when_shape_without_label_or_wrong_then_no_document_finding(text: str) -> None:
    assert [r for r in rules(run(text)) if r in ("privacy.passport", "privacy.permit")] == []


# --- plates ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("车牌号鲁B12345", True),
        ("车辆鲁B·12345违停", True),
        ("新能源车粤BD12345", True),
        ("大型新能源车京A12345D", True),
        ("车牌号鲁B1234挂", True),
        ("车牌号鲁BABCDE", False),  # a serial needs digits
        ("车牌号鲁B12345警", False),  # police vehicle
        ("车牌号鲁B123456789", False),  # longer run
        ("鲁B****5", False),
    ],
)
def test_when_plate_then_warn_alone(text: str, expected: bool) -> None:
    found = only(run(text), "privacy.plate")
    assert bool(found) is expected
    for f in found:
        assert f.severity is Severity.WARN


# --- e-mail ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("个人邮箱zhangsan1990@163.com", Severity.WARN),
        ("邮箱：12345678@qq.com。", Severity.WARN),
        ("投诉邮箱：xxzf2020@163.com", Severity.INFO),  # an office's published channel
        ("联系邮箱：hr@haier.com", Severity.INFO),  # a company
        ("邮箱ｚｈａｎｇ＠１２６．ｃｏｍ", Severity.WARN),  # full width
    ],
)
def test_when_email_then_severity_by_domain(text: str, severity: Severity) -> None:
    [f] = only(run(text), "privacy.email")
    assert f.severity is severity
    assert "@" in f.text and "*" in f.text


@pytest.mark.parametrize(
    "text",
    ["政务公开邮箱：zwgk@qd.gov.cn", "邮箱 office@example.org", "联系 info@pku.edu.cn", "a@b", "@@@@", "x@163"],
)
def test_when_institutional_or_malformed_email_then_no_finding(text: str) -> None:
    assert only(run(text), "privacy.email") == []


# --- addresses ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("家住青岛市市南区香港中路12号3号楼2单元501室", True),
        ("现住址：李沧区九水路8号5栋1202户", True),
        ("住址：崂山区王哥庄街道港东村3组12号", True),
        ("该病例居住在城阳区正阳路100号2单元301室", True),
        ("小区地址：市北区辽宁路18号12号楼1单元", True),
        ("办公地址：青岛市市南区香港中路11号", False),
        ("地址：市南区东海西路15号市民政局3楼301室", False),  # an agency's office
        ("受理地点：市北区敦化路118号政务服务大厅2单元窗口", False),
        ("青岛市市南区香港中路12号", False),  # a street address alone
    ],
)
def test_when_address_then_home_addresses_only(text: str, expected: bool) -> None:
    found = only(run(text), "privacy.address")
    assert bool(found) is expected
    for f in found:
        assert f.severity is Severity.WARN
        assert "*" in f.text

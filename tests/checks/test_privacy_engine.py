"""The privacy and secret checks through the engine: masking, no leaks, linear time, seeds."""

from __future__ import annotations

import html
import json
import random
from pathlib import Path

import pytest

from checks import registry
from checks.finding import Severity
from checks.policy import MaskRule, Policy
from checks.privacy import RECOGNIZERS, mask, resolve_overlaps
from checks.privacy.base import Match
from tests.checks.privacy_support import luhn_complete, make_id, only, rules, run

SEEDS = sorted((Path(__file__).resolve().parents[3] / "shared" / "seeds").glob("*.txt"))


def test_when_registry_loaded_then_privacy_secret_and_ner_checks_exist() -> None:
    names = registry.check_names()
    assert {"privacy", "secret", "privacy_ner"} <= set(names)
    assert set(RECOGNIZERS) == {
        "resident_id",
        "uscc",
        "passport",
        "bank_card",
        "mobile",
        "plate",
        "email",
        "address",
    }


def _identifier_document(rng: random.Random) -> tuple[str, list[str]]:
    values: list[str] = []
    lines = []
    for i in range(40):
        rid = make_id(
            f"3702{rng.randint(10, 99)}",
            f"19{rng.randint(50, 99)}0{rng.randint(1, 9)}1{rng.randint(0, 9)}",
            f"{rng.randint(100, 999)}",
        )
        mobile = f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
        card = luhn_complete(f"6222{rng.randint(10**13, 10**14 - 1)}")
        mail = f"user{rng.randint(10**6, 10**7)}@163.com"
        values += [rid, mobile, card, mail]
        lines.append(
            f"<tr><td>王秀{'英兰芳'[i % 3]}</td><td>{rid}</td><td>{mobile}</td><td>{card}</td><td>{mail}</td></tr>"
        )
        lines.append(f"<p>申请人李建国，身份证号{rid}，电话{mobile}，卡号{card}，邮箱{mail}</p>")
    body = "<table><tr><td>姓名</td><td>身份证号</td><td>电话</td><td>卡号</td><td>邮箱</td></tr>"
    return body + "".join(lines[::2]) + "</table>" + "".join(lines[1::2]), values


def test_when_document_full_of_identifiers_then_no_full_value_in_any_finding() -> None:
    body, values = _identifier_document(random.Random(7))
    report = run(body, html=True, checks=("privacy", "secret"))
    assert len(report.findings) >= 80
    dumped = json.dumps([f.to_dict() for f in report.findings], ensure_ascii=False)
    dumped += json.dumps(report.to_dict()["findings"], ensure_ascii=False)
    for value in values:
        assert value not in dumped
        assert value[:-1] not in dumped  # not even the body without the check digit


def test_when_site_mask_rule_would_show_everything_then_default_mask_applies() -> None:
    policy = Policy(masks={"resident_id": MaskRule(16, 0), "mobile": MaskRule(10, 0)})
    rid = make_id()
    report = run(f"身份证号{rid}，电话13812345678", policy=policy)
    texts = [f.text for f in report.findings]
    assert rid not in "".join(texts) and "13812345678" not in "".join(texts)
    assert mask(policy, "resident_id", rid) == rid[:6] + "*" * 8 + rid[-4:]


def test_when_site_mask_rule_set_then_used() -> None:
    policy = Policy(masks={"resident_id": MaskRule(3, 1, "#")})
    [f] = only(run(f"身份证号{make_id()}", policy=policy), "privacy.resident_id")
    assert f.text.startswith("370###") and f.text.count("#") == 14


def test_when_severity_override_then_policy_applies_to_privacy_rules() -> None:
    policy = Policy(severity_overrides={"privacy.plate": "block", "privacy.mobile": "off"})
    report = run("车牌鲁B12345，电话13812345678", policy=policy)
    assert [(f.rule, f.severity) for f in report.findings] == [("privacy.plate", Severity.BLOCK)]


def test_when_overlaps_then_priority_then_length_wins() -> None:
    def m(rule: str, start: int, end: int, priority: int) -> Match:
        return Match("x", rule, start, end, "v", Severity.BLOCK, priority, "default", "x")

    kept = resolve_overlaps([m("card", 0, 19, 70), m("id", 0, 18, 100), m("mobile", 20, 31, 60), m("b", 25, 40, 50)])
    assert [k.rule for k in kept] == ["id", "mobile"]


@pytest.mark.parametrize(
    "adversarial",
    [
        "1" * 200_000,
        "1 " * 100_000,
        "1-" * 100_000,
        "13812345678" * 18_000,
        ("1" * 17 + "X") * 11_000,
        "a@" * 100_000,
        "a." * 100_000 + "@",
        "a" * 100_000 + "@" + "b." * 50_000,
        "鲁B1" * 66_000,
        "住址：" * 66_000,
        "3号楼2单元" * 40_000,
        "申请人" * 66_000,
        "王秀英，" * 50_000,
        "密码：" * 66_000,
        "192.168." * 25_000,
        "\\\\a" * 66_000,
        "秘密★" * 66_000,
        "内部资料 " * 40_000,
        "\t".join(["王秀英", "1"]) * 40_000,
    ],
)
def test_when_adversarial_200k_input_then_completes(adversarial: str) -> None:
    text = adversarial[:200_000]
    report = run(text, checks=("privacy", "secret"))
    assert "engine.error" not in rules(report)
    # Capped per rule, and every span inside the text.
    assert len(report.findings) <= 200 * 15
    assert all(0 <= f.start <= f.end <= len(text) for f in report.findings)


@pytest.mark.skipif(not SEEDS, reason="shared/seeds not present")
@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_when_seed_document_then_zero_warn_or_block_findings(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])
    report = run(body, title=lines[0], html=True, checks=("privacy", "secret"))
    assert rules(report, Severity.WARN) == []


# --- NER configuration (no HanLP needed) --------------------------------------------------
@pytest.mark.parametrize(
    "value",
    ["https://file.hankcs.com/hanlp/ner/msra_ner_bert_base.zip", "MSRA_NER_BERT_BASE_ZH", "/nonexistent/model"],
)
def test_when_model_setting_is_not_a_local_directory_then_model_load_error(value: str) -> None:
    from checks.exceptions import ModelLoadError
    from checks.privacy.ner import load_model, model_directory

    with pytest.raises(ModelLoadError):
        model_directory(value)
    with pytest.raises(ModelLoadError):
        load_model(value)


def test_when_directory_has_no_config_then_model_load_error(tmp_path: Path) -> None:
    from checks.exceptions import ModelLoadError
    from checks.privacy.ner import model_directory

    with pytest.raises(ModelLoadError, match=r"config\.json"):
        model_directory(str(tmp_path))
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    assert model_directory(str(tmp_path)) == tmp_path.resolve()


def test_when_no_model_configured_then_ner_check_not_wanted_and_not_pending(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SANSHEN_HANLP_MODEL", raising=False)
    report = run("申请人王秀英，电话13812345678", checks=("privacy", "privacy_ner"))
    assert report.pending_checks == []


def test_when_model_configured_then_ner_check_pending_on_sync_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANSHEN_HANLP_MODEL", "/somewhere")
    report = run("申请人王秀英，电话13812345678", checks=("privacy", "privacy_ner"))
    assert report.pending_checks == ["privacy_ner"]


class _FakeModel:
    """Stands in for a HanLP component: tags every 3-character run after '，' as PER."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def predict(self, batch: list[list[str]]) -> list[list[tuple[str, str, int, int]]]:
        self.calls.extend(batch)
        out = []
        for chars in batch:
            text = "".join(chars)
            entities = []
            for i, ch in enumerate(text):
                if ch == "，" and i + 4 <= len(text):
                    entities.append((text[i + 1 : i + 4], "PER", i + 1, i + 4))
            out.append(entities)
        return out


def test_when_ner_finds_names_then_offsets_map_back_and_officials_and_deidentified_dropped() -> None:
    from checks.privacy.ner import ner_names

    text = "第一行\n经核实，侯霖辉家庭困难，电话13812345678。\n局长，王某某主持会议。"
    model = _FakeModel()
    regions = [(4, text.index("\n", 4))]
    names = ner_names(model, text, regions)
    assert [text[n.start : n.end] for n in names] == ["侯霖辉"]  # 电话138… is not CJK-only
    assert all(n.source == "ner" for n in names)
    assert all("局长" not in "".join(c) for c in model.calls)  # only the lines asked for

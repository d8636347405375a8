from __future__ import annotations

from collections.abc import Iterator

import pytest

from checks.base import Check, CheckContext
from checks.engine import Engine
from checks.finding import Finding, Severity, Verdict
from checks.policy import MaskRule, Policy
from checks.textmodel import Draft
from tests.checks.conftest import make_lexicon


def finding(severity: Severity, rule: str = "x.y", check: str = "x", category: str | None = None) -> Finding:
    return Finding(check, rule, severity, "body", 0, 1, "甲", "m", category=category)


@pytest.mark.parametrize(
    ("severities", "verdict"),
    [
        ([], Verdict.PASS),
        ([Severity.INFO], Verdict.PASS),
        ([Severity.INFO, Severity.WARN], Verdict.ANNOTATE),
        ([Severity.WARN, Severity.BLOCK, Severity.INFO], Verdict.BLOCK),
    ],
)
def test_when_findings_have_severities_then_verdict_is_the_worst(severities, verdict) -> None:
    assert Policy.verdict([finding(s) for s in severities]) is verdict


def test_when_site_overrides_severity_then_rule_beats_category_beats_check() -> None:
    policy = Policy.from_dict({"severity_overrides": {"typo.english": "off", "category:成语": "block", "typo": "info"}})
    result = policy.apply(
        [
            finding(Severity.WARN, "typo.english", "typo"),
            finding(Severity.WARN, "typo.confusion", "typo", "成语"),
            finding(Severity.WARN, "typo.bracket", "typo"),
        ]
    )
    assert [(f.rule, str(f.severity)) for f in result] == [("typo.confusion", "block"), ("typo.bracket", "info")]


def test_when_policy_has_unknown_keys_then_it_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown policy keys: colour"):
        Policy.from_dict({"colour": "red"})


def test_when_policy_round_trips_then_it_is_equal() -> None:
    policy = Policy.from_dict({"review_all": True, "masks": {"mobile": {"keep_prefix": 0, "keep_suffix": 4}}})
    assert Policy.from_dict(policy.to_dict()) == policy


@pytest.mark.parametrize(
    ("rule", "value", "masked"),
    [
        (MaskRule(6, 4), "37020219900101123X", "370202********123X"),
        (MaskRule(3, 4), "13912345678", "139****5678"),
        (MaskRule(3, 4), "123", "***"),
    ],
)
def test_when_value_is_masked_then_only_prefix_and_suffix_remain(rule, value, masked) -> None:
    assert rule.apply(value) == masked


class ExplodingCheck(Check):
    name = "exploding"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        raise RuntimeError(f"boom: {ctx.model.body.text}")


def test_when_a_check_crashes_then_the_draft_is_annotated_not_passed(caplog) -> None:
    engine = Engine(make_lexicon(), checks=[ExplodingCheck()])
    report = engine.check(Draft(body_html="<p>身份证号370202199001011234</p>"))
    assert report.verdict is Verdict.ANNOTATE
    assert [(f.rule, f.check, f.overridable) for f in report.findings] == [("engine.error", "exploding", False)]
    assert "370202199001011234" not in caplog.text
    assert "RuntimeError" in caplog.text


def test_when_engine_error_is_overridden_to_off_then_it_still_stays() -> None:
    policy = Policy.from_dict({"severity_overrides": {"exploding": "off", "engine.error": "off"}})
    report = Engine(make_lexicon(), checks=[ExplodingCheck()]).check(Draft(), policy)
    assert report.verdict is Verdict.ANNOTATE

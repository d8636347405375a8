"""Helpers shared by the privacy and secret tests: valid identifiers and a one-call runner."""

from __future__ import annotations

from datetime import date

from checks import registry
from checks.engine import Engine, Report
from checks.finding import Finding
from checks.lexicon import Lexicon
from checks.policy import Policy
from checks.privacy.resident_id import check_character
from checks.privacy.uscc import check_character as uscc_check
from checks.textmodel import Draft

TODAY = date(2024, 6, 1)

_ENGINES: dict[tuple[str, ...], Engine] = {}


def engine(*names: str) -> Engine:
    key = names or ("privacy", "secret")
    if key not in _ENGINES:
        _ENGINES[key] = Engine(Lexicon([]), checks=registry.create(list(key)))
    return _ENGINES[key]


def run(
    body: str = "",
    *,
    title: str = "",
    checks: tuple[str, ...] = ("privacy",),
    channel: str = "",
    policy: Policy | None = None,
    html: bool = False,
) -> Report:
    """Check ``body`` (plain text unless ``html``; lines become paragraphs)."""
    if not html:
        body = "".join(f"<p>{_escape(line)}</p>" for line in body.split("\n"))
    return engine(*checks).check(Draft(title=title, body_html=body, channel=channel), policy, today=TODAY)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def rules(report: Report, minimum: int = 0) -> list[str]:
    return [f.rule for f in report.findings if f.severity >= minimum]


def only(report: Report, rule: str) -> list[Finding]:
    return [f for f in report.findings if f.rule == rule]


def make_id(prefix6: str = "370202", birth: str = "19900101", seq: str = "123") -> str:
    body = prefix6 + birth + seq
    return body + check_character(body)


def bad_checksum(value: str) -> str:
    last = value[-1]
    replacement = "0" if last != "0" else "1"
    return value[:-1] + replacement


def luhn_complete(partial: str) -> str:
    """``partial`` plus the Luhn check digit."""
    for d in "0123456789":
        candidate = partial + d
        total = 0
        for i, ch in enumerate(reversed(candidate)):
            n = int(ch)
            if i % 2 == 1:
                n = n * 2 - 9 if n > 4 else n * 2
            total += n
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def make_uscc(body17: str) -> str:
    return body17 + uscc_check(body17)

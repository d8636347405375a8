"""``privacy``: personal identifiers in a draft, and the people they belong to.

One recognizer per identifier behind a common base (``checks.privacy.base``), listed in
``RECOGNIZERS``. For each field: fold full-width characters (offsets unchanged), run every
recognizer, settle overlaps by priority (resident ID > USCC > passport/permit > bank card >
mobile > plate > e-mail > address; a longer span wins a tie), then link identifiers to the
private person next to them (``checks.privacy.person``).

Severities by default (a site's policy can override any rule):

============================  =========================================================
rule                          severity
============================  =========================================================
privacy.resident_id           block — an ID number on a government site is an incident
privacy.mobile                block
privacy.bank_card             block
privacy.passport              block after a label (护照, 证件号 …), warn as a bare shape
privacy.permit                block (only reported after a label)
privacy.plate                 warn alone
privacy.email                 warn for personal mail providers, info for other domains,
                              nothing for gov.cn / .org / .edu
privacy.address               warn alone (a home address down to unit or room)
privacy.person                block: a private name with any of the above; not
                              overridable when special categories (health, minors,
                              social assistance, criminal records) are in the same row
                              or sentence; block for a named person with health, minor
                              or criminal details even without an identifier
============================  =========================================================

Every finding's ``text`` is masked with the site's mask rules; messages and details never
contain the identifier, and the full value never leaves this package.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from datetime import date

from checks import defaults
from checks.base import Check, CheckContext
from checks.finding import Finding, Severity
from checks.policy import DEFAULT_MASKS, Policy
from checks.privacy.address import AddressRecognizer
from checks.privacy.bank_card import BankCardRecognizer
from checks.privacy.base import Match, Recognizer
from checks.privacy.email import EmailRecognizer, mask_email
from checks.privacy.mobile import MobileRecognizer
from checks.privacy.passport import PassportRecognizer
from checks.privacy.person import (
    SPECIAL_CATEGORIES,
    NameSpan,
    Person,
    find_names,
    link,
    special_categories,
    special_only,
)
from checks.privacy.plate import PlateRecognizer
from checks.privacy.resident_id import ResidentIdRecognizer
from checks.privacy.text import FieldText
from checks.privacy.uscc import UsccRecognizer
from checks.registry import register
from checks.textmodel import TextField

CHECK_NAME = "privacy"

# (field, lines of interest) → extra names, e.g. from an NER model.
NameFinder = Callable[[FieldText, list[tuple[int, int]]], list[NameSpan]]

# name → factory(today, policy). Factories, because some recognizers read the draft's date
# or the site's policy; they are cheap to build per draft.
RECOGNIZERS: dict[str, object] = {
    "resident_id": lambda today, policy: ResidentIdRecognizer(today),
    "uscc": lambda today, policy: UsccRecognizer(),
    "passport": lambda today, policy: PassportRecognizer(),
    "bank_card": lambda today, policy: BankCardRecognizer(today),
    "mobile": lambda today, policy: MobileRecognizer(),
    "plate": lambda today, policy: PlateRecognizer(),
    "email": lambda today, policy: EmailRecognizer(defaults.INSTITUTIONAL_MAIL_SUFFIXES),
    "address": lambda today, policy: AddressRecognizer(),
}

_MESSAGES = {
    "privacy.resident_id": "未脱敏的{label}",
    "privacy.mobile": "未脱敏的手机号码",
    "privacy.bank_card": "未脱敏的银行卡号",
    "privacy.passport": "未脱敏的{label}",
    "privacy.permit": "未脱敏的{label}",
    "privacy.plate": "车牌号码，涉及个人时应脱敏",
    "privacy.address": "详细到门牌、单元或房间的住址，涉及个人时应脱敏",
}
_SUGGESTIONS = {
    "privacy.resident_id": "隐去出生日期等中间位，如{masked}",
    "privacy.mobile": "隐去中间四位，如{masked}",
    "privacy.bank_card": "只保留前六位和后四位，如{masked}",
}


def create_recognizers(today: date, policy: Policy, names: Iterable[str] | None = None) -> list[Recognizer]:
    chosen = RECOGNIZERS if names is None else {n: RECOGNIZERS[n] for n in names}
    return [factory(today, policy) for factory in chosen.values()]  # type: ignore[operator]


def mask(policy: Policy, kind: str, value: str) -> str:
    """The value as a reviewer may see it; never the whole value, whatever the site set."""
    if kind == "email":
        return mask_email(value, lambda local: mask(policy, "email_local", local))
    rule_kind = "email" if kind == "email_local" else kind
    masked = policy.mask(rule_kind, value)
    hidden = sum(1 for a, b in zip(masked, value, strict=False) if a != b)
    if hidden * 3 < len(value) or len(masked) != len(value):
        # A site rule that shows (nearly) everything would leak the identifier.
        masked = DEFAULT_MASKS.get(rule_kind, DEFAULT_MASKS["default"]).apply(value)
    return masked


def resolve_overlaps(matches: Iterable[Match]) -> list[Match]:
    """Keep the best of overlapping matches: higher priority, then the longer span."""
    ordered = sorted(matches, key=lambda m: (-m.priority, -(m.end - m.start), m.start))
    kept_starts: list[int] = []
    kept: list[Match] = []
    for m in ordered:
        i = bisect.bisect_left(kept_starts, m.start)
        if i > 0 and kept[i - 1].end > m.start:
            continue
        if i < len(kept) and kept[i].start < m.end:
            continue
        kept_starts.insert(i, m.start)
        kept.insert(i, m)
    return kept


def scan(doc: FieldText, recognizers: Iterable[Recognizer]) -> list[Match]:
    """All reportable identifiers of a field after overlap resolution."""
    found: list[Match] = []
    for recognizer in recognizers:
        found.extend(recognizer.find(doc))
    return [m for m in resolve_overlaps(found) if m.report]


def regions_of_interest(doc: FieldText, matches: list[Match]) -> list[tuple[int, int]]:
    """Lines worth searching for names: those with an identifier or a special-category word."""
    spans: set[tuple[int, int]] = set()
    for m in matches:
        if m.personal:
            spans.add(doc.table.line_span(m.start))
    for key, (pattern, _) in SPECIAL_CATEGORIES.items():
        for hit in pattern.finditer(doc.text):
            span = doc.table.line_span(hit.start())
            if span in spans:
                continue
            if key == "minor" and not special_categories(doc.text[max(0, hit.start() - 4) : hit.end()]):
                continue  # a 岁 after an adult age
            spans.add(span)
    return sorted(spans)


def analyse(
    fld: TextField,
    policy: Policy,
    today: date,
    *,
    check: str = CHECK_NAME,
    name_finder: NameFinder | None = None,
) -> list[Finding]:
    """Findings for one field.

    Without ``name_finder`` this is the synchronous rule-based check. With one (the NER
    model), only people that it finds and the rules missed are reported: the identifiers
    themselves were already reported by the synchronous check.
    """
    doc = FieldText(fld.text)
    matches = scan(doc, create_recognizers(today, policy))
    regions = regions_of_interest(doc, matches)
    if not regions:
        return [] if name_finder else cap_findings([_identifier_finding(fld, m, policy, check) for m in matches])
    names = find_names(doc, regions)
    if name_finder is not None:
        extra = [n for n in name_finder(doc, regions) if not any(_overlap(n, r) for r in names)]
        if not extra:
            return []
        wanted = {(n.start, n.end) for n in extra}
        names = sorted(names + extra, key=lambda n: n.start)
        people, _ = link(doc, matches, names)
        people += special_only(doc, names, people)
        return [_person_finding(fld, p, policy, check) for p in people if (p.name.start, p.name.end) in wanted]
    people, rest = link(doc, matches, names)
    people += special_only(doc, names, people)
    findings = [_identifier_finding(fld, m, policy, check) for m in rest]
    findings += [_person_finding(fld, p, policy, check) for p in people]
    return cap_findings(findings)


def cap_findings(findings: list[Finding], limit: int = defaults.MAX_FINDINGS_PER_RULE) -> list[Finding]:
    """At most ``limit`` findings per rule and field: a list of 10,000 IDs is blocked by the
    first of them, and reviewers (and the annotated HTML) need no more than a page of them."""
    counts: dict[str, int] = {}
    kept = []
    for f in sorted(findings, key=lambda f: f.start):
        counts[f.rule] = counts.get(f.rule, 0) + 1
        if counts[f.rule] <= limit:
            kept.append(f)
    return kept


def _overlap(a: NameSpan, b: NameSpan) -> bool:
    return a.start < b.end and b.start < a.end


def _identifier_finding(fld: TextField, m: Match, policy: Policy, check: str) -> Finding:
    masked = mask(policy, m.mask_kind, m.value)
    if m.rule == "privacy.email":
        message = "个人邮箱地址，涉及个人时应隐去" if m.severity >= Severity.WARN else "邮箱地址"
    else:
        message = _MESSAGES.get(m.rule, "个人信息").format(label=m.label)
    suggestion = _SUGGESTIONS.get(m.rule)
    return Finding(
        check=check,
        rule=m.rule,
        severity=m.severity,
        field=fld.name,
        start=m.start,
        end=m.end,
        text=masked,
        message=message,
        suggestion=suggestion.format(masked=masked) if suggestion else None,
        category="个人信息",
        details={"label": m.label, **m.facts},
    )


def _person_finding(fld: TextField, person: Person, policy: Policy, check: str) -> Finding:
    name_text = fld.text[person.name.start : person.name.end]
    masked_name = mask(policy, "name", name_text)
    identifiers = [
        {
            "rule": m.rule,
            "label": m.label,
            "start": m.start,
            "end": m.end,
            "text": mask(policy, m.mask_kind, m.value),
        }
        for m in person.matches
    ]
    special_labels = [SPECIAL_CATEGORIES[s][1] for s in person.special]
    if person.matches:
        labels = "、".join(dict.fromkeys(m.label for m in person.matches))
        message = f"姓名与{labels}同时公开，可识别特定个人"
    else:
        message = "公开了可识别个人的姓名"
    # Special categories with an identifier, or health/minor/criminal facts next to a name,
    # are sensitive personal information: a reviewer may not wave them through.
    strict = bool(person.special)
    if person.special:
        message += f"，且涉及敏感个人信息（{'、'.join(special_labels)}）"
    start = min([person.name.start, *(m.start for m in person.matches)])
    end = max([person.name.end, *(m.end for m in person.matches)])
    text = " / ".join([masked_name, *(i["text"] for i in identifiers)])
    return Finding(
        check=check,
        rule="privacy.person",
        severity=Severity.BLOCK,
        field=fld.name,
        start=start,
        end=end,
        text=text,
        message=message,
        suggestion="姓名可隐名为“某”，证件号码、电话、住址等应删除或脱敏",
        overridable=not strict,
        category="敏感个人信息" if person.special else "个人信息",
        details={
            "name": masked_name,
            "name_start": person.name.start,
            "name_end": person.name.end,
            "name_source": person.name.source,
            "identifiers": identifiers,
            "special": person.special,
        },
    )


@register
class PrivacyCheck(Check):
    name = CHECK_NAME

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for fld in ctx.fields():
            if fld.text:
                yield from analyse(fld, ctx.policy, ctx.today)


# The NER-based check registers itself; importing it does not import HanLP.
from checks.privacy import ner as _ner  # noqa: E402, F401

__all__ = [
    "RECOGNIZERS",
    "Match",
    "PrivacyCheck",
    "Recognizer",
    "analyse",
    "create_recognizers",
    "mask",
    "resolve_overlaps",
    "scan",
]

"""What every attachment reader shares: field building, findings, document properties."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from checks.attachments.limits import Budget
from checks.echo import echo
from checks.finding import Finding, Severity
from checks.policy import DEFAULT_MASKS
from checks.textmodel import TextField

CHECK = "attachments"
# At most this many hidden-text / tracked-change findings per attachment: the first ones
# show the reviewer what to look for; the rest only repeat it.
MAX_SPAN_FINDINGS = 20


class FieldBuilder:
    """Accumulates one field's text with its segments, within the attachment's budget."""

    def __init__(self, name: str, budget: Budget) -> None:
        self.name = name
        self.budget = budget
        self.parts: list[str] = []
        self.length = 0
        self.segments: list[tuple[int, str]] = []

    def segment(self, label: str) -> None:
        if self.segments and self.segments[-1][0] == self.length:
            self.segments[-1] = (self.length, label)  # an empty segment gives way
        else:
            self.segments.append((self.length, label))

    def add(self, text: str) -> tuple[int, int]:
        """Append text; the span it occupies (shorter when the budget ran out)."""
        if not text or self.budget.exhausted:
            return self.length, self.length
        kept = self.budget.take(text)
        start = self.length
        self.parts.append(kept)
        self.length += len(kept)
        return start, self.length

    def replace_last(self, old: str, new: str) -> None:
        """Turn a trailing separator into another (paragraph end → cell end), same length."""
        for i in range(len(self.parts) - 1, -1, -1):
            if self.parts[i]:
                if self.parts[i][-1] == old:
                    self.parts[i] = self.parts[i][:-1] + new
                return

    def build(self) -> TextField | None:
        text = "".join(self.parts).rstrip("\n\t")
        if not text.strip():
            return None
        segments = [(offset, label) for offset, label in self.segments if offset < len(text)]
        return TextField(name=self.name, text=text, segments=segments)


@dataclass(slots=True)
class Extraction:
    fields: list[TextField] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def file_finding(
    label: str,
    rule: str,
    severity: Severity,
    message: str,
    *,
    text: str = "",
    field_suffix: str = "",
    start: int = 0,
    end: int = 0,
    details: dict[str, Any] | None = None,
) -> Finding:
    return Finding(
        check=CHECK,
        rule=rule,
        severity=severity,
        field=f"attachment:{label}{field_suffix}",
        start=start,
        end=end,
        text=echo(text),
        message=message,
        details={"attachment": label, **(details or {})},
    )


def span_finding(field_name: str, rule: str, message: str, start: int, end: int, text: str, label: str) -> Finding:
    return Finding(
        check=CHECK,
        rule=rule,
        severity=Severity.WARN,
        field=field_name,
        start=start,
        end=end,
        text=echo(text, 50),
        message=message,
        details={"attachment": label},
    )


# --- document properties ---------------------------------------------------------------------

_PHONE = re.compile(r"(?<![0-9])(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})(?![0-9])")
_CHINESE_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,4}·[\u4e00-\u9fff]{1,6}")
_LATIN_NAME = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}")
# Words that make a value an organisation, not a person.
_ORGANISATION = re.compile(
    r"局|委|办|厅|部|处|科|室|中心|政府|公司|集团|学校|医院|协会|大学|站|所|院|队|会|组|用户|作者|管理员"
)
_GENERIC = frozenset(
    {"administrator", "admin", "user", "owner", "unknown", "microsoft office user", "windows user",
     "lenovo", "dell", "acer", "asus", "sony", "default", "guest"}
)  # fmt: skip


def personal_value(value: str) -> str | None:
    """ "phone" or "name" when a property value looks like a person's, else None."""
    value = value.strip()
    if not value or value.lower() in _GENERIC:
        return None
    if _PHONE.search(value):
        return "phone"
    if _ORGANISATION.search(value):
        return None
    if _CHINESE_NAME.fullmatch(value) or _LATIN_NAME.fullmatch(value):
        return "name"
    return None


def mask_value(value: str, kind: str) -> str:
    if kind == "phone":
        return _PHONE.sub(lambda m: DEFAULT_MASKS["mobile"].apply(m.group()), value.strip())
    value = value.strip()
    return value[0] + "*" * (len(value) - 1)


PROPERTY_LABELS = {
    "creator": "作者",
    "lastModifiedBy": "最后修改者",
    "Manager": "经理",
    "Author": "作者",
    "comment_author": "批注作者",
}


def property_findings(label: str, properties: Iterable[tuple[str, str]]) -> list[Finding]:
    """Findings for document properties that carry a person's name or phone number."""
    findings = []
    seen = set()
    for key, value in properties:
        if not isinstance(value, str) or (key, value) in seen:
            continue
        seen.add((key, value))
        kind = personal_value(value)
        if kind is None:
            continue
        name = PROPERTY_LABELS.get(key, key)
        findings.append(
            file_finding(
                label,
                "attachment.property",
                Severity.WARN if kind == "phone" else Severity.INFO,
                f"附件文档属性“{name}”含{'电话号码' if kind == 'phone' else '人名'}，发布前宜清除",
                text=mask_value(value, kind),
                field_suffix="#properties",
                details={"property": key, "kind": kind},
            )
        )
    return findings

"""Site policy: how findings become a verdict, and the per-site knobs checks read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from checks import defaults
from checks.finding import Finding, Severity, Verdict

ENGINE_ERROR_RULE = "engine.error"


@dataclass(frozen=True, slots=True)
class MaskRule:
    """How much of an identifier stays visible in a finding (first/last characters)."""

    keep_prefix: int
    keep_suffix: int
    mask_char: str = "*"

    def apply(self, value: str) -> str:
        hidden = max(len(value) - self.keep_prefix - self.keep_suffix, 0)
        if hidden == 0:
            return self.mask_char * len(value)
        suffix = value[len(value) - self.keep_suffix :] if self.keep_suffix else ""
        return value[: self.keep_prefix] + self.mask_char * hidden + suffix


DEFAULT_MASKS: dict[str, MaskRule] = {
    "resident_id": MaskRule(6, 4),
    "mobile": MaskRule(3, 4),
    "bank_card": MaskRule(6, 4),
    # privacy check: passports and permits, plates, e-mail local parts, home addresses
    # (the place names stay readable, the street and room do not) and private names.
    "document": MaskRule(1, 2),
    "plate": MaskRule(2, 1),
    "email": MaskRule(1, 1),
    "address": MaskRule(6, 0),
    "name": MaskRule(1, 0),
    # secret check: passwords and keys are never shown, not even in part
    "credential": MaskRule(0, 0),
    "default": MaskRule(2, 2),
}


@dataclass(frozen=True, slots=True)
class Policy:
    """Everything a site can tune. Unknown keys in ``from_dict`` are rejected, not ignored."""

    # rule id, check name or "category:<name>" → severity (or "off" to drop the finding)
    severity_overrides: Mapping[str, str] = field(default_factory=dict)
    # send every draft to human review, not only flagged ones
    review_all: bool = False
    stages: tuple[str, ...] = ("初审", "复审", "终审")
    masks: Mapping[str, MaskRule] = field(default_factory=lambda: dict(DEFAULT_MASKS))
    # host name suffixes that only resolve inside the government network
    intranet_suffixes: tuple[str, ...] = defaults.INTRANET_SUFFIXES
    # channels that publish drafts on purpose (征求意见): draft marks are expected there
    consultation_channels: tuple[str, ...] = defaults.CONSULTATION_CHANNELS
    # document types that need no 政策解读
    interpretation_exempt_types: tuple[str, ...] = defaults.INTERPRETATION_EXEMPT_TYPES
    # document types (substrings of metadata.doc_type) that are policy documents needing 解读
    policy_document_types: tuple[str, ...] = defaults.POLICY_DOCUMENT_TYPES
    # the site is served over https, so plain http links are mixed content
    https_site: bool = True
    # hosts the link checker may reach even though they resolve to private addresses
    link_allowed_hosts: tuple[str, ...] = ()

    def mask(self, kind: str, value: str) -> str:
        rule = self.masks.get(kind) or self.masks.get("default") or DEFAULT_MASKS["default"]
        return rule.apply(value)

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        """Apply severity overrides; ``off`` removes a finding. Engine errors are never removed."""
        result = []
        for finding in findings:
            override = None
            if finding.rule != ENGINE_ERROR_RULE:
                for key in (finding.rule, f"category:{finding.category}", finding.check):
                    if key in self.severity_overrides:
                        override = self.severity_overrides[key]
                        break
            if override == "off":
                continue
            if override is not None:
                finding = replace(finding, severity=Severity.parse(override))
            result.append(finding)
        return result

    @staticmethod
    def verdict(findings: Iterable[Finding]) -> Verdict:
        worst = max((f.severity for f in findings), default=Severity.INFO)
        if worst is Severity.BLOCK:
            return Verdict.BLOCK
        if worst is Severity.WARN:
            return Verdict.ANNOTATE
        return Verdict.PASS

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Policy:
        if not data:
            return cls()
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown policy keys: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key == "masks":
                values[key] = {**DEFAULT_MASKS, **{k: MaskRule(**v) for k, v in value.items()}}
            elif key == "severity_overrides":
                for target, severity in value.items():
                    if severity != "off":
                        Severity.parse(severity)
                    if not isinstance(target, str):
                        raise ValueError("severity_overrides keys must be strings")
                values[key] = dict(value)
            elif isinstance(getattr(cls(), key), tuple):
                values[key] = tuple(value)
            else:
                values[key] = value
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "masks":
                value = {
                    k: {"keep_prefix": m.keep_prefix, "keep_suffix": m.keep_suffix, "mask_char": m.mask_char}
                    for k, m in value.items()
                }
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            data[f.name] = value
        return data

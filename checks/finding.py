"""Typed findings: what every check returns and every consumer reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class Severity(IntEnum):
    """Ordered so that ``max()`` over findings gives the worst one."""

    INFO = 0
    WARN = 1
    BLOCK = 2

    @classmethod
    def parse(cls, value: str | Severity) -> Severity:
        if isinstance(value, Severity):
            return value
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {value!r} (expected info, warn or block)") from None

    def __str__(self) -> str:
        return self.name.lower()


class Verdict(IntEnum):
    PASS = 0
    ANNOTATE = 1
    BLOCK = 2

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(slots=True)
class Finding:
    """One problem in one field of a draft.

    ``start``/``end`` index the *plain text* of ``field`` (see ``checks.textmodel``);
    ``text`` is what a reviewer is shown and is already masked for identifiers.
    """

    check: str
    rule: str
    severity: Severity
    field: str
    start: int
    end: int
    text: str
    message: str
    suggestion: str | None = None
    overridable: bool = True
    category: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    id: str = ""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "check": self.check,
            "rule": self.rule,
            "severity": str(self.severity),
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "suggestion": self.suggestion,
            "message": self.message,
            "overridable": self.overridable,
        }
        if self.category:
            data["category"] = self.category
        if self.details:
            data["details"] = self.details
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            id=data.get("id", ""),
            check=data["check"],
            rule=data["rule"],
            severity=Severity.parse(data["severity"]),
            field=data["field"],
            start=int(data["start"]),
            end=int(data["end"]),
            text=data.get("text", ""),
            message=data.get("message", ""),
            suggestion=data.get("suggestion"),
            overridable=bool(data.get("overridable", True)),
            category=data.get("category"),
            details=dict(data.get("details") or {}),
        )

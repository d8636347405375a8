"""The recognizer contract: find candidate spans, validate them, say how bad they are."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from checks.finding import Severity
from checks.privacy.text import FieldText


@dataclass(slots=True)
class Match:
    """One identifier found in a field.

    ``value`` is the normalised identifier (digits without separators, upper case); it is
    used for validation and masking only and never leaves the privacy package unmasked.
    ``priority`` settles overlaps: the higher one wins (ID > USCC > card > mobile …).
    ``report`` is False for spans that only shield others (an organisation's USCC).
    """

    recognizer: str
    rule: str
    start: int
    end: int
    value: str
    severity: Severity
    priority: int
    mask_kind: str
    label: str
    report: bool = True
    # Safe facts for the finding's details (never the value itself).
    facts: dict[str, Any] = field(default_factory=dict)
    # Whether a person nearby makes this finding a privacy.person finding.
    personal: bool = True


class Recognizer(ABC):
    """Finds one kind of identifier. Subclasses are registered in ``checks.privacy``."""

    name: ClassVar[str]

    @abstractmethod
    def find(self, doc: FieldText) -> Iterable[Match]:
        """Validated matches in one field (``doc.text``; detection reads ``doc.folded``)."""

    def validate_result(self, value: str) -> bool:
        """Checksum or structural validation of a normalised value; True when there is none."""
        return True

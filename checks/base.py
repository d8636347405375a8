"""The abstract check and the context every check reads from."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from checks.finding import Finding
from checks.matcher import Hit
from checks.normalize import NormalizedText
from checks.policy import Policy
from checks.textmodel import TextField, TextModel

if TYPE_CHECKING:
    from checks.engine import LexiconState


class CheckContext:
    """One draft under check: its text model, the lexicon state, the site policy, today.

    Folded text and lexicon hits are computed once per field and shared between checks.
    """

    def __init__(self, model: TextModel, state: LexiconState, policy: Policy, today: date) -> None:
        self.model = model
        self.state = state
        self.policy = policy
        self.today = today
        self._normalized: dict[str, NormalizedText] = {}
        self._hits: dict[str, list[Hit]] = {}

    @property
    def draft(self):
        return self.model.draft

    def fields(self) -> list[TextField]:
        return self.model.text_fields()

    def normalized(self, fld: TextField) -> NormalizedText:
        cached = self._normalized.get(fld.name)
        if cached is None or cached.original is not fld.text:
            cached = self.state.normalizer.normalize(fld.text)
            self._normalized[fld.name] = cached
        return cached

    def hits(self, fld: TextField) -> list[Hit]:
        cached = self._hits.get(fld.name)
        if cached is None:
            cached = self.state.matcher.find(self.normalized(fld))
            self._hits[fld.name] = cached
        return cached


class Check(ABC):
    """One kind of problem. Subclasses set ``name`` and register with ``@register``."""

    name: ClassVar[str]
    # Slow checks (network, NER on long texts, attachments) run in the worker, not inline.
    asynchronous: ClassVar[bool] = False
    # Reads the CMS's metadata (公开属性, 文号…): meaningless for a bare file with none.
    needs_metadata: ClassVar[bool] = False

    def wants(self, ctx: CheckContext) -> bool:
        """False when the check has nothing to look at in this draft (no links, no model)."""
        return True

    @abstractmethod
    def run(self, ctx: CheckContext) -> Iterable[Finding]:
        """Yield findings; raising is allowed and becomes an ``engine.error`` finding."""

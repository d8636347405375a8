"""The engine: runs the registered checks on a draft and turns findings into a verdict.

It holds the current lexicon state (lexicon, normaliser, automaton) behind one attribute.
``swap`` builds the next state completely and then replaces the reference in one step, so
a check that already took the old state finishes with it and no request ever sees half a
lexicon.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from checks import defaults, registry
from checks.base import Check, CheckContext
from checks.finding import Finding, Severity, Verdict
from checks.lexicon import Lexicon, default_directory
from checks.matcher import Matcher
from checks.normalize import Normalizer
from checks.policy import ENGINE_ERROR_RULE, Policy
from checks.textmodel import Draft, TextModel, annotate_html

log = logging.getLogger("sanshen.checks")

# Name under which attachment reading is reported as pending or failed.
ATTACHMENTS = "attachments"

# Observers see every check run as (check name, seconds, exception or None). The service uses
# them for latency metrics and error reports; checks/ itself stays free of metrics and Sentry.
CheckObserver = Callable[[str, float, BaseException | None], None]
_observers: list[CheckObserver] = []


def add_observer(observer: CheckObserver) -> None:
    """Register a process-wide observer of check runs (idempotent)."""
    if observer not in _observers:
        _observers.append(observer)


def _notify(name: str, seconds: float, error: BaseException | None) -> None:
    for observer in tuple(_observers):
        try:
            observer(name, seconds, error)
        except Exception as exc:
            # Observing must never change a verdict.
            log.warning("check observer failed with %s", type(exc).__name__)


@dataclass(frozen=True)
class LexiconState:
    lexicon: Lexicon
    normalizer: Normalizer
    matcher: Matcher
    build_seconds: float

    @property
    def version(self) -> str:
        return self.lexicon.version

    @classmethod
    def build(cls, lexicon: Lexicon, noise: str = defaults.DEFAULT_NOISE_CHARACTERS) -> LexiconState:
        started = time.perf_counter()
        normalizer = Normalizer(noise)
        matcher = Matcher(lexicon, normalizer)
        return cls(lexicon, normalizer, matcher, time.perf_counter() - started)


@dataclass
class Report:
    findings: list[Finding]
    verdict: Verdict
    annotated_html: str
    lexicon_version: str
    checked_ms: float
    pending_checks: list[str] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return bool(self.pending_checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": str(self.verdict),
            "lexicon_version": self.lexicon_version,
            "checked_ms": round(self.checked_ms, 2),
            "findings": [f.to_dict() for f in self.findings],
            "annotated_html": self.annotated_html,
            "pending_checks": list(self.pending_checks),
        }


def engine_error(check_name: str) -> Finding:
    """The fail-closed finding: a check that could not run means a human must look."""
    return Finding(
        check=check_name,
        rule=ENGINE_ERROR_RULE,
        severity=Severity.WARN,
        field="document",
        start=0,
        end=0,
        text="",
        message=f"检查项 {check_name} 运行失败，无法确认稿件安全，需人工审核",
        overridable=False,
    )


class Engine:
    def __init__(
        self,
        lexicon: Lexicon | None = None,
        *,
        noise: str = defaults.DEFAULT_NOISE_CHARACTERS,
        checks: Sequence[Check] | None = None,
    ) -> None:
        self.noise = noise
        self._state = LexiconState.build(
            lexicon if lexicon is not None else Lexicon.from_directory(default_directory()), noise
        )
        self._swap_lock = threading.Lock()
        self.checks: list[Check] = list(checks) if checks is not None else registry.create()

    @property
    def state(self) -> LexiconState:
        return self._state

    @property
    def lexicon_version(self) -> str:
        return self._state.version

    def swap(self, lexicon: Lexicon) -> LexiconState:
        """Build a state for ``lexicon`` and make it current; the old one keeps serving until then."""
        with self._swap_lock:
            if lexicon.version == self._state.version:
                return self._state
            state = LexiconState.build(lexicon, self.noise)
            self._state = state
            return state

    def check(
        self,
        draft: Draft,
        policy: Policy | None = None,
        *,
        include_async: bool = False,
        only: Iterable[str] | None = None,
        today: date | None = None,
        model: TextModel | None = None,
    ) -> Report:
        started = time.perf_counter()
        policy = policy or Policy()
        state = self._state  # one state for the whole draft, even if a swap happens meanwhile
        model = model or TextModel(draft)
        ctx = CheckContext(model, state, policy, today or date.today())
        wanted = set(only) if only is not None else None
        findings: list[Finding] = []
        pending: list[str] = []
        if draft.attachments:
            if include_async:
                findings.extend(self._extract_attachments(model))
            else:
                pending.append(ATTACHMENTS)
        for check in self.checks:
            if wanted is not None and check.name not in wanted:
                continue
            if not self._wants(check, ctx):
                continue
            if check.asynchronous and not include_async:
                pending.append(check.name)
                continue
            findings.extend(self._run_one(check, ctx))
        findings = policy.apply(_relocate(findings, model))
        findings.sort(key=lambda f: (_field_order(f.field, model), f.start, f.end, f.rule))
        for number, finding in enumerate(findings, start=1):
            finding.id = f"f{number}"
        annotated = annotate_html(model.body, ((f.id, f.start, f.end) for f in findings if f.field == "body"))
        return Report(
            findings=findings,
            verdict=policy.verdict(findings),
            annotated_html=annotated,
            lexicon_version=state.version,
            checked_ms=(time.perf_counter() - started) * 1000,
            pending_checks=pending,
        )

    @staticmethod
    def _extract_attachments(model: TextModel) -> list[Finding]:
        """Add attachment text to the model; unreadable files become findings, never crashes."""
        started = time.perf_counter()
        try:
            from checks.attachments import add_attachment_fields

            found = add_attachment_fields(model)
        except Exception as exc:
            log.error("attachment extraction failed with %s", type(exc).__name__)
            _notify(ATTACHMENTS, time.perf_counter() - started, exc)
            return [engine_error(ATTACHMENTS)]
        _notify(ATTACHMENTS, time.perf_counter() - started, None)
        return found

    @staticmethod
    def _wants(check: Check, ctx: CheckContext) -> bool:
        try:
            return check.wants(ctx)
        except Exception as exc:
            log.error("check %s failed to decide with %s", check.name, type(exc).__name__)
            _notify(check.name, 0.0, exc)
            return True

    @staticmethod
    def _run_one(check: Check, ctx: CheckContext) -> list[Finding]:
        started = time.perf_counter()
        try:
            found = list(check.run(ctx))
        except Exception as exc:
            # Only the exception type and code locations: messages may quote draft text.
            log.error(
                "check %s failed with %s\n%s",
                check.name,
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            _notify(check.name, time.perf_counter() - started, exc)
            return [engine_error(check.name)]
        _notify(check.name, time.perf_counter() - started, None)
        return found


def _relocate(findings: list[Finding], model: TextModel) -> list[Finding]:
    """Re-address findings in segmented fields (sheets, pages) to their cell or page."""
    for finding in findings:
        fld = model.fields.get(finding.field)
        if fld is not None and fld.segments:
            finding.field, finding.start, finding.end = fld.locate(finding.start, finding.end)
    return findings


def _field_order(name: str, model: TextModel) -> int:
    order = {"document": -1, "title": 0, "body": 1}
    if name in order:
        return order[name]
    return 2 if name.startswith("metadata") else 3

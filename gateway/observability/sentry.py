"""Sentry error reporting, scrubbed: types, code locations and ids — never draft text.

sentry-sdk attaches request bodies up to ~10 KB and stack-frame locals by default, whatever
``send_default_pii`` says (see shared/reference/webhooks-and-rq.md §3.8); both are switched off
here and every event goes through :func:`gateway.observability.scrub.scrub_event`.

A check that raises does not reach Sentry by itself: the engine catches it and fails closed
with an ``engine.error`` finding. The engine's observer hands us the exception; inside a
request it is reported when the request ends, so the event carries the review id the request
created (the check runs before the review row exists).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import g, has_request_context

from checks.policy import ENGINE_ERROR_RULE
from gateway.observability import context
from gateway.observability.scrub import scrub_breadcrumb, scrub_event

log = logging.getLogger("sanshen.observability")
_PENDING = "_sanshen_check_errors"


# RQ's job description, e.g. gateway.jobs.complete_review('rv_1a2b…'): our jobs take one id.
_JOB_DESCRIPTION = re.compile(r"^gateway\.jobs\.(complete_review|deliver)\('([A-Za-z0-9_-]{1,64})'\)$")
_JOB_ID_TAG = {"complete_review": "review_id", "deliver": "delivery_id"}


def _before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    tags = event.setdefault("tags", {})
    if isinstance(tags, dict):
        for key, value in context.current().items():
            tags.setdefault(key, value)
        # A failed job is reported after RQ has left the job's context: take its id from
        # the job record the RQ integration attached, before the scrubber drops it.
        job = (event.get("extra") or {}).get("rq-job")
        if isinstance(job, dict):
            match = _JOB_DESCRIPTION.match(str(job.get("description", "")))
            if match:
                tags.setdefault(_JOB_ID_TAG[match.group(1)], match.group(2))
                tags.setdefault("job", f"gateway.jobs.{match.group(1)}")
    return scrub_event(event, hint)


def init(config: dict[str, Any]) -> bool:
    """Start sentry-sdk when ``SENTRY_DSN`` is set; returns whether it is active."""
    dsn = config.get("SENTRY_DSN") or ""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration, ignore_logger
    from sentry_sdk.integrations.rq import RqIntegration

    from gateway.observability.logs import QUIET_LOGGERS

    sentry_sdk.init(
        dsn=dsn,
        environment=config.get("SENTRY_ENVIRONMENT") or None,
        release=_release(),
        traces_sample_rate=float(config.get("SENTRY_TRACES_SAMPLE_RATE") or 0.0),
        integrations=[
            FlaskIntegration(),
            RqIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
        # The three settings that keep draft text out of events (request bodies, frame
        # locals, user data); the scrubber is the net under them.
        max_request_body_size="never",
        include_local_variables=False,
        send_default_pii=False,
        include_source_context=False,
        before_send=_before_send,
        before_send_transaction=_before_send,
        before_breadcrumb=scrub_breadcrumb,
    )
    # Check failures are reported through the engine's observer with the real exception and
    # tags; the engine's own log line about them would be a second, poorer event.
    ignore_logger("sanshen.checks")
    for name in QUIET_LOGGERS:
        ignore_logger(f"{name}.*")
    return True


def _release() -> str | None:
    try:
        from importlib.metadata import version

        return f"sanshen-gateway@{version('sanshen-gateway')}"
    except Exception:
        return None


def active() -> bool:
    try:
        import sentry_sdk

        return sentry_sdk.get_client().is_active()
    except Exception:
        return False


def report_check_error(check: str, error: BaseException) -> None:
    """Report a check that raised; inside a request, once the request has its review id."""
    if not active():
        return
    if has_request_context():
        pending = g.get(_PENDING)
        if pending is None:
            pending = []
            setattr(g, _PENDING, pending)
        pending.append((check, error))
        return
    _capture(check, error)


def flush_request_errors() -> None:
    """Send the check errors of the request that is ending (teardown_request)."""
    pending = g.pop(_PENDING, None) if has_request_context() else None
    for check, error in pending or ():
        _capture(check, error)


def _capture(check: str, error: BaseException) -> None:
    import sentry_sdk

    try:
        with sentry_sdk.new_scope() as scope:
            scope.set_tag("check", check)
            scope.set_tag("rule", ENGINE_ERROR_RULE)
            for key, value in context.current().items():
                scope.set_tag(key, value)
            scope.fingerprint = ["check-failed", check, type(error).__name__]
            sentry_sdk.capture_exception(error)
    except Exception as exc:
        log.warning("could not report a check error: %s", type(exc).__name__)

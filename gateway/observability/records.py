"""What the database learns, turned into log context, metrics and one log line per outcome.

Hooks on the ORM, so the request and job code does not have to pass ids around for logging:
a new review binds its id and site to the current request, a settled review is counted by
site, verdict and finding check once its transaction commits (a rolled-back review is not),
and each callback attempt is counted by outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from gateway.models import Delivery, DeliveryAttempt, Review
from gateway.observability import context, metrics

if TYPE_CHECKING:
    from checks.engine import Report

log = logging.getLogger("sanshen.reviews")
delivery_log = logging.getLogger("sanshen.deliveries")

SETTLED = ("passed", "in_review")
_INFO_KEY = "sanshen.observed"
_installed = False


def install() -> None:
    """Register the hooks once per process (they apply to every app's sessions)."""
    global _installed
    if _installed:
        return
    _installed = True
    event.listen(Review, "after_insert", _review_inserted)
    event.listen(Review, "load", _review_loaded)
    event.listen(Delivery, "load", _delivery_loaded)
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _after_rollback)


def _review_inserted(_mapper: Any, _connection: Any, review: Review) -> None:
    context.bind(review_id=review.id, site=review.site_id)


def observe_review(session: Session, review: dict[str, Any], report: Report) -> None:
    """A review inserted with Core (the request hot path), where no ORM hook sees it."""
    context.bind(review_id=review["id"], site=review["site_id"])
    if review["status"] in SETTLED:
        _note_settled(session, review["id"], review["site_id"], review["verdict"], review["status"], report.findings)


def _note_settled(
    session: Session, review_id: str, site: str, verdict: str, status: str, findings: Iterable[Any]
) -> None:
    """Counted and logged once the transaction commits (a rolled-back review is not)."""
    findings = list(findings)
    session.info.setdefault(_INFO_KEY, []).append(
        (
            "settled",
            {
                "review_id": review_id,
                "site": site,
                "verdict": verdict,
                "status": status,
                "findings": [(f.check, str(f.severity)) for f in findings],
                "rules": sorted({f.rule for f in findings}),
            },
        )
    )


def _in_job() -> bool:
    return "job_id" in context.current()


def _review_loaded(review: Review, _ctx: Any) -> None:
    # In a job the review it works on is the one it loads; a request may list many.
    if _in_job():
        context.bind(review_id=review.id, site=review.site_id)


def _delivery_loaded(delivery: Delivery, _ctx: Any) -> None:
    if _in_job():
        context.bind(delivery_id=delivery.id, review_id=delivery.review_id, site=delivery.site_id)


def _changed_to(obj: Any, attribute: str) -> Any:
    history = inspect(obj).attrs[attribute].history
    return history.added[0] if history.added else None


def _after_flush(session: Session, _flush_context: Any) -> None:
    observed: list[tuple[str, dict[str, Any]]] = session.info.setdefault(_INFO_KEY, [])
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Review):
            status = _changed_to(obj, "status")
            if status in SETTLED and obj.verdict in ("pass", "annotate", "block"):
                # Findings were just stored with the verdict, so the collection is in memory.
                records = obj.__dict__.get("findings") or []
                _note_settled(session, obj.id, obj.site_id, obj.verdict, status, records)
        elif isinstance(obj, DeliveryAttempt) and obj in session.new:
            delivery = obj.__dict__.get("delivery")
            observed.append(
                (
                    "attempt",
                    {
                        "site": getattr(delivery, "site_id", "") or "",
                        "delivery_id": obj.delivery_id or getattr(delivery, "id", ""),
                        "status_code": obj.status_code,
                        "error": obj.error,
                    },
                )
            )
        elif isinstance(obj, Delivery) and obj not in session.new and _changed_to(obj, "status") == "failed":
            observed.append(("exhausted", {"site": obj.site_id, "delivery_id": obj.id}))


def _after_commit(session: Session) -> None:
    observed = session.info.pop(_INFO_KEY, None)
    for kind, data in observed or ():
        try:
            _emit(kind, data)
        except Exception as exc:  # observing must never fail the unit of work
            log.warning("could not record %s: %s", kind, type(exc).__name__)


def _after_rollback(session: Session) -> None:
    session.info.pop(_INFO_KEY, None)


def _emit(kind: str, data: dict[str, Any]) -> None:
    if kind == "settled":
        metrics.observe_settled(data["site"], data["verdict"], data["findings"])
        log.info(
            "review settled",
            extra={
                "event": "review.settled",
                "review_id": data["review_id"],
                "site": data["site"],
                "verdict": data["verdict"],
                "status": data["status"],
                "rules": data["rules"],
            },
        )
    elif kind == "attempt":
        metrics.observe_callback(data["site"], data["status_code"], data["error"])
        delivery_log.info(
            "callback attempt",
            extra={
                "event": "callback.attempt",
                "delivery_id": data["delivery_id"],
                "site": data["site"],
                "status": data["status_code"],
            },
        )
    elif kind == "exhausted":
        metrics.observe_exhausted(data["site"])
        delivery_log.warning(
            "callback retries exhausted",
            extra={"event": "callback.exhausted", "delivery_id": data["delivery_id"], "site": data["site"]},
        )

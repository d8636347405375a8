"""RQ job functions (they take ids only) and the sweeper's work: lost jobs enqueued again,
expired idempotency records deleted."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask
from sqlalchemy import delete, or_, select, update

from gateway.db import db
from gateway.models import CallbackEndpoint, Delivery, DeliveryAttempt, InboundMessage, Review, Site, utcnow
from gateway.queue import job_queue
from gateway.reviews import complete
from webhooks import delivery as transport
from webhooks.signing import sign_headers

log = logging.getLogger("sanshen.jobs")

# The app jobs run in; the worker sets it before forking so work horses inherit it.
_worker_app: Flask | None = None

COMPLETE_REVIEW = "gateway.jobs.complete_review"
DELIVER = "gateway.jobs.deliver"


def set_worker_app(app: Flask) -> None:
    global _worker_app
    _worker_app = app


def _app() -> Flask:
    global _worker_app
    if _worker_app is None:
        from gateway import create_app

        _worker_app = create_app()
    return _worker_app


def complete_review(review_id: str) -> bool:
    app = _app()
    with app.app_context():
        with db.session() as session:
            done = complete(session, app, review_id)
            deliveries = []
            if done:
                deliveries = [
                    d.id
                    for d in session.execute(
                        select(Delivery).where(Delivery.review_id == review_id, Delivery.status == "pending")
                    ).scalars()
                ]
        for delivery_id in deliveries:
            enqueue_delivery(delivery_id)
        log.info("review %s completed=%s", review_id, done)
        return done


def enqueue_review(review_id: str) -> bool:
    """Enqueue and note when; with Redis down the review stays for the sweeper."""
    if not job_queue.enqueue(COMPLETE_REVIEW, review_id):
        return False
    with db.session() as session:
        session.execute(update(Review).where(Review.id == review_id).values(enqueued_at=utcnow()))
    return True


def enqueue_delivery(delivery_id: str, delay: float = 0.0) -> bool:
    if not job_queue.enqueue(DELIVER, delivery_id, delay=delay):
        return False
    with db.session() as session:
        session.execute(update(Delivery).where(Delivery.id == delivery_id).values(enqueued_at=utcnow()))
    return True


def _claim(delivery_id: str, claim_seconds: int) -> bool:
    now = utcnow()
    with db.session() as session:
        claimed = session.execute(
            update(Delivery)
            .where(
                Delivery.id == delivery_id,
                Delivery.status == "pending",
                or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
                or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now + timedelta(seconds=1)),
            )
            .values(claimed_until=now + timedelta(seconds=claim_seconds))
            .execution_options(synchronize_session=False)
        ).rowcount
    return claimed == 1


def deliver(delivery_id: str) -> str:
    """One attempt at one event; schedules the next attempt on failure."""
    app = _app()
    config = app.config
    with app.app_context():
        if not _claim(delivery_id, config["DELIVERY_CLAIM_SECONDS"]):
            return "not-due"
        with db.session() as session:
            delivery = session.get(Delivery, delivery_id)
            site = session.get(Site, delivery.site_id)
            secrets = [s.secret for s in site.secrets if s.active]
            disabled = session.execute(
                select(CallbackEndpoint).where(
                    CallbackEndpoint.site_id == site.id, CallbackEndpoint.url == delivery.url
                )
            ).scalar_one_or_none()
            url, payload, msg_id = delivery.url, delivery.payload, delivery.id
            hosts, intranet = list(site.callback_hosts or []), site.intranet
        if disabled is not None:
            return _finish(delivery_id, "disabled", None)
        try:
            transport.check_destination(url, hosts, allow_private=intranet)
        except transport.UnsafeDestination as exc:
            result = transport.AttemptResult(None, 0.0, f"refused: {exc}", None)
            return _finish(delivery_id, "failed", result)
        result = transport.post(
            url, payload, sign_headers(secrets, msg_id, payload), config["CALLBACK_TIMEOUT_SECONDS"]
        )
        if result.delivered:
            return _finish(delivery_id, "delivered", result)
        if result.gone:
            with db.session() as session:
                session.add(CallbackEndpoint(site_id=site.id, url=url, reason="HTTP 410 Gone"))
            return _finish(delivery_id, "disabled", result)
        return _finish(delivery_id, "pending", result)


def _finish(delivery_id: str, status: str, result: transport.AttemptResult | None) -> str:
    app = _app()
    delay = None
    with db.session() as session:
        delivery = session.get(Delivery, delivery_id)
        if result is not None:
            delivery.attempts += 1
            delivery.attempt_log.append(
                DeliveryAttempt(status_code=result.status_code, latency_ms=result.latency_ms, error=result.error)
            )
        delivery.claimed_until = None
        if status == "pending":
            delay = transport.next_delay(
                delivery.attempts,
                app.config["CALLBACK_RETRY_SCHEDULE"],
                app.config["CALLBACK_RETRY_JITTER"],
                result.retry_after if result else None,
                app.config["CALLBACK_MAX_RETRY_AFTER_SECONDS"],
            )
            if delay is None:
                status = "failed"
            else:
                delivery.next_attempt_at = utcnow() + timedelta(seconds=delay)
        delivery.status = status
        if status == "delivered":
            delivery.delivered_at = utcnow()
    if delay is not None:
        enqueue_delivery(delivery_id, delay)
    log.info("delivery %s → %s", delivery_id, status)
    return status


def sweep(app: Flask) -> tuple[int, int]:
    """Enqueue reviews and deliveries the queue lost (Redis down, worker killed)."""
    now = utcnow()
    stale = now - timedelta(seconds=app.config["REQUEUE_AFTER_SECONDS"])
    with app.app_context():
        with db.session() as session:
            reviews = list(
                session.execute(
                    select(Review.id).where(
                        Review.status == "pending", or_(Review.enqueued_at.is_(None), Review.enqueued_at < stale)
                    )
                ).scalars()
            )
            deliveries = list(
                session.execute(
                    select(Delivery.id).where(
                        Delivery.status == "pending",
                        Delivery.next_attempt_at <= now,
                        or_(Delivery.enqueued_at.is_(None), Delivery.next_attempt_at < stale),
                        or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
                    )
                ).scalars()
            )
        if not job_queue.ping():
            return 0, 0
        for review_id in reviews:
            enqueue_review(review_id)
        for delivery_id in deliveries:
            enqueue_delivery(delivery_id)
    return len(reviews), len(deliveries)


def purge_idempotency_records(app: Flask) -> int:
    """Forget the stored answers of webhook-ids older than ``IDEMPOTENCY_TTL_SECONDS``.

    Each holds a whole answer (annotated HTML included); a CMS retries within minutes or
    hours, so after the TTL the same webhook-id is simply checked afresh. Reviews stay.
    """
    cutoff = utcnow() - timedelta(seconds=app.config["IDEMPOTENCY_TTL_SECONDS"])
    with app.app_context(), db.session() as session:
        purged = session.execute(
            delete(InboundMessage)
            .where(InboundMessage.created_at < cutoff)
            .execution_options(synchronize_session=False)
        ).rowcount
    if purged:
        log.info("purged %s idempotency records", purged)
    return purged

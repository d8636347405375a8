"""Reviews: from a verified request to stored findings, a stage, and events for the CMS."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from checks.engine import Report
from checks.finding import Verdict
from gateway.checking import engine_for, site_policy
from gateway.models import Delivery, Document, FindingRecord, Review, Revision, Site, utcnow
from gateway.schemas import ReviewRequest

OPEN_STATUSES = ("pending", "in_review")


def review_response(review: Review) -> dict[str, Any]:
    """The API view of a review (POST answer, GET body)."""
    return {
        "review_id": review.id,
        "status": review.status,
        "verdict": review.verdict,
        "stage": review.stage,
        "lexicon_version": review.lexicon_version,
        "checked_ms": round(review.checked_ms, 2),
        "pending_checks": list(review.pending_checks or []),
        "superseded_by": review.superseded_by,
        "findings": [record.data for record in review.findings],
        "annotated_html": review.annotated_html,
    }


def _store_findings(review: Review, report: Report) -> None:
    review.findings.clear()
    for position, finding in enumerate(report.findings):
        review.findings.append(
            FindingRecord(
                position=position,
                finding_id=finding.id,
                check=finding.check,
                rule=finding.rule,
                severity=str(finding.severity),
                data=finding.to_dict(),
            )
        )


def _settle(review: Review, report: Report, site: Site) -> None:
    """Status and stage of a review whose checks have all run."""
    policy = site_policy(site)
    review.verdict = str(report.verdict)
    review.pending_checks = []
    if report.verdict is Verdict.PASS and not policy.review_all:
        review.status, review.stage = "passed", None
    else:
        review.status, review.stage, review.stage_index = "in_review", policy.stages[0], 0


def submit(session: Session, app: Flask, site: Site, request: ReviewRequest, raw_body: bytes) -> tuple[int, Review]:
    """Check a draft synchronously and record it; returns (HTTP status, review)."""
    draft = request.to_draft()
    engine = engine_for(app, site.id)
    report = engine.check(draft, site_policy(site))

    document = session.execute(
        select(Document).where(Document.site_id == site.id, Document.cms_id == request.document.id)
    ).scalar_one_or_none()
    new_document = document is None
    if document is None:
        document = Document(site_id=site.id, cms_id=request.document.id)
        session.add(document)
        session.flush()
    revision = Revision(
        document_id=document.id,
        revision=request.document.revision,
        title=request.document.title,
        request_body=raw_body,
        body_sha256=hashlib.sha256(raw_body).hexdigest(),
    )
    session.add(revision)
    session.flush()
    review = Review(
        site_id=site.id,
        document_id=document.id,
        revision_id=revision.id,
        status="pending",
        verdict="pending",
        lexicon_version=report.lexicon_version,
        checked_ms=report.checked_ms,
        annotated_html=report.annotated_html,
        callback_url=request.callback_url,
    )
    session.add(review)
    session.flush()
    # A new revision supersedes whatever review of this document is still open.
    if not new_document:
        session.execute(
            update(Review)
            .where(Review.document_id == document.id, Review.id != review.id, Review.status.in_(OPEN_STATUSES))
            .values(status="superseded", superseded_by=review.id, updated_at=utcnow())
        )
    _store_findings(review, report)
    if report.pending:
        review.pending_checks = list(report.pending_checks)
        return 202, review
    _settle(review, report, site)
    return 200, review


def complete(session: Session, app: Flask, review_id: str) -> bool:
    """Run every check (attachments, NER, links) on a pending review and settle it.

    Safe to run twice or concurrently: only the run whose conditional update finds the
    review still pending stores its result and creates the ``review.completed`` event.
    """
    review = session.get(Review, review_id)
    if review is None or review.status != "pending":
        return False
    revision = session.get(Revision, review.revision_id)
    site = session.get(Site, review.site_id)
    assert revision is not None and site is not None
    request = ReviewRequest.model_validate_json(revision.request_body)
    report = engine_for(app, site.id).check(request.to_draft(), site_policy(site), include_async=True)
    claimed = session.execute(
        update(Review)
        .where(Review.id == review_id, Review.status == "pending")
        .values(status="completing", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return False
    session.refresh(review)
    review.lexicon_version = report.lexicon_version
    review.checked_ms = report.checked_ms
    review.annotated_html = report.annotated_html
    _store_findings(review, report)
    _settle(review, report, site)
    add_event(session, review, "review.completed")
    return True


def event_payload(review: Review, event: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for record in review.findings:
        counts[record.severity] = counts.get(record.severity, 0) + 1
    return {
        "type": event,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": {
            "review_id": review.id,
            "site": review.site_id,
            "status": review.status,
            "verdict": review.verdict,
            "stage": review.stage,
            "findings_by_severity": counts,
            "lexicon_version": review.lexicon_version,
            **(extra or {}),
        },
    }


def add_event(session: Session, review: Review, event: str, extra: dict[str, Any] | None = None) -> Delivery | None:
    """Record an event for the CMS (sent by the worker); none without a callback URL."""
    if not review.callback_url:
        return None
    sequence = session.execute(
        select(func.count()).select_from(Delivery).where(Delivery.review_id == review.id, Delivery.event == event)
    ).scalar_one()
    delivery = Delivery(
        site_id=review.site_id,
        review_id=review.id,
        event=event,
        sequence=sequence,
        url=review.callback_url,
        payload=json.dumps(event_payload(review, event, extra), ensure_ascii=False, separators=(",", ":")),
    )
    session.add(delivery)
    session.flush()
    return delivery

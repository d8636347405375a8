"""Reviews: from a verified request to stored findings, a stage, and events for the CMS."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from checks.engine import Report
from checks.finding import Verdict
from checks.policy import Policy
from gateway.checking import engine_for, site_policy
from gateway.models import Delivery, Document, FindingRecord, Review, Revision, Site, new_id, utcnow
from gateway.observability.records import observe_review
from gateway.schemas import ReviewRequest

OPEN_STATUSES = ("pending", "in_review")


def review_response(review: Review) -> dict[str, Any]:
    """The API view of a stored review (GET body)."""
    return answer(
        {column: getattr(review, column) for column in ANSWER_COLUMNS},
        [record.data for record in review.findings],
    )


ANSWER_COLUMNS = (
    "id",
    "status",
    "verdict",
    "stage",
    "lexicon_version",
    "checked_ms",
    "pending_checks",
    "superseded_by",
    "annotated_html",
)


def answer(review: dict[str, Any], findings: list[dict[str, Any]]) -> dict[str, Any]:
    """The API view of a review from its column values (POST answer, GET body)."""
    return {
        "review_id": review["id"],
        "status": review["status"],
        "verdict": review["verdict"],
        "stage": review["stage"],
        "lexicon_version": review["lexicon_version"],
        "checked_ms": round(review["checked_ms"], 2),
        "pending_checks": list(review["pending_checks"] or []),
        "superseded_by": review["superseded_by"],
        "findings": findings,
        "annotated_html": review["annotated_html"],
    }


def _finding_rows(review_id: str, report: Report) -> list[dict[str, Any]]:
    return [
        {
            "review_id": review_id,
            "position": position,
            "finding_id": finding.id,
            "check": finding.check,
            "rule": finding.rule,
            "severity": str(finding.severity),
            "data": finding.to_dict(),
        }
        for position, finding in enumerate(report.findings)
    ]


def _store_findings(review: Review, report: Report) -> None:
    review.findings.clear()
    review.findings.extend(FindingRecord(**row) for row in _finding_rows(review.id, report))


def _settled_state(report: Report, policy: Policy) -> dict[str, Any]:
    """Status, stage and verdict of a review whose checks have all run."""
    state: dict[str, Any] = {"verdict": str(report.verdict), "pending_checks": []}
    if report.verdict is Verdict.PASS and not policy.review_all:
        state.update(status="passed", stage=None, stage_index=0)
    else:
        state.update(status="in_review", stage=policy.stages[0], stage_index=0)
    return state


def _settle(review: Review, report: Report, site: Site) -> None:
    for column, value in _settled_state(report, site_policy(site)).items():
        setattr(review, column, value)


# The statements of the hot path, built once: constructing Core statements per request
# (values coercion, cache keys) cost more than executing them.
_DOCUMENT_BY_CMS_ID = select(Document.id).where(
    Document.site_id == bindparam("site"), Document.cms_id == bindparam("cms_id")
)
_INSERT_DOCUMENT = insert(Document.__table__)
_INSERT_REVISION = insert(Revision.__table__)
_INSERT_REVIEW = insert(Review.__table__)
_INSERT_FINDINGS = insert(FindingRecord.__table__)
_SUPERSEDE = (
    update(Review.__table__)
    .where(
        Review.document_id == bindparam("document"),
        Review.id != bindparam("newer"),
        Review.status.in_(OPEN_STATUSES),
    )
    .values(status="superseded", superseded_by=bindparam("newer"), updated_at=bindparam("now"))
)


def submit(
    session: Session, app: Flask, site: Site, request: ReviewRequest, raw_body: bytes, body_sha256: str
) -> tuple[int, dict[str, Any]]:
    """Check a draft synchronously and record it; returns (HTTP status, API answer).

    ``body_sha256`` is the hex digest of ``raw_body``, which the caller already has for
    idempotency.

    The hot path of the gateway: rows go in as single Core statements (no unit of work),
    the write transaction starts only after the checks ran and stays a few statements long.
    """
    policy = site_policy(site)
    report = engine_for(app, site.id).check(request.to_draft(), policy)
    now = utcnow()
    connection = session.connection()
    document_id = connection.execute(
        _DOCUMENT_BY_CMS_ID, {"site": site.id, "cms_id": request.document.id}
    ).scalar_one_or_none()
    new_document = document_id is None
    if document_id is None:
        document_id = new_id("doc")
        connection.execute(
            _INSERT_DOCUMENT, {"id": document_id, "site_id": site.id, "cms_id": request.document.id, "created_at": now}
        )
    revision_id = new_id("rev")
    connection.execute(
        _INSERT_REVISION,
        {
            "id": revision_id,
            "document_id": document_id,
            "revision": request.document.revision,
            "title": request.document.title,
            "request_body": raw_body,
            "body_sha256": body_sha256,
            "created_at": now,
        },
    )
    review: dict[str, Any] = {
        "id": new_id("rv"),
        "site_id": site.id,
        "document_id": document_id,
        "revision_id": revision_id,
        "status": "pending",
        "verdict": "pending",
        "stage": None,
        "stage_index": 0,
        "lexicon_version": report.lexicon_version,
        "checked_ms": report.checked_ms,
        "pending_checks": list(report.pending_checks),
        "annotated_html": report.annotated_html,
        "callback_url": request.callback_url,
        "superseded_by": None,
        "created_at": now,
        "updated_at": now,
    }
    if not report.pending:
        review.update(_settled_state(report, policy))
    connection.execute(_INSERT_REVIEW, review)
    observe_review(session, review, report)
    # A new revision supersedes whatever review of this document is still open.
    if not new_document:
        connection.execute(_SUPERSEDE, {"document": document_id, "newer": review["id"], "now": now})
    rows = _finding_rows(review["id"], report)
    if rows:
        connection.execute(_INSERT_FINDINGS, rows)
    return (202 if report.pending else 200), answer(review, [row["data"] for row in rows])


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

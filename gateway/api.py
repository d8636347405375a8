"""The v1 API for CMSs: signed reviews, check-now, review state, OpenAPI document."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, request
from pydantic import ValidationError
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway import errors, jobs, reviews
from gateway.checking import engine_for, site_policy
from gateway.db import db
from gateway.drafts import describe_validation_error
from gateway.models import InboundMessage, Review, Site, SiteSecret
from gateway.observability import context
from gateway.schemas import ReviewRequest
from webhooks import delivery as transport
from webhooks.signing import SignatureError, verify

log = logging.getLogger("sanshen.api")
bp = Blueprint("api", __name__, url_prefix="/v1")
OPENAPI = Path(__file__).resolve().parent / "openapi.json"
SITE_HEADER = "sanshen-site"


def json_response(payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, headers=headers, mimetype="application/json")


def _raw_body() -> bytes:
    if request.method == "POST":
        mimetype = request.mimetype or ""
        if mimetype != "application/json":
            raise errors.UnsupportedMediaType()
    body = request.get_data(cache=True)
    try:
        # Signatures are computed over UTF-8 text (Standard Webhooks); anything else is not
        # a request body we could verify, let alone parse.
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.MalformedRequest("请求体不是 UTF-8 编码") from None
    return body


_ALL_SECRETS = (
    select(SiteSecret.site_id, SiteSecret.secret)
    .where(SiteSecret.active.is_(True))
    .order_by(SiteSecret.site_id, SiteSecret.created_at)
)
_SITE_SECRETS = _ALL_SECRETS.where(SiteSecret.site_id == bindparam("site"))
_STORED_ANSWER = select(InboundMessage.body_sha256, InboundMessage.status_code, InboundMessage.response).where(
    InboundMessage.site_id == bindparam("site"), InboundMessage.webhook_id == bindparam("webhook_id")
)
_INSERT_INBOUND = insert(InboundMessage.__table__)


def authenticate(session: Session, body: bytes) -> tuple[Site, str]:
    """The site whose active secret signed this raw body, and the message id.

    A CMS may name its site in the ``sanshen-site`` header so only its secrets are tried;
    otherwise every site's active secrets are (small deployments).
    """
    hint = request.headers.get(SITE_HEADER)
    connection = session.connection()
    rows = connection.execute(_SITE_SECRETS, {"site": hint}) if hint else connection.execute(_ALL_SECRETS)
    secrets_by_site: dict[str, list[str]] = {}
    for site_id, secret in rows:
        secrets_by_site.setdefault(site_id, []).append(secret)
    if hint and not secrets_by_site and session.get(Site, hint) is None:
        raise errors.UnknownSite()
    headers = dict(request.headers)
    for site_id, secrets in secrets_by_site.items():
        try:
            msg_id = verify(secrets, headers, body)
        except SignatureError:
            continue
        site = session.get(Site, site_id)
        if site is None:  # deleted since the secrets were read
            break
        context.bind(site=site_id)
        return site, msg_id
    raise errors.InvalidSignature()


def parse_request(body: bytes, site: Site) -> ReviewRequest:
    try:
        # Decode first: json.loads on bytes guesses UTF-16/32 from leading NUL bytes.
        payload = json.loads(body.decode("utf-8"))
    except json.JSONDecodeError as exc:
        raise errors.MalformedRequest(f"请求体不是合法的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）") from None
    except RecursionError:
        raise errors.MalformedRequest("请求体 JSON 嵌套过深") from None
    where = _unstorable_path(payload)
    if where is not None:
        # JSON may escape them, but no document text holds U+0000 or a lone surrogate, and
        # neither can be stored (PostgreSQL text, UTF-8).
        raise errors.ValidationFailed(f"{where}: contains a NUL character or a lone surrogate")
    try:
        parsed = ReviewRequest.model_validate(payload)
    except ValidationError as exc:
        raise errors.ValidationFailed(describe_validation_error(exc)) from None
    if parsed.site != site.id:
        raise errors.InvalidSignature("签名与请求中的站点不符")
    if parsed.callback_url:
        try:
            transport.check_destination(parsed.callback_url, site.callback_hosts or [], allow_private=site.intranet)
        except transport.UnsafeDestination as exc:
            raise errors.ValidationFailed(f"callback_url: {exc}") from None
    return parsed


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable_path(value: Any, path: str = "") -> str | None:
    """Dotted path of the first string (or key) holding U+0000 or a lone surrogate."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return where or "body"
        elif isinstance(item, dict):
            for key, child in item.items():
                if _UNSTORABLE.search(key):
                    return where or "body"
                stack.append((child, f"{where}.{key}" if where else key))
        elif isinstance(item, list):
            stack.extend((child, f"{where}.{i}") for i, child in enumerate(item))
    return None


def _stored_answer(session: Session, site_id: str, msg_id: str, digest: str) -> Response | None:
    """Idempotency: the answer already given for this webhook-id, 409 for another body."""
    existing = session.connection().execute(_STORED_ANSWER, {"site": site_id, "webhook_id": msg_id}).one_or_none()
    if existing is None:
        return None
    body_sha256, status_code, response = existing
    if body_sha256 != digest:
        raise errors.Conflict("webhook-id 已用于内容不同的请求")
    return json_response(response or {}, status_code or 200, {"Idempotent-Replayed": "true"})


@bp.post("/reviews")
def create_review() -> Response:
    """Check and record a draft, idempotently per webhook-id.

    The answer is stored in the same transaction as the review: a request that dies half
    way (database cut, process killed) leaves nothing behind, so the CMS's retry with the
    same webhook-id is processed afresh. Two identical requests racing each other both run
    the checks; the unique (site, webhook-id) row lets one commit and the other replays it.
    """
    body = _raw_body()
    app = current_app._get_current_object()
    digest = hashlib.sha256(body).hexdigest()
    try:
        with db.session() as session:
            site, msg_id = authenticate(session, body)
            site_id = site.id
            replay = _stored_answer(session, site_id, msg_id, digest)
            if replay is not None:
                return replay
            parsed = parse_request(body, site)
            status, answer = reviews.submit(session, app, site, parsed, body, digest)
            session.connection().execute(
                _INSERT_INBOUND,
                {
                    "site_id": site_id,
                    "webhook_id": msg_id,
                    "body_sha256": digest,
                    "status_code": status,
                    "response": answer,
                },
            )
            review_id, pending = answer["review_id"], status == 202
    except IntegrityError:
        with db.session() as session:
            replay = _stored_answer(session, site_id, msg_id, digest)
        if replay is None:
            raise
        return replay
    if pending:
        jobs.enqueue_review(review_id)
    log.info("review %s site=%s verdict=%s status=%s", review_id, site_id, answer["verdict"], answer["status"])
    return json_response(answer, status)


@bp.post("/check")
def check_now() -> Response:
    body = _raw_body()
    with db.session() as session:
        site, _ = authenticate(session, body)
        parsed = parse_request(body, site)
        policy = site_policy(site)
    report = engine_for(site_id=site.id).check(parsed.to_draft(), policy)
    return json_response(report.to_dict())


@bp.get("/reviews/<review_id>")
def get_review(review_id: str) -> Response:
    body = _raw_body()
    with db.session() as session:
        site, _ = authenticate(session, body)
        review = session.get(Review, review_id)
        if review is None or review.site_id != site.id:
            raise errors.NotFound("审核记录不存在")
        return json_response(reviews.review_response(review))


@bp.get("/openapi.json")
def openapi() -> Response:
    return Response(OPENAPI.read_bytes(), mimetype="application/json")

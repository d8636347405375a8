"""Storage models (SQLAlchemy 2). Review state lives here; the queue only carries ids."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    """Ids are safe as RQ job ids and Standard Webhooks message ids: [A-Za-z0-9_-] only."""
    return f"{prefix}_{secrets.token_hex(10)}"


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {datetime: DateTime(timezone=True), dict[str, Any]: JSON, list[Any]: JSON}


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    policy: Mapped[dict[str, Any]] = mapped_column(default=dict)
    callback_hosts: Mapped[list[Any]] = mapped_column(default=list)
    # An intranet CMS may receive callbacks on private addresses (refused otherwise: SSRF).
    intranet: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    secrets: Mapped[list[SiteSecret]] = relationship(back_populates="site", order_by="SiteSecret.created_at")


class SiteSecret(Base):
    __tablename__ = "site_secrets"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("sec"))
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    secret: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)

    site: Mapped[Site] = relationship(back_populates="secrets")


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("site_id", "cms_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("doc"))
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    cms_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Revision(Base):
    __tablename__ = "revisions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("rev"))
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    revision: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text, default="")
    # The whole signed request body: the worker rebuilds the draft from it (jobs carry ids).
    request_body: Mapped[bytes] = mapped_column(LargeBinary)
    body_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_site_status", "site_id", "status"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("rv"))
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    revision_id: Mapped[str] = mapped_column(ForeignKey("revisions.id"))
    # pending → in_review → approved | rejected; passed; superseded
    status: Mapped[str] = mapped_column(String(20), index=True)
    verdict: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str | None] = mapped_column(String(20), default=None)
    stage_index: Mapped[int] = mapped_column(Integer, default=0)
    lexicon_version: Mapped[str] = mapped_column(String(80))
    checked_ms: Mapped[float] = mapped_column(Float, default=0.0)
    pending_checks: Mapped[list[Any]] = mapped_column(default=list)
    annotated_html: Mapped[str] = mapped_column(Text, default="")
    callback_url: Mapped[str | None] = mapped_column(Text, default=None)
    superseded_by: Mapped[str | None] = mapped_column(String(40), default=None)
    # A reviewer who claimed the item; others see it as taken (not two people on one item).
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    enqueued_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    findings: Mapped[list[FindingRecord]] = relationship(
        back_populates="review", order_by="FindingRecord.position", cascade="all, delete-orphan"
    )


class FindingRecord(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    finding_id: Mapped[str] = mapped_column(String(20))
    check: Mapped[str] = mapped_column(String(40), index=True)
    rule: Mapped[str] = mapped_column(String(80), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    data: Mapped[dict[str, Any]] = mapped_column()  # Finding.to_dict(); identifiers are masked
    # Reviewer's mark: confirmed | false_positive | overridden
    disposition: Mapped[str | None] = mapped_column(String(20), default=None)
    disposition_reason: Mapped[str | None] = mapped_column(Text, default=None)

    review: Mapped[Review] = relationship(back_populates="findings")


class StageAction(Base):
    __tablename__ = "stage_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))  # approve | reject | claim | override
    actor: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundMessage(Base):
    """Idempotency: one row per (site, webhook-id) with the answer we gave."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("site_id", "webhook_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    webhook_id: Mapped[str] = mapped_column(String(200))
    body_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)  # None: in progress
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class CallbackEndpoint(Base):
    """A callback URL a CMS answered with 410 Gone: nothing more is sent there."""

    __tablename__ = "callback_endpoints"
    __table_args__ = (UniqueConstraint("site_id", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    url: Mapped[str] = mapped_column(Text)
    disabled_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Delivery(Base):
    """One event for one CMS: a stable webhook-id, retried until a 2xx."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("review_id", "event", "sequence"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("msg"))
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    # Distinguishes repeated events of one kind on one review (0 for the usual single one).
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    url: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)  # the exact JSON bytes signed and sent
    # pending | delivered | failed | disabled
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    enqueued_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)

    attempt_log: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="delivery", order_by="DeliveryAttempt.id", cascade="all, delete-orphan"
    )


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(String(500), default=None)

    delivery: Mapped[Delivery] = relationship(back_populates="attempt_log")


class AuditEntry(Base):
    """Append-only, hash-chained: each row stores the hash of the one before it."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grants: Mapped[list[RoleGrant]] = relationship(back_populates="user", cascade="all, delete-orphan")


class RoleGrant(Base):
    """A role on one site: ``stage1``…``stageN`` (reviewer of that stage), ``admin``, ``auditor``."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "site_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="grants")


class LoginAttempt(Base):
    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    username: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class LexiconEntryRow(Base):
    """An admin-maintained lexicon entry layered over the shipped files (site None = all sites)."""

    __tablename__ = "lexicon_entries"
    __table_args__ = (UniqueConstraint("site_id", "term", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), default=None, index=True)
    term: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10), default="")
    suggestion: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LexiconPublication(Base):
    """A published set of overlay entries: what every process serves, and what rollback restores."""

    __tablename__ = "lexicon_publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    entries: Mapped[list[Any]] = mapped_column(default=list)

"""The tamper-evident audit log: every entry stores the hash of the previous one."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gateway.models import AuditEntry, utcnow

GENESIS = "0" * 64


def _utc_naive(moment: datetime) -> datetime:
    """SQLite hands back naive UTC, PostgreSQL aware times: hash both the same way."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _digest(entry: AuditEntry) -> str:
    canonical = json.dumps(
        {
            "id": entry.id,
            "at": _utc_naive(entry.at).isoformat(timespec="microseconds"),
            "actor": entry.actor,
            "action": entry.action,
            "subject": entry.subject,
            "details": entry.details,
            "prev": entry.prev_hash,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append(
    session: Session, actor: str, action: str, subject: str = "", details: dict[str, Any] | None = None
) -> AuditEntry:
    """Append one entry in the caller's transaction. Writers are serialised so the chain
    cannot fork: PostgreSQL by an advisory lock, SQLite by its single write lock, which the
    INSERT takes before we read the previous hash."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7316)"))
    entry = AuditEntry(
        at=utcnow(),
        actor=actor,
        action=action,
        subject=subject,
        details=details or {},
        prev_hash="",
        hash="",
    )
    session.add(entry)
    session.flush()
    previous = session.execute(
        select(AuditEntry.hash).where(AuditEntry.id < entry.id).order_by(AuditEntry.id.desc()).limit(1)
    ).scalar()
    entry.prev_hash = previous or GENESIS
    entry.hash = _digest(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class AuditProblem:
    entry_id: int
    problem: str  # "edited", "inserted or reordered", "deleted before"


def verify(session: Session) -> list[AuditProblem]:
    """Walk the chain; report each entry whose content or link does not check out."""
    problems: list[AuditProblem] = []
    previous_hash = GENESIS
    previous_id = 0
    for entry in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars():
        if entry.prev_hash != previous_hash:
            kind = "deleted before" if entry.id != previous_id + 1 else "inserted or reordered"
            problems.append(AuditProblem(entry.id, kind))
        if _digest(entry) != entry.hash:
            problems.append(AuditProblem(entry.id, "edited"))
        previous_hash = entry.hash
        previous_id = entry.id
    return problems

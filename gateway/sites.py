"""Site administration used by the CLI (and later the web UI): sites, secrets, deliveries."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import select

from checks.policy import Policy
from gateway import audit
from gateway.db import db
from gateway.models import Delivery, Site, SiteSecret, utcnow
from webhooks.signing import new_secret

SITE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DEMO_SITE = "demo"


class SiteError(Exception):
    """A site command cannot be carried out; the message says why."""


def add_site(
    app: Flask,
    site_id: str,
    name: str = "",
    callback_hosts: list[str] | None = None,
    intranet: bool = False,
    policy: dict[str, Any] | None = None,
    actor: str = "cli",
) -> str:
    if not SITE_ID.match(site_id):
        raise SiteError("site id must be lower-case letters, digits, - or _ (max 64)")
    Policy.from_dict(policy or {})  # reject unknown keys before storing
    secret = new_secret()
    with app.app_context(), db.session() as session:
        if session.get(Site, site_id) is not None:
            raise SiteError(f"site {site_id} already exists")
        session.add(
            Site(id=site_id, name=name, callback_hosts=callback_hosts or [], intranet=intranet, policy=policy or {})
        )
        session.flush()
        session.add(SiteSecret(site_id=site_id, secret=secret))
        audit.append(
            session, actor, "site.add", site_id, {"callback_hosts": callback_hosts or [], "intranet": intranet}
        )
    return secret


def ensure_demo_site(app: Flask) -> str:
    """On an empty installation, a ``demo`` site so `make run` works out of the box."""
    with app.app_context(), db.session() as session:
        if session.execute(select(Site.id).limit(1)).first() is not None:
            return session.execute(select(Site.id).order_by(Site.created_at).limit(1)).scalar_one()
    secret = add_site(app, DEMO_SITE, "演示站点", ["127.0.0.1", "localhost"], intranet=True, actor="serve")
    print(f"created site '{DEMO_SITE}' with secret {secret}")
    return DEMO_SITE


def rotate_secret(app: Flask, site_id: str, retire_old: bool, actor: str = "cli") -> str:
    secret = new_secret()
    with app.app_context(), db.session() as session:
        site = session.get(Site, site_id)
        if site is None:
            raise SiteError(f"no site {site_id}")
        if retire_old:
            for old in site.secrets:
                if old.active:
                    old.active, old.retired_at = False, utcnow()
        session.add(SiteSecret(site_id=site_id, secret=secret))
        audit.append(session, actor, "site.secret_rotate", site_id, {"retired_old": retire_old})
    return secret


def list_sites(app: Flask) -> list[dict[str, Any]]:
    with app.app_context(), db.session() as session:
        return [
            {
                "id": s.id,
                "name": s.name,
                "intranet": s.intranet,
                "callback_hosts": list(s.callback_hosts or []),
                "active_secrets": sum(1 for x in s.secrets if x.active),
            }
            for s in session.execute(select(Site).order_by(Site.id)).scalars()
        ]


def list_deliveries(app: Flask, status: str | None, limit: int) -> list[tuple[Any, ...]]:
    with app.app_context(), db.session() as session:
        query = select(Delivery).order_by(Delivery.created_at.desc()).limit(limit)
        if status:
            query = query.where(Delivery.status == status)
        rows = []
        for d in session.execute(query).scalars():
            last = d.attempt_log[-1] if d.attempt_log else None
            rows.append(
                (
                    d.id,
                    d.event,
                    d.review_id,
                    d.status,
                    d.attempts,
                    last.status_code if last else "",
                    (last.error or "") if last else "",
                    d.next_attempt_at.isoformat(timespec="seconds") if d.next_attempt_at else "",
                )
            )
        return rows


def retry_deliveries(app: Flask, delivery_ids: list[str], all_failed: bool, actor: str = "cli") -> int:
    from gateway.jobs import enqueue_delivery

    with app.app_context():
        with db.session() as session:
            query = select(Delivery).where(Delivery.status.in_(("failed", "disabled")))
            if not all_failed:
                query = query.where(Delivery.id.in_(delivery_ids))
            chosen = list(session.execute(query).scalars())
            for d in chosen:
                d.status, d.next_attempt_at, d.claimed_until = "pending", utcnow(), None
            if chosen:
                audit.append(session, actor, "delivery.retry", ",".join(d.id for d in chosen))
            ids = [d.id for d in chosen]
        for delivery_id in ids:
            enqueue_delivery(delivery_id)
    return len(ids)

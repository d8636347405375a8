"""The auditor's page: the hash-chained audit log, filtered, with CSV export."""

from __future__ import annotations

import csv
import io

from flask import Response, abort, g, render_template, request
from sqlalchemy import select

from gateway import audit
from gateway.auth import login_required, roles_by_site
from gateway.db import db
from gateway.models import AuditEntry
from gateway.web import bp


def _may_audit() -> bool:
    return any({"auditor", "admin"} & roles for roles in roles_by_site(g.user).values())


def _entries(args) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(2000)
    if args.get("actor"):
        query = query.where(AuditEntry.actor == args["actor"])
    if args.get("action"):
        query = query.where(AuditEntry.action.startswith(args["action"]))
    if args.get("subject"):
        query = query.where(AuditEntry.subject == args["subject"])
    with db.session() as s:
        return list(s.execute(query).scalars())


@bp.get("/audit")
@login_required
def audit_log():
    if not _may_audit():
        abort(403)
    with db.session() as s:
        problems = audit.verify(s)
    return render_template("audit.html", entries=_entries(request.args), problems=problems, filters=request.args)


@bp.get("/audit.csv")
@login_required
def audit_csv() -> Response:
    if not _may_audit():
        abort(403)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "at", "actor", "action", "subject", "details", "prev_hash", "hash"])
    for e in _entries(request.args):
        writer.writerow([e.id, e.at.isoformat(), e.actor, e.action, e.subject, e.details, e.prev_hash, e.hash])
    return Response(
        "\ufeff" + buffer.getvalue(),  # BOM so Excel reads the Chinese correctly
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit.csv"},
    )

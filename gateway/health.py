"""Liveness and readiness for load balancers and orchestration."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import text

from gateway.api import json_response
from gateway.checking import engine_for
from gateway.db import db
from gateway.queue import job_queue

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return json_response({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    """Ready when the database answers, Redis answers and the lexicon is loaded."""
    state: dict[str, str] = {}
    try:
        with db.session() as session:
            session.execute(text("SELECT 1"))
        state["database"] = "ok"
    except Exception as exc:
        state["database"] = type(exc).__name__
    state["redis"] = "ok" if job_queue.ping() else "unavailable"
    try:
        state["lexicon"] = engine_for().lexicon_version
    except Exception as exc:
        state["lexicon"] = type(exc).__name__
    ready = state["database"] == "ok" and state["redis"] == "ok" and state["lexicon"].startswith("sha256:")
    return json_response({"status": "ready" if ready else "not_ready", **state}, 200 if ready else 503)

"""Which request, review, site and job the current code runs for: ids only, never content.

Logs and Sentry events read these fields. In the gateway a request starts a fresh set; in
the worker the set follows the RQ job being performed. Stored rows add what they know (a new
review binds its id and site) so nobody has to pass ids down to the log calls.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from rq import get_current_job

# Only these keys ever reach a log line or a Sentry tag from the context.
FIELDS = ("request_id", "site", "review_id", "delivery_id", "job_id", "job")

_current: ContextVar[dict[str, str] | None] = ContextVar("sanshen_log_context", default=None)

# RQ functions whose single argument is the id of a review or a delivery.
_JOB_ID_FIELD = {"gateway.jobs.complete_review": "review_id", "gateway.jobs.deliver": "delivery_id"}


def start(**fields: str) -> None:
    """Begin a fresh context (a request); earlier fields of this thread are forgotten."""
    _current.set({k: v for k, v in fields.items() if v})


def clear() -> None:
    _current.set(None)


def _job_fields() -> dict[str, str] | None:
    job = get_current_job()
    if job is None:
        return None
    fields = {"job_id": job.id, "job": job.func_name or ""}
    key = _JOB_ID_FIELD.get(job.func_name or "")
    args = job.args or ()
    if key and args and isinstance(args[0], str):
        fields[key] = args[0]
    return fields


def current() -> dict[str, str]:
    """The fields of the running request or job (a fresh set per RQ job)."""
    data = _current.get()
    job = _job_fields()
    if job is not None and (data is None or data.get("job_id") != job["job_id"]):
        data = job
        _current.set(data)
    elif job is None and data is not None and "job_id" in data:
        # The job ended (a SimpleWorker runs the next one in the same thread).
        data = None
        _current.set(None)
    return dict(data) if data else {}


def bind(**fields: Any) -> None:
    """Add fields the context does not have yet (the first review of a request wins)."""
    current()  # a job context is created lazily
    data = _current.get()
    if data is None:
        return
    for key, value in fields.items():
        if key in FIELDS and value and key not in data:
            data[key] = str(value)

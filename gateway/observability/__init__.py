"""Operations: structured logs, Prometheus metrics and scrubbed Sentry reports.

``init_app(app)`` is the one call in ``create_app``; ``init_worker(app)`` and
``prepare_serve(app)`` are the ones in ``sanshen worker`` and ``sanshen serve``. Nothing here
ever logs, counts or reports document text: ids, site names, check names and rule codes only.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request

from checks import engine as check_engine
from gateway.observability import context, metrics, records, sentry
from gateway.observability.logs import gunicorn_logconfig, setup_logging
from gateway.observability.scrub import mask, strip_exception_values

__all__ = ["init_app", "init_worker", "prepare_serve", "setup_logging", "worker_class"]

access_log = logging.getLogger("sanshen.access")
# Probes and scrapes arrive every few seconds; at INFO they would drown the log.
QUIET_PATHS = ("/healthz", "/readyz", "/metrics")
_STARTED = "_sanshen_started"


def _observe_check(name: str, seconds: float, error: BaseException | None) -> None:
    metrics.observe_check(name, seconds, error)
    if error is not None:
        sentry.report_check_error(name, error)


def init_app(app: Flask) -> None:
    """Wire logs context, access log, metrics and Sentry into an application."""
    records.install()
    check_engine.add_observer(_observe_check)
    sentry.init(app.config)

    app.before_request(_before)
    app.after_request(_after)
    app.teardown_request(_teardown)
    if app.config.get("METRICS_ENABLED", True):
        app.add_url_rule("/metrics", "metrics", _metrics_view, methods=["GET"])


def _before() -> None:
    setattr(g, _STARTED, time.perf_counter())
    context.start(request_id=g.get("request_id", ""))


def _endpoint() -> str:
    # The route pattern, never the raw path: label values must stay few and content-free.
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def _after(response: Response) -> Response:
    started = g.get(_STARTED)
    seconds = time.perf_counter() - started if started is not None else 0.0
    endpoint = _endpoint()
    try:
        metrics.observe_request(endpoint, request.method, response.status_code, seconds)
    except Exception as exc:
        access_log.warning("request metrics failed: %s", type(exc).__name__)
    if "request_id" not in context.current() and g.get("request_id"):
        context.bind(request_id=g.request_id)
    access_log.log(
        logging.DEBUG if request.path in QUIET_PATHS else logging.INFO,
        "%s %s %s",
        request.method,
        endpoint,
        response.status_code,
        extra={
            "method": request.method,
            "path": mask(request.path[:200]),
            "endpoint": endpoint,
            "status": response.status_code,
            "ms": round(seconds * 1000, 2),
        },
    )
    return response


def _teardown(_exc: BaseException | None) -> None:
    try:
        sentry.flush_request_errors()
    finally:
        context.clear()


def _metrics_view() -> Response:
    body, content_type = metrics.render(current_app._get_current_object())
    return Response(body, mimetype=None, content_type=content_type)


def init_worker(app: Flask) -> None:
    """``sanshen worker``: JSON logs (RQ's own lines included) and, if configured, /metrics.

    Sentry (with the RQ integration) is already on: the worker's app went through init_app.
    """
    setup_logging(app.config.get("LOG_LEVEL", "INFO"), app.config.get("LOG_FORMAT", "json"))
    bind = app.config.get("WORKER_METRICS_BIND") or ""
    if bind:
        # Jobs run in forked work horses: their counts must go to files to be seen.
        metrics.use_multiprocess(metrics.directory(Path(app.instance_path) / "prometheus-worker"))
        metrics.serve_worker_metrics(bind, app)


def prepare_serve(app: Flask) -> dict[str, Any]:
    """``sanshen serve``: logging, a clean multiprocess metrics folder, and gunicorn settings
    (our log format for gunicorn's own lines, dead workers removed from the metrics)."""
    level, kind = app.config.get("LOG_LEVEL", "INFO"), app.config.get("LOG_FORMAT", "json")
    setup_logging(level, kind)
    metrics.use_multiprocess(metrics.directory(Path(app.instance_path) / "prometheus"))
    return {"logconfig_dict": gunicorn_logconfig(level, kind), "child_exit": child_exit}


def child_exit(_server: Any, worker: Any) -> None:
    """gunicorn hook: a worker died; its live gauges must not be summed any more."""
    metrics.mark_process_dead(worker.pid)


def worker_class(base: type) -> type:
    """``base`` (an RQ worker class) storing failures without exception messages.

    RQ keeps each failed job's traceback in Redis (FailedJobRegistry, results) and shows it in
    dashboards; an exception message may quote the draft, so only types and frames are kept.
    """

    class ScrubbingWorker(base):
        def handle_job_failure(self, job, queue, started_job_registry=None, exc_string="", execution=None):
            return super().handle_job_failure(
                job,
                queue,
                started_job_registry,
                exc_string=mask(strip_exception_values(exc_string)),
                execution=execution,
            )

    ScrubbingWorker.__name__ = f"Scrubbing{base.__name__}"
    return ScrubbingWorker

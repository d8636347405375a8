"""Prometheus metrics.

Counters and histograms are updated where things happen (requests, check runs, stored
verdicts, callback attempts). Under gunicorn every worker process writes its values to files
in ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode) and a scrape of any
worker adds them up; a single process keeps them in a private registry. What is shared by the
whole deployment — queue depth, failed jobs, pending work, callback deliveries by status — is
read from Redis and the database at scrape time, so every gateway reports the same truth.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger("sanshen.metrics")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Seconds. Checks take microseconds to a few seconds (NER, attachments), requests up to a
# minute (20 MB bodies); the default buckets stop at 10 s and start too coarse.
CHECK_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
RQ_STATES = ("started", "scheduled", "deferred", "failed")

_lock = threading.Lock()
_metrics: _Metrics | None = None


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


class _Metrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        # Multiprocess mode: values live in files, read by MultiProcessCollector at scrape.
        self.registry = None if multiprocess() else CollectorRegistry(auto_describe=True)
        if self.registry is not None:
            from prometheus_client import PLATFORM_COLLECTOR, PROCESS_COLLECTOR

            self.registry.register(PROCESS_COLLECTOR)
            self.registry.register(PLATFORM_COLLECTOR)
        kw: dict[str, Any] = {"registry": self.registry}
        self.requests = Counter(
            "sanshen_http_requests",
            "HTTP requests by endpoint, method and status.",
            ["endpoint", "method", "status"],
            **kw,
        )
        self.request_seconds = Histogram(
            "sanshen_http_request_duration_seconds",
            "Time to answer an HTTP request, by endpoint.",
            ["endpoint"],
            buckets=REQUEST_BUCKETS,
            **kw,
        )
        self.check_seconds = Histogram(
            "sanshen_check_duration_seconds",
            "Run time of one check on one draft.",
            ["check"],
            buckets=CHECK_BUCKETS,
            **kw,
        )
        self.check_errors = Counter(
            "sanshen_check_errors", "Checks that raised (the draft got an engine.error finding).", ["check"], **kw
        )
        self.verdicts = Counter("sanshen_verdicts", "Settled reviews by site and verdict.", ["site", "verdict"], **kw)
        self.findings = Counter(
            "sanshen_findings",
            "Findings of settled reviews by site, check and severity.",
            ["site", "check", "severity"],
            **kw,
        )
        self.callback_attempts = Counter(
            "sanshen_callback_attempts", "Callback delivery attempts by site and outcome.", ["site", "outcome"], **kw
        )
        self.callback_failures = Counter(
            "sanshen_callback_delivery_failures",
            "Callback attempts that did not get a 2xx, by site and reason.",
            ["site", "reason"],
            **kw,
        )
        self.callback_exhausted = Counter(
            "sanshen_callback_deliveries_exhausted", "Deliveries that ran out of retries.", ["site"], **kw
        )


def get() -> _Metrics:
    """The process's metric objects, created on first use (after the mode is decided)."""
    global _metrics
    if _metrics is None:
        with _lock:
            if _metrics is None:
                _metrics = _Metrics()
    return _metrics


def directory(default: Path) -> Path:
    """``PROMETHEUS_MULTIPROC_DIR`` when the deployment names one (per container), else ``default``."""
    configured = os.environ.get(MULTIPROC_ENV)
    return Path(configured) if configured else default


def use_multiprocess(directory: Path, *, clean: bool = True) -> Path:
    """Switch this process (and the processes it forks) to multiprocess mode in ``directory``.

    Called before gunicorn forks; ``clean`` removes the files of a previous run, whose
    counters would otherwise be added to this run's.
    """
    global _metrics
    directory = Path(directory)
    if clean and directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(directory)
    from prometheus_client import values

    # prometheus-client picks its value class when it is first imported; pick again.
    values.ValueClass = values.get_value_class()
    with _lock:
        _metrics = None
    return directory


def mark_process_dead(pid: int) -> None:
    """gunicorn ``child_exit``: forget a dead worker's live gauges (counters stay summed)."""
    if multiprocess():
        from prometheus_client import multiprocess as mp

        mp.mark_process_dead(pid)


# --- recording ----------------------------------------------------------------------------


def observe_check(name: str, seconds: float, error: BaseException | None) -> None:
    metrics = get()
    if error is not None:
        metrics.check_errors.labels(name).inc()
    else:
        metrics.check_seconds.labels(name).observe(seconds)


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    metrics = get()
    metrics.requests.labels(endpoint, method, str(status)).inc()
    metrics.request_seconds.labels(endpoint).observe(seconds)


def observe_settled(site: str, verdict: str, findings: Iterable[tuple[str, str]]) -> None:
    metrics = get()
    metrics.verdicts.labels(site, verdict).inc()
    for check, severity in findings:
        metrics.findings.labels(site, check, severity).inc()


def observe_callback(site: str, status_code: int | None, error: str | None) -> None:
    metrics = get()
    delivered = status_code is not None and 200 <= status_code < 300
    metrics.callback_attempts.labels(site, "delivered" if delivered else "failed").inc()
    if not delivered:
        if status_code is None:
            reason = "refused" if (error or "").startswith("refused") else "connection"
        else:
            reason = f"http_{status_code // 100}xx"
        metrics.callback_failures.labels(site, reason).inc()


def observe_exhausted(site: str) -> None:
    get().callback_exhausted.labels(site).inc()


# --- scrape ------------------------------------------------------------------------------


class DeploymentCollector:
    """Read at scrape time: the lexicon this process serves, the queue, pending work."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily

        try:
            from gateway.checking import engine_for

            state = engine_for(self.app).state
            info = InfoMetricFamily("sanshen_lexicon", "Lexicon version served by this process.")
            info.add_metric([], {"version": state.version})
            yield info
            yield GaugeMetricFamily(
                "sanshen_lexicon_build_seconds",
                "Time the current lexicon automaton took to build.",
                value=state.build_seconds,
            )
        except Exception as exc:
            log.warning("lexicon metrics unavailable: %s", type(exc).__name__)
        yield from self._queue()
        yield from self._database()

    def _queue(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        from gateway.queue import job_queue

        up = GaugeMetricFamily("sanshen_redis_up", "1 when Redis answered this scrape.")
        jobs = GaugeMetricFamily("sanshen_queue_jobs", "RQ jobs by state (queued = depth).", labels=["queue", "state"])
        try:
            queue = job_queue.queue()
            jobs.add_metric([queue.name, "queued"], queue.count)
            registries = {
                "started": queue.started_job_registry,
                "scheduled": queue.scheduled_job_registry,
                "deferred": queue.deferred_job_registry,
                "failed": queue.failed_job_registry,
            }
            for state in RQ_STATES:
                jobs.add_metric([queue.name, state], registries[state].get_job_count(cleanup=False))
            up.add_metric([], 1)
            yield jobs
        except Exception as exc:
            log.warning("queue metrics unavailable: %s", type(exc).__name__)
            up.add_metric([], 0)
        yield up

    def _database(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily
        from sqlalchemy import func, select

        from gateway.db import db
        from gateway.models import Delivery, Review

        up = GaugeMetricFamily("sanshen_database_up", "1 when the database answered this scrape.")
        try:
            with db.session() as session:
                pending = session.execute(
                    select(func.count()).select_from(Review).where(Review.status == "pending")
                ).scalar_one()
                deliveries = dict(
                    session.execute(
                        select(Delivery.status, func.count())
                        .where(Delivery.status.in_(("pending", "failed", "disabled")))
                        .group_by(Delivery.status)
                    ).all()
                )
            yield GaugeMetricFamily(
                "sanshen_reviews_pending", "Reviews waiting for slow checks (worker).", value=pending
            )
            family = GaugeMetricFamily(
                "sanshen_callback_deliveries",
                "Callback deliveries not delivered, by status (failed = retries exhausted).",
                labels=["status"],
            )
            for status in ("pending", "failed", "disabled"):
                family.add_metric([status], deliveries.get(status, 0))
            yield family
            up.add_metric([], 1)
        except Exception as exc:
            log.warning("database metrics unavailable: %s", type(exc).__name__)
            up.add_metric([], 0)
        yield up


class _Combined:
    def __init__(self, collectors: Iterable[Any]) -> None:
        self.collectors = list(collectors)

    def collect(self) -> Iterator[Any]:
        for collector in self.collectors:
            yield from collector.collect()


def render(app: Any | None = None) -> tuple[bytes, str]:
    """The exposition text of this process (or all gunicorn workers) plus deployment gauges."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    metrics = get()
    collectors: list[Any] = []
    if metrics.registry is None:
        from prometheus_client import multiprocess as mp

        files = CollectorRegistry()
        mp.MultiProcessCollector(files)
        collectors.append(files)
    else:
        collectors.append(metrics.registry)
    if app is not None:
        collectors.append(DeploymentCollector(app))
    return generate_latest(_Combined(collectors)), CONTENT_TYPE_LATEST  # type: ignore[arg-type]


def serve_worker_metrics(bind: str, app: Any) -> None:
    """A tiny /metrics server for ``sanshen worker`` (its jobs run in forked work horses)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    host, _, port = bind.rpartition(":")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with app.app_context():
                body, content_type = render(app)
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((host or "127.0.0.1", int(port)), Handler)
    threading.Thread(target=server.serve_forever, name="sanshen-metrics", daemon=True).start()
    log.info("worker metrics on http://%s/metrics", bind)

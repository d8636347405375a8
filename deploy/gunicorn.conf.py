"""gunicorn settings for the gateway:

    gunicorn -c deploy/gunicorn.conf.py 'gateway:create_app()'

Importing this file has no side effects (tests import it); the hooks below act only in a
running gunicorn master. Every value can be overridden through the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# SANSHEN_SERVE_* are the same variables `sanshen serve` reads (gateway/defaults.py).
bind = os.environ.get("SANSHEN_SERVE_BIND", "127.0.0.1:8700")
# One process per core, one thread each: checks are CPU-bound and threads of one process
# contend for the GIL (see SERVE_THREADS in gateway/defaults.py). Raise the threads when the
# database is on another host and requests spend time waiting on it.
workers = _int("SANSHEN_SERVE_WORKERS", 2)
threads = _int("SANSHEN_SERVE_THREADS", 1)
# With one thread, the sync worker: it accepts a connection only when it is free, so waiting
# requests stay in the shared listen queue for whichever process frees up first. A one-thread
# gthread worker keeps accepting while busy and queues requests behind itself.
worker_class = "sync" if threads == 1 else "gthread"
# Load the app (and the lexicon automaton, see when_ready) once in the master; workers
# share its memory copy-on-write instead of each building it.
preload_app = True
# A 20 MB draft with attachments is checked in well under this; anything longer is stuck.
timeout = _int("SANSHEN_GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
# gthread only (the sync worker closes every connection): behind nginx or a load balancer
# that reuses connections (its keepalive_timeout is longer).
keepalive = 75
# Recycle workers now and then (fragmentation); jitter so they do not restart together.
max_requests = _int("SANSHEN_GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = 2000
# Only the proxy may set X-Forwarded-* (comma-separated addresses, "*" for any).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The application writes one JSON access line per request (with its request id and no query
# strings); gunicorn's own access log would duplicate it with the raw query.
accesslog = None
_level = os.environ.get("SANSHEN_LOG_LEVEL", "INFO")
_kind = os.environ.get("SANSHEN_LOG_FORMAT", "json")
logconfig_dict: dict[str, Any] = {}
try:
    from gateway.observability.logs import gunicorn_logconfig

    logconfig_dict = gunicorn_logconfig(_level, _kind)
except ImportError:  # the config is read before the package is importable (odd installs)
    pass


def _metrics_dir() -> Path:
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if configured:
        return Path(configured)
    instance = os.environ.get("SANSHEN_INSTANCE_PATH", "instance")
    return Path(instance).resolve() / "prometheus"


def on_starting(server: Any) -> None:
    """Master, before any worker: a clean multiprocess metrics folder for this run."""
    from gateway.observability import metrics

    metrics.use_multiprocess(_metrics_dir())


def when_ready(server: Any) -> None:
    """Master, app loaded: build the lexicon automaton once, before the workers fork, and
    keep it out of the garbage collector's walks (see ``sanshen serve``)."""
    import gc

    from gateway.checking import engine_for

    engine_for(server.app.wsgi())
    gc.freeze()


def child_exit(server: Any, worker: Any) -> None:
    from gateway.observability import metrics

    metrics.mark_process_dead(worker.pid)

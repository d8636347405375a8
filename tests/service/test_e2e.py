"""End to end over real HTTP on loopback: a CMS stand-in signs drafts, the gateway answers,
the worker finishes, and the CMS verifies the callback's signature with hmac alone."""

from __future__ import annotations

import base64
import threading
import uuid

import pytest
import requests
from werkzeug.serving import make_server

from tests.conftest import dumps, review_body, run_worker


@pytest.fixture
def server(app):
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()


def test_when_cms_posts_over_http_then_verdict_and_signed_callback_arrive(app, server, site, signed, cms) -> None:
    site_id, secret = site
    text = "联系人王秀英，电话13912345678。希望再接再励。"
    payload = {
        **review_body(body_html="<p>请认真落实。</p>"),
        "callback_url": cms.url,
    }
    payload["document"]["attachments"] = [
        {"name": "名单.txt", "content_type": "text/plain", "content_base64": base64.b64encode(text.encode()).decode()}
    ]
    body = dumps(payload)
    msg_id = f"msg_{uuid.uuid4().hex}"
    answer = requests.post(f"{server}/v1/reviews", data=body, headers=signed(secret, body, msg_id), timeout=10)
    assert answer.status_code == 202
    review_id = answer.json()["review_id"]
    replay = requests.post(f"{server}/v1/reviews", data=body, headers=signed(secret, body, msg_id), timeout=10)
    assert replay.status_code == 202 and replay.json()["review_id"] == review_id

    run_worker(app, lambda: len(cms.received) >= 1)
    [callback] = cms.received
    assert callback["verified"], "signature must verify with the site's secret using hmac alone"
    assert callback["payload"]["type"] == "review.completed"
    final = requests.get(f"{server}/v1/reviews/{review_id}", headers=signed(secret, b""), timeout=10).json()
    assert final["status"] == "in_review"
    assert final["verdict"] in ("annotate", "block")
    dumped = str(final)
    assert "13912345678" not in dumped  # identifiers are masked in what we return
    assert site_id == callback["payload"]["data"]["site"]

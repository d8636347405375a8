from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from gateway import jobs
from gateway.db import db
from gateway.models import InboundMessage, Review, utcnow
from tests.conftest import dumps, review_body


def post(client, signed, secret, payload, *, path="/v1/reviews", msg_id=None, headers=None, raw=None):
    body = raw if raw is not None else dumps(payload)
    all_headers = {**signed(secret, body, msg_id), **(headers or {})}
    return client.post(path, data=body, headers=all_headers)


@pytest.mark.parametrize(
    ("body_html", "verdict", "status", "stage"),
    [
        ("<p>请各单位认真落实。</p>", "pass", "passed", None),
        ("<p>希望大家再接再励。</p>", "annotate", "in_review", "初审"),
        ("<p>宣扬法轮功。</p>", "block", "in_review", "初审"),
    ],
)
def test_when_signed_draft_is_posted_then_verdict_and_stage_follow_findings(
    client, site, signed, body_html, verdict, status, stage
) -> None:
    _site_id, secret = site
    response = post(client, signed, secret, review_body(body_html=body_html))
    assert response.status_code == 200, response.json
    answer = response.json
    assert (answer["verdict"], answer["status"], answer["stage"]) == (verdict, status, stage)
    assert answer["review_id"].startswith("rv_")
    assert answer["lexicon_version"].startswith("sha256:")


def test_when_draft_has_a_typo_then_answer_carries_finding_and_marks(client, site, signed) -> None:
    _, secret = site
    answer = post(client, signed, secret, review_body(body_html="<p>希望大家再接<b>再励</b>。</p>")).json
    [finding] = [f for f in answer["findings"] if f["rule"] == "typo.confusion"]
    assert (finding["text"], finding["suggestion"], finding["field"]) == ("再接再励", "再接再厉", "body")
    assert answer["annotated_html"] == (
        f'<p>希望大家<mark data-finding="{finding["id"]}">再接</mark><b>'
        f'<mark data-finding="{finding["id"]}">再励</mark></b>。</p>'
    )


def test_when_same_webhook_id_and_body_repeat_then_stored_answer_is_replayed(client, site, signed, app) -> None:
    _, secret = site
    payload = review_body(body_html="<p>希望大家再接再励。</p>")
    first = post(client, signed, secret, payload, msg_id="msg_same")
    second = post(client, signed, secret, payload, msg_id="msg_same")
    assert second.status_code == first.status_code == 200
    assert second.json == first.json
    assert second.headers["Idempotent-Replayed"] == "true"
    with app.app_context(), db.session() as session:
        assert session.query(Review).count() == 1


def test_when_an_idempotency_record_outlives_its_ttl_then_the_sweeper_purges_only_it(client, site, signed, app) -> None:
    _, secret = site
    payload = review_body(body_html="<p>希望大家再接再励。</p>")
    old = post(client, signed, secret, payload, msg_id="msg_old")
    post(client, signed, secret, review_body(), msg_id="msg_recent")
    ttl = app.config["IDEMPOTENCY_TTL_SECONDS"]
    with app.app_context(), db.session() as session:
        session.execute(
            update(InboundMessage)
            .where(InboundMessage.webhook_id == "msg_old")
            .values(created_at=utcnow() - timedelta(seconds=ttl + 60))
        )
    assert jobs.purge_idempotency_records(app) == 1
    assert jobs.purge_idempotency_records(app) == 0
    with app.app_context(), db.session() as session:
        assert session.query(InboundMessage.webhook_id).all() == [("msg_recent",)]
        assert session.query(Review).count() == 2  # reviews are kept
    recent = post(client, signed, secret, review_body(), msg_id="msg_recent")
    assert recent.headers["Idempotent-Replayed"] == "true"
    again = post(client, signed, secret, payload, msg_id="msg_old")  # a late retry: checked afresh
    assert again.status_code == 200 and "Idempotent-Replayed" not in again.headers
    assert again.json["review_id"] != old.json["review_id"]


def test_when_webhook_id_is_reused_with_another_body_then_409(client, site, signed) -> None:
    _, secret = site
    post(client, signed, secret, review_body(), msg_id="msg_reused")
    response = post(client, signed, secret, review_body(title="另一个标题"), msg_id="msg_reused")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"


def test_when_a_bad_request_is_corrected_then_the_same_webhook_id_can_be_used(client, site, signed) -> None:
    _, secret = site
    assert post(client, signed, secret, None, raw=b"{", msg_id="msg_fix").status_code == 400
    assert post(client, signed, secret, review_body(), msg_id="msg_fix").status_code == 200


@pytest.mark.parametrize(
    ("raw", "status", "code", "message"),
    [
        (b"{not json", 400, "malformed_request", "第 1 行第 2 列"),
        (b"\xff\xfe{}", 400, "malformed_request", "UTF-8"),
        (b"[]", 422, "validation_failed", "Input should be a valid dictionary"),
        (dumps({"site": "qd-mzj"}), 422, "validation_failed", "document: Field required"),
        (
            dumps({"site": "qd-mzj", "document": {"title": "x"}}),
            422,
            "validation_failed",
            "document.id: Field required",
        ),
        (dumps(review_body(id="has space")), 422, "validation_failed", "document.id"),
        (dumps({**review_body(), "extra": 1}), 422, "validation_failed", "extra: Extra inputs are not permitted"),
        (
            dumps(review_body(attachments=[{"name": "a.pdf", "content_base64": "!!"}])),
            422,
            "validation_failed",
            "document.attachments.0.content_base64",
        ),
        (dumps(review_body(metadata={"disclosure": 5})), 422, "validation_failed", "document.metadata.disclosure"),
        (dumps(review_body(id="\x00")), 422, "validation_failed", "document.id: contains a NUL character"),
        (dumps(review_body(body_html="<p>a\x00b</p>")), 422, "validation_failed", "document.body_html: contains a NUL"),
        (
            dumps({**review_body(), "callback_url": "https://evil.example/x"}),
            422,
            "validation_failed",
            "callback_url: callback host is not in the site's allow-list",
        ),
        (dumps({**review_body(), "callback_url": "ftp://127.0.0.1/x"}), 422, "validation_failed", "callback_url"),
    ],
)
def test_when_body_is_bad_then_precise_4xx_json(client, site, signed, raw, status, code, message) -> None:
    _, secret = site
    response = post(client, signed, secret, None, raw=raw)
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert message in response.json["error"]["message"]


def test_when_body_names_another_site_then_401(client, site, signed, app) -> None:
    from gateway.sites import add_site

    add_site(app, "other", "", [])
    _, secret = site
    response = post(client, signed, secret, review_body(site_id="other"))
    assert response.status_code == 401


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h: {**h, "webhook-signature": "v1,AAAA"},
        lambda h: {**h, "webhook-signature": "garbage"},  # standardwebhooks raises a bare ValueError
        lambda h: {**h, "webhook-signature": "v1,"},
        lambda h: {k: v for k, v in h.items() if k != "webhook-signature"},
        lambda h: {k: v for k, v in h.items() if k != "webhook-timestamp"},
        lambda h: {**h, "webhook-timestamp": "soon"},
        lambda h: {**h, "webhook-id": "has.dot"},
        lambda h: {**h, "webhook-id": "other_id"},  # the id is part of what is signed
    ],
)
def test_when_signature_headers_are_wrong_then_401(client, site, signed, tamper) -> None:
    _, secret = site
    body = dumps(review_body())
    headers = tamper(signed(secret, body))
    response = client.post("/v1/reviews", data=body, headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_signature"


@pytest.mark.parametrize("skew", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_when_timestamp_is_outside_five_minutes_then_401(client, site, signed, skew) -> None:
    _, secret = site
    body = dumps(review_body())
    response = client.post("/v1/reviews", data=body, headers=signed(secret, body, at=datetime.now(UTC) + skew))
    assert response.status_code == 401


def test_when_body_is_changed_after_signing_then_401(client, site, signed) -> None:
    _, secret = site
    body = dumps(review_body())
    headers = signed(secret, body)
    response = client.post("/v1/reviews", data=body.replace("通知".encode(), "公告".encode()), headers=headers)
    assert response.status_code == 401


def test_when_secret_is_rotated_then_old_and_new_verify_until_retired(client, site, signed, app) -> None:
    from gateway.sites import rotate_secret

    site_id, old = site
    new = rotate_secret(app, site_id, retire_old=False)
    assert post(client, signed, old, review_body()).status_code == 200
    assert post(client, signed, new, review_body()).status_code == 200
    newest = rotate_secret(app, site_id, retire_old=True)
    assert post(client, signed, old, review_body()).status_code == 401
    assert post(client, signed, newest, review_body()).status_code == 200


def test_when_site_header_names_unknown_site_then_404(client, site, signed) -> None:
    _, secret = site
    response = post(client, signed, secret, review_body(), headers={"sanshen-site": "nope"})
    assert (response.status_code, response.json["error"]["code"]) == (404, "unknown_site")


def test_when_content_type_is_not_json_then_415(client, site, signed) -> None:
    _, secret = site
    body = dumps(review_body())
    headers = {**signed(secret, body), "content-type": "text/plain"}
    assert client.post("/v1/reviews", data=body, headers=headers).status_code == 415


def test_when_body_is_over_the_limit_then_413(client, site, signed, app) -> None:
    _, secret = site
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = post(client, signed, secret, review_body(body_html="<p>" + "字" * 5000 + "</p>"))
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_when_html_is_broken_then_it_is_still_checked(client, site, signed) -> None:
    _, secret = site
    broken = "<div>" * 10_000 + "<p>再接再励<b" + "<td>" * 50 + "&#xZZ;<!--"
    response = post(client, signed, secret, review_body(body_html=broken))
    assert response.status_code == 200
    assert response.json["verdict"] == "annotate"


def test_when_new_revision_arrives_then_open_review_is_superseded(client, site, signed) -> None:
    _, secret = site
    first = post(client, signed, secret, review_body(body_html="<p>再接再励</p>", revision="1")).json
    second = post(client, signed, secret, review_body(body_html="<p>再接再厉</p>", revision="2")).json
    headers = signed(secret, b"")
    old = client.get(f"/v1/reviews/{first['review_id']}", headers=headers).json
    assert (old["status"], old["superseded_by"]) == ("superseded", second["review_id"])


def test_when_review_is_fetched_then_only_its_own_site_sees_it(client, site, signed, app) -> None:
    from gateway.sites import add_site

    _, secret = site
    review_id = post(client, signed, secret, review_body(body_html="<p>再接再励</p>")).json["review_id"]
    own = client.get(f"/v1/reviews/{review_id}", headers=signed(secret, b""))
    assert own.status_code == 200 and own.json["verdict"] == "annotate"
    other_secret = add_site(app, "other", "", [])
    assert client.get(f"/v1/reviews/{review_id}", headers=signed(other_secret, b"")).status_code == 404
    assert client.get("/v1/reviews/rv_missing", headers=signed(secret, b"")).status_code == 404
    assert client.get(f"/v1/reviews/{review_id}").status_code == 401


def test_when_check_now_is_called_then_nothing_is_stored(client, site, signed, app) -> None:
    _, secret = site
    response = post(client, signed, secret, review_body(body_html="<p>再接再励</p>"), path="/v1/check")
    assert response.status_code == 200
    assert response.json["verdict"] == "annotate"
    with app.app_context(), db.session() as session:
        assert session.query(Review).count() == 0


def test_when_route_or_method_is_unknown_then_json_404_and_405(client) -> None:
    assert client.get("/v1/nothing").json["error"]["code"] == "not_found"
    assert "页面或稿件不存在" in client.get("/no-such-page").get_data(as_text=True)
    response = client.delete("/v1/check")
    assert (response.status_code, response.json["error"]["code"]) == (405, "method_not_allowed")


def test_when_openapi_is_fetched_then_it_is_the_valid_document_in_the_repo(client) -> None:
    from openapi_spec_validator import validate

    from gateway.api import OPENAPI

    response = client.get("/v1/openapi.json")
    assert response.json == json.loads(OPENAPI.read_text("utf-8"))
    validate(response.json)


def test_when_health_is_probed_then_liveness_and_readiness_answer(client, site) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json
    assert ready.json["database"] == "ok" and ready.json["redis"] == "ok"


def test_when_database_is_down_then_503_with_retry_after(tmp_path, signed) -> None:
    from gateway import create_app
    from tests.conftest import TEST_LEXICONS

    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "i"),
            "DATABASE_URL": "postgresql+psycopg://root@127.0.0.1:1/test?connect_timeout=1",
            "LEXICON_DIR": str(TEST_LEXICONS),
        }
    )
    body = dumps(review_body())
    response = app.test_client().post("/v1/reviews", data=body, headers=signed("whsec_" + "A" * 43 + "=", body))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json["error"]["code"] == "service_unavailable"


@pytest.mark.parametrize(
    ("raw", "status", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, 400, "嵌套过深"),
        (b'{"site":"qd-mzj","document":{"id":"x","title":"\\ud800"}}', 422, "document.title: contains a NUL"),
    ],
)
def test_when_json_is_hostile_then_4xx_not_500(client, site, signed, raw, status, message) -> None:
    _, secret = site
    response = post(client, signed, secret, None, raw=raw)
    assert response.status_code == status
    assert message in response.json["error"]["message"]

"""Hot reload: a published lexicon reaches another process without a restart or a failed request.

The second process is a real ``sanshen serve`` (gunicorn, one worker, preloaded app) on the
same database and Redis, with the full shipped lexicon (so a swap builds a real automaton).
Client threads keep sending signed ``/v1/check`` requests to it while the test process
publishes a new term.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from gateway import create_app
from gateway import lexicons as lx
from gateway.checking import announce, engine_for, watch_for
from gateway.db import db
from gateway.models import Review
from gateway.queue import job_queue
from tests.conftest import dumps, free_port, hmac_signature, review_body

TERM = "热更新测试词"
BODY = dumps(review_body(body_html=f"<p>稿件中出现了{TERM}。</p>"))


def service_env(app, poll_seconds: float) -> dict[str, str]:
    return {
        **os.environ,
        "SANSHEN_DATABASE_URL": app.config["DATABASE_URL"],
        "SANSHEN_REDIS_URL": app.config["REDIS_URL"],
        "SANSHEN_QUEUE_NAME": app.config["QUEUE_NAME"],
        "SANSHEN_INSTANCE_PATH": app.instance_path,
        "SANSHEN_LEXICON_POLL_SECONDS": str(poll_seconds),
        "SANSHEN_LOG_FORMAT": "text",
    }


def start_server(app, port: int, poll_seconds: float, log: Path) -> subprocess.Popen:
    env = service_env(app, poll_seconds)
    command = [str(Path(sys.executable).parent / "sanshen"), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    return subprocess.Popen(command, env=env, start_new_session=True, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def wait_ready(port: int, server: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not start:\n" + log.read_text(errors="replace")[-3000:])


class Client(threading.Thread):
    """Signed /v1/check requests back to back; records (sent, received, status, found)."""

    def __init__(self, port: int, secret: str) -> None:
        super().__init__(daemon=True)
        self.url = f"http://127.0.0.1:{port}/v1/check"
        self.secret = secret
        self.results: list[tuple[float, float, int, bool]] = []
        self.errors: list[str] = []
        self.halt = threading.Event()

    def run(self) -> None:
        session = requests.Session()
        while not self.halt.is_set():
            msg_id, stamp = f"msg_{uuid.uuid4().hex}", str(int(time.time()))
            headers = {
                "webhook-id": msg_id,
                "webhook-timestamp": stamp,
                "webhook-signature": hmac_signature(self.secret, msg_id, stamp, BODY),
                "content-type": "application/json",
            }
            sent = time.monotonic()
            try:
                response = session.post(self.url, data=BODY, headers=headers, timeout=5)
            except requests.RequestException as exc:
                self.errors.append(type(exc).__name__)
                continue
            found = response.status_code == 200 and any(f["text"] == TERM for f in response.json()["findings"])
            self.results.append((sent, time.monotonic(), response.status_code, found))

    def first_found_after(self, moment: float) -> float | None:
        """When the first answer finding the term arrived, for requests sent after ``moment``."""
        return next((received for sent, received, _, found in self.results if found and sent >= moment), None)


def publish_term(app, site_id: str) -> int:
    with app.app_context(), db.session() as s:
        lx.add_entry(app, s, None, site_id, {"term": TERM, "kind": "deny", "category": "测试", "severity": "block",
                                              "note": "热更新测试"})  # fmt: skip
        return lx.publish(s, None, "热更新测试").id


def subscribers(app) -> int:
    with app.app_context():
        return dict(job_queue.redis.pubsub_numsub(f"{app.config['QUEUE_NAME']}:lexicon")).get(
            f"{app.config['QUEUE_NAME']}:lexicon".encode(), 0
        )


def run_swap(app, site, tmp_path: Path, *, poll_seconds: float, notify: bool) -> tuple[float, list[Client]]:
    site_id, secret = site
    port = free_port()
    log = tmp_path / "serve.log"
    server = start_server(app, port, poll_seconds, log)
    clients = [Client(port, secret) for _ in range(2)]
    try:
        wait_ready(port, server, log)
        for client in clients:
            client.start()
        deadline = time.monotonic() + 20
        # Master and worker each subscribe once the app has served a check.
        while (len(clients[0].results) < 5 or (notify and subscribers(app) < 2)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert clients[0].results and not any(found for *_, found in clients[0].results)
        publication_id = publish_term(app, site_id)
        published_at = time.monotonic()
        if notify:
            assert announce(app, publication_id)
        while time.monotonic() < published_at + poll_seconds + 8:
            if all(c.first_found_after(published_at) for c in clients):
                break
            time.sleep(0.02)
        time.sleep(1.0)  # keep the load on after the swap
    finally:
        for client in clients:
            client.halt.set()
        for client in clients:
            client.join(10)
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(5)
    found = [c.first_found_after(published_at) for c in clients]
    assert all(found), log.read_text(errors="replace")[-3000:]
    return max(found) - published_at, clients


def assert_no_failed_request(clients: list[Client]) -> None:
    for client in clients:
        assert client.errors == []
        assert {status for _, _, status, _ in client.results} == {200}
        # Once an answer found the new term, every later one does (no flapping between engines).
        flags = [found for *_, found in sorted(client.results)]
        assert flags == sorted(flags)
    assert sum(len(c.results) for c in clients) > 50


def test_when_a_term_is_published_then_a_second_process_finds_it_within_5s_via_pubsub(
    app, site, tmp_path, record_property, redis_url
) -> None:
    if not redis_url:
        pytest.skip("runs against the machine's Redis (CI starts one)")
    # A poll interval far beyond the deadline: only the Redis message can be in time.
    pickup, clients = run_swap(app, site, tmp_path, poll_seconds=60, notify=True)
    record_property("pickup_seconds", round(pickup, 3))
    print(f"pub/sub pick-up: {pickup:.3f} s, {sum(len(c.results) for c in clients)} requests")
    assert pickup < 5
    assert_no_failed_request(clients)


def test_when_no_message_arrives_then_the_second_process_polls_the_database(
    app, site, tmp_path, record_property
) -> None:
    poll = app.config["LEXICON_POLL_SECONDS"]
    pickup, clients = run_swap(app, site, tmp_path, poll_seconds=poll, notify=False)
    record_property("pickup_seconds", round(pickup, 3))
    print(f"polling pick-up: {pickup:.3f} s (poll every {poll} s)")
    assert pickup < poll + 1.5
    assert_no_failed_request(clients)


def test_when_a_term_is_published_then_a_running_worker_uses_it_for_the_next_job(
    app, client, site, signed, tmp_path
) -> None:
    site_id, secret = site
    log = tmp_path / "worker.log"
    command = [str(Path(sys.executable).parent / "sanshen"), "worker"]
    worker = subprocess.Popen(
        command, env=service_env(app, 60), start_new_session=True, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while subscribers(app) < 1 and time.monotonic() < deadline:  # the worker is up and listening
            assert worker.poll() is None, log.read_text(errors="replace")[-3000:]
            time.sleep(0.1)
        assert subscribers(app) >= 1, log.read_text(errors="replace")[-3000:]
        assert announce(app, publish_term(app, site_id))
        # An attachment makes the review pending: the worker finishes it in a forked work horse.
        payload = review_body(body_html=f"<p>稿件中出现了{TERM}。</p>")
        payload["document"]["attachments"] = [{"name": "附件.txt", "content_type": "text/plain", "content_base64": ""}]
        body = dumps(payload)
        answer = client.post("/v1/reviews", data=body, headers=signed(secret, body))
        assert answer.status_code == 202, answer.json
        review_id = answer.json["review_id"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with app.app_context(), db.session() as s:
                review = s.get(Review, review_id)
                if review.status != "pending":
                    texts = [f.data["text"] for f in review.findings]
                    break
            time.sleep(0.1)
        else:
            raise AssertionError("the worker did not finish the review:\n" + log.read_text(errors="replace")[-3000:])
        assert TERM in texts
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(5)


def test_when_redis_is_down_then_engines_keep_serving_and_publications_arrive_by_polling(app, site, tmp_path) -> None:
    site_id, _ = site
    other = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "other"),
            "DATABASE_URL": app.config["DATABASE_URL"],
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "QUEUE_NAME": app.config["QUEUE_NAME"],
            "LEXICON_DIR": app.config["LEXICON_DIR"],
            "LEXICON_POLL_SECONDS": 0.5,
            "SECRET_KEY": "test",
        }
    )
    watch = watch_for(other)
    watch.start()
    try:
        before = engine_for(other, site_id)
        publication_id = publish_term(app, site_id)
        deadline = time.monotonic() + 5
        while watch.publication_id != publication_id and time.monotonic() < deadline:
            time.sleep(0.05)  # no request arrives: the subscriber thread's own poll must do it
        assert watch.publication_id == publication_id and not watch.subscribed
        after = engine_for(other, site_id)
        assert after is not before
        assert any(e.term == TERM for e in after.state.lexicon.entries)
        assert announce(other, publication_id) is False  # refused quietly, nothing raised
    finally:
        watch.stop()
        with other.app_context():
            db.engine.dispose()


def test_when_only_one_site_has_an_overlay_then_other_sites_share_the_global_engine(app, site) -> None:
    from gateway.sites import add_site

    site_id, _ = site
    add_site(app, "jn-zwb", "济南政务办")
    with app.app_context():
        global_engine = engine_for(app)
        assert engine_for(app, site_id) is global_engine
        publication_id = publish_term(app, site_id)
        announce(app, publication_id)
        own = engine_for(app, site_id)
        assert own is not global_engine and own.lexicon_version != global_engine.lexicon_version
        assert engine_for(app, "jn-zwb") is engine_for(app)
        assert not any(e.term == TERM for e in engine_for(app, "jn-zwb").state.lexicon.entries)

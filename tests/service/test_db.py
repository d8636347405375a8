"""The database layer's own behaviour: SQLite's write-ahead log is checkpointed off the request path."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from gateway import create_app
from gateway.db import db


def _app(tmp_path: Path, checkpoint_seconds: float):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'wal.db'}",
            "REDIS_URL": "",
            "SQLITE_CHECKPOINT_SECONDS": checkpoint_seconds,
        }
    )
    with app.app_context():
        db.upgrade()
    return app


def _write_without_checkpointing(path: Path) -> sqlite3.Connection:
    """Pages land in the log only: this connection never checkpoints and stays open, so
    closing it does not checkpoint either."""
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE filler (data BLOB)")
    for _ in range(50):
        writer.execute("INSERT INTO filler VALUES (randomblob(8000))")
        writer.commit()
    return writer


def _database_file_grows(path: Path, size_before: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.stat().st_size > size_before:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize(("interval", "grows"), [(0.05, True), (0.0, False)])
def test_when_the_log_fills_then_a_background_thread_copies_it_into_the_database_file(
    tmp_path: Path, interval: float, grows: bool
) -> None:
    app = _app(tmp_path, interval)
    path = tmp_path / "wal.db"
    size_before = path.stat().st_size
    writer = _write_without_checkpointing(path)
    try:
        assert (tmp_path / "wal.db-wal").stat().st_size > 400_000
        assert _database_file_grows(path, size_before, 10 if grows else 1) is grows
    finally:
        writer.close()
        with app.app_context():
            db.engine.dispose()

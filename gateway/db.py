"""Database access: one engine per process, short sessions, migrations with Alembic."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from gateway.errors import ServiceUnavailable

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the worker write while gateway processes read; the busy timeout makes
    # concurrent writers wait instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _json_dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class WalCheckpointer:
    """Copies SQLite's write-ahead log into the database file from a background thread.

    SQLite checkpoints on its own inside whichever commit takes the log past 1,000 pages,
    fsync included, and that request waits: at 100 reviews/s one commit in a hundred took
    over 10 ms and the slowest 440 ms. A passive checkpoint every half second, off the
    request path, keeps the log short so the automatic one rarely has work to do.

    The automatic checkpoint stays on: it is passive as well, delays only the commit that
    runs it, and its completion lets the next writer rewind the log. Turning it off needs a
    RESTART checkpoint to rewind instead, and that holds the write lock while it syncs:
    every writer then stalled for 100-600 ms at once (measured with bench/load.py).
    One thread per process serves the SQLite files of the apps alive in it.
    """

    def __init__(self) -> None:
        self._states: weakref.WeakSet[_State] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._pid = 0
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self) -> None:
        # The parent's thread does not exist here, and its lock may have been held mid-fork.
        self._lock = threading.Lock()
        self._pid = 0

    def watch(self, state: _State) -> None:
        with self._lock:
            self._states.add(state)
            if self._pid != os.getpid():
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True).start()

    def _run(self) -> None:
        due: dict[str, float] = {}
        while True:
            with self._lock:
                files = {s.sqlite_file: s.checkpoint_seconds for s in self._states if s.sqlite_file}
            due = {path: at for path, at in due.items() if path in files}  # forget apps that have gone
            now = time.monotonic()
            for path, interval in files.items():
                if due.get(path, 0.0) <= now:
                    due[path] = now + interval
                    self.checkpoint(path)
            time.sleep(min(files.values(), default=1.0))

    @staticmethod
    def checkpoint(path: str) -> None:
        """One passive checkpoint: it never waits for or blocks writers."""
        try:
            # mode=rw: a file that has gone (a test's temporary folder) is not re-created.
            connection = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=1)
        except sqlite3.Error:
            return
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            pass  # busy this time: the next round tries again
        finally:
            connection.close()


checkpointer = WalCheckpointer()


class _State:
    def __init__(self, engine: Engine, checkpoint_seconds: float) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.pid = os.getpid()
        database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
        self.sqlite_file = os.path.abspath(database) if database and database != ":memory:" else None
        self.checkpoint_seconds = checkpoint_seconds
        self.watch()

    def watch(self) -> None:
        if self.sqlite_file and self.checkpoint_seconds > 0:
            checkpointer.watch(self)


class Database:
    """Flask extension (``init_app`` pattern); engine and sessions live per app."""

    def init_app(self, app: Flask) -> None:
        url = app.config["DATABASE_URL"]
        # Chinese text as UTF-8, not \uXXXX escapes: stored answers and findings are half the size.
        kwargs: dict = {"json_serializer": _json_dumps}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 10, "check_same_thread": False}
        else:
            # A server may drop idle connections; a file never does, so SQLite skips the ping.
            kwargs["pool_pre_ping"] = True
        engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(engine, "connect", _sqlite_pragmas)
        app.extensions["sanshen.db"] = _State(engine, app.config["SQLITE_CHECKPOINT_SECONDS"])

    @staticmethod
    def _state() -> _State:
        state: _State = current_app.extensions["sanshen.db"]
        if state.pid != os.getpid():
            # A forked RQ work horse must not reuse the parent's pooled connections.
            state.engine.dispose(close=False)
            state.pid = os.getpid()
            state.watch()
        return state

    @property
    def engine(self) -> Engine:
        return self._state().engine

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error; outages become 503."""
        session = self._state().sessions()
        try:
            yield session
            session.commit()
        except (OperationalError, DBAPIError) as exc:
            session.rollback()
            if getattr(exc, "connection_invalidated", False) or isinstance(exc, OperationalError):
                raise ServiceUnavailable("数据库暂不可用，请稍后重试") from None
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (safe to run on every start)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")


db = Database()

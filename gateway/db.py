"""Database access: one engine per process, short sessions, migrations with Alembic."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from flask import Flask
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


class Database:
    """Flask extension holding the engine and session factory (``init_app`` pattern)."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._pid = os.getpid()

    def init_app(self, app: Flask) -> None:
        url = app.config["DATABASE_URL"]
        kwargs: dict = {"pool_pre_ping": True, "future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 10, "check_same_thread": False}
        self.engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        app.extensions["sanshen.db"] = self

    def _after_fork(self) -> None:
        # A forked RQ work horse must not reuse the parent's pooled connections.
        if os.getpid() != self._pid and self.engine is not None:
            self.engine.dispose(close=False)
            self._pid = os.getpid()

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error; outages become 503."""
        assert self._sessions is not None, "Database.init_app was not called"
        self._after_fork()
        session = self._sessions()
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

        assert self.engine is not None
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")


db = Database()

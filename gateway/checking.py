"""The check engine inside the service: one Engine per process and lexicon folder."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask, current_app

from checks.engine import Engine
from checks.lexicon import Lexicon, default_directory
from checks.policy import Policy
from gateway.models import Site

_engines: dict[Path, Engine] = {}
_lock = threading.Lock()


def lexicon_dir(app: Flask) -> Path:
    return Path(app.config["LEXICON_DIR"]) if app.config["LEXICON_DIR"] else default_directory()


def engine_for(app: Flask | None = None) -> Engine:
    """The process's engine; built once (a lexicon load takes a second) and shared."""
    directory = lexicon_dir(app or current_app)
    engine = _engines.get(directory)
    if engine is None:
        with _lock:
            engine = _engines.get(directory)
            if engine is None:
                engine = Engine(Lexicon.from_directory(directory))
                _engines[directory] = engine
    return engine


def site_policy(site: Site) -> Policy:
    return Policy.from_dict(site.policy or {})

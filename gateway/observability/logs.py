"""Structured logs: one JSON object per line with ids and rule codes, never content.

Every record gets the context of its request or job (request id, site, review id, job id).
Messages are masked and exception values dropped on the way out: our own calls pass ids
only, but third-party loggers (RQ's tracebacks, for one) do not know what a draft is.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import IO, Any

from gateway.observability import context
from gateway.observability.scrub import mask, strip_exception_values

# Keys a log call may pass with ``extra=``; anything else stays out of the line.
EXTRA_FIELDS = (
    "review_id",
    "site",
    "delivery_id",
    "method",
    "path",
    "endpoint",
    "status",
    "ms",
    "verdict",
    "rules",
    "checks",
    "check",
    "error",
    "event",
    "lexicon_version",
    "count",
)
# Longest message kept; a log line is not the place for documents.
MAX_MESSAGE = 4000
# Libraries whose chatter would either flood the log or carry data (SQLAlchemy's INFO logs
# statement parameters, i.e. request bodies).
QUIET_LOGGERS = {"sqlalchemy": logging.WARNING, "urllib3": logging.WARNING, "werkzeug": logging.WARNING}
_HANDLER_NAME = "sanshen"


def _exception(exc_info: Any) -> dict[str, Any] | None:
    if not exc_info or exc_info[0] is None:
        return None
    exc_type, _, tb = exc_info
    frames = [f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in traceback.extract_tb(tb)]
    return {"type": exc_type.__name__, "frames": frames[-20:]}


def clean_message(record: logging.LogRecord) -> str:
    try:
        message = record.getMessage()
    except Exception:
        message = str(record.msg)
    message = strip_exception_values(message)
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + "…"
    return mask(message)


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", <context ids>, <allowed extras>, "exc"}``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": clean_message(record),
        }
        for key, value in context.current().items():
            line[key] = mask(value)
        for key in EXTRA_FIELDS:
            if key in record.__dict__:
                value = record.__dict__[key]
                line[key] = mask(value) if isinstance(value, str) else value
        exc = _exception(record.exc_info)
        if exc:
            line["exc"] = exc
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=str)


class TextFormatter(logging.Formatter):
    """Human-readable lines for a terminal, scrubbed the same way."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(f"{k}={mask(v)}" for k, v in context.current().items())
        extras = " ".join(f"{k}={record.__dict__[k]}" for k in EXTRA_FIELDS if k in record.__dict__)
        head = f"{self.formatTime(record)} {record.levelname} {record.name} {clean_message(record)}"
        exc = _exception(record.exc_info)
        tail = f" exc={exc['type']} at {exc['frames'][-1] if exc['frames'] else '?'}" if exc else ""
        return " ".join(part for part in (head, ids, extras) if part) + tail


def formatter(kind: str = "json") -> logging.Formatter:
    return TextFormatter() if kind == "text" else JsonFormatter()


def setup_logging(level: str | int = "INFO", kind: str = "json", stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record of the process through one scrubbing handler on stderr."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:
            root.removeHandler(existing)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter(kind))
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else level.upper())
    for name, quiet in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet)
    return handler


def gunicorn_logconfig(level: str = "INFO", kind: str = "json") -> dict[str, Any]:
    """A ``logconfig_dict`` for gunicorn: its own messages in the same format; no access log
    (the application writes one line per request with the request id)."""
    fmt = "gateway.observability.logs.TextFormatter" if kind == "text" else "gateway.observability.logs.JsonFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"sanshen": {"()": fmt}},
        "handlers": {
            "sanshen": {"class": "logging.StreamHandler", "formatter": "sanshen", "stream": "ext://sys.stderr"}
        },
        "root": {"level": level.upper(), "handlers": ["sanshen"]},
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": ["sanshen"], "propagate": False},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            **{name: {"level": logging.getLevelName(quiet)} for name, quiet in QUIET_LOGGERS.items()},
        },
    }

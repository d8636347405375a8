"""Scrubbing: what may leave the process in logs and Sentry events.

Drafts are sensitive before publication, and a privacy gateway must not leak the identifiers
it was built to find. Our own log calls pass ids and rule codes only; this module is the
second line: it masks anything that looks like an identifier or a secret, strips exception
*values* (messages may quote the draft) and reduces Sentry events to types, code locations
and tags.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

MASK = "***"

# Identifier-like digit runs: resident ID (15/18 with X), mobiles, bank cards, also written in
# groups ("138 1234 5678", "6222-0212-…"). ASCII look-arounds, not \b: next to Chinese text
# \b does not separate, and our own ids (rv_1a2b…, hex request ids) must stay readable.
_DIGITS = re.compile(r"(?<![0-9A-Za-z_])\d(?:[ -]?\d){6,}[0-9Xx]?(?![0-9A-Za-z_])")
# Passports and permits: one or two letters then 7–9 digits (E12345678, HK12345678).
_LETTER_ID = re.compile(r"(?<![0-9A-Za-z_])[A-Za-z]{1,2}\d{7,9}(?![0-9A-Za-z_])")
_EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
_WHSEC = re.compile(r"whsec_[A-Za-z0-9+/=]+")
_SIGNATURE = re.compile(r"v1,[A-Za-z0-9+/]{20,}={0,2}")
_URL_CREDENTIALS = re.compile(r"(://)[^/@\s:]+:[^/@\s]+@")
_KEY_VALUE = re.compile(
    r"(?i)((?:password|passwd|pwd|secret|token|api[_-]?key|authorization|密码|口令|密钥)\s*[:=：]\s*)[^\s,;，；]+"
)
# "SomeError: the message" at the start of a line (tracebacks, RQ's exc_string): keep the type.
_EXCEPTION_LINE = re.compile(
    r"(?m)^(\s*[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Failure|Fault|Timeout)\w*):[^\n]*$"
)


# One pass that finds whether any of the above could match: most log messages and ids have
# nothing to mask, and seven substitutions per string would dominate the cost of a log line.
_SUSPECT = re.compile(
    r"\d(?:[ -]?\d){6}|@|whsec_|v1,|://|(?i:password|passwd|pwd|secret|token|api[_-]?key|authorization)|密码|口令|密钥"
)


def mask(text: str) -> str:
    """``text`` with identifier-like and secret-like substrings replaced by ``***``."""
    if not text or not _SUSPECT.search(text):
        return text
    text = _WHSEC.sub("whsec_" + MASK, text)
    text = _SIGNATURE.sub("v1," + MASK, text)
    text = _URL_CREDENTIALS.sub(r"\1" + MASK + "@", text)
    text = _KEY_VALUE.sub(r"\1" + MASK, text)
    text = _EMAIL.sub(MASK + r"@\1", text)
    text = _LETTER_ID.sub(MASK, text)
    return _DIGITS.sub(MASK, text)


def strip_exception_values(text: str) -> str:
    """Tracebacks keep their frames and exception types; the messages go."""
    return _EXCEPTION_LINE.sub(r"\1", text)


def path_only(url: str) -> str:
    """A URL without query string, fragment or credentials (query values may be content)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return mask(urlunsplit((parts.scheme, netloc, parts.path, "", "")))


# --- Sentry -------------------------------------------------------------------------------

_FRAME_KEYS = ("filename", "abs_path", "function", "module", "lineno", "in_app")
_CONTEXTS_KEPT = ("runtime", "os", "trace", "device", "app")
_RQ_JOB_KEYS = ("job_id", "func", "queue")


def _scrub_frames(container: dict[str, Any]) -> None:
    stacktrace = container.get("stacktrace")
    if not isinstance(stacktrace, dict):
        return
    frames = stacktrace.get("frames") or []
    # Function, file and line only: no local variables, no source context.
    stacktrace["frames"] = [{k: f[k] for k in _FRAME_KEYS if k in f} for f in frames if isinstance(f, dict)]
    stacktrace.pop("registers", None)


def _mask_all(value: Any) -> Any:
    if isinstance(value, str):
        return mask(strip_exception_values(value))
    if isinstance(value, dict):
        return {k: _mask_all(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_all(v) for v in value]
    return value


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry ``before_send``: keep types, code locations and tags; nothing that can carry text."""
    request = event.get("request")
    if isinstance(request, dict):
        # Bodies, query strings, headers (signatures), cookies and env: all gone.
        event["request"] = {k: v for k, v in request.items() if k == "method"}
        if isinstance(request.get("url"), str):
            event["request"]["url"] = path_only(request["url"])

    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception, dict):
            exception.pop("value", None)  # the message may quote the draft
            _scrub_frames(exception)
            mechanism = exception.get("mechanism")
            if isinstance(mechanism, dict):
                exception["mechanism"] = {k: mechanism[k] for k in ("type", "handled") if k in mechanism}
    for thread in (event.get("threads") or {}).get("values") or []:
        if isinstance(thread, dict):
            _scrub_frames(thread)

    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        trusted = str(event.get("logger", "")).startswith("sanshen.")
        # Our loggers pass ids and codes only; a third-party logger's arguments may be anything.
        kept = {"message": logentry.get("message", "")}
        if trusted:
            kept["formatted"] = logentry.get("formatted", "")
        event["logentry"] = kept
    if isinstance(event.get("message"), str) and not str(event.get("logger", "")).startswith("sanshen."):
        event["message"] = ""

    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict):
        breadcrumbs["values"] = [scrub_breadcrumb(b) for b in breadcrumbs.get("values") or [] if isinstance(b, dict)]

    # sys.argv and logging extras could name files or carry text; of RQ's job record only the
    # id and the function stay (its description repeats the arguments).
    extra = event.pop("extra", None)
    job = extra.get("rq-job") if isinstance(extra, dict) else None
    if isinstance(job, dict):
        event["extra"] = {"rq-job": {k: job[k] for k in _RQ_JOB_KEYS if k in job}}
    event.pop("user", None)
    contexts = event.get("contexts")
    if isinstance(contexts, dict):
        kept_contexts = {k: v for k, v in contexts.items() if k in _CONTEXTS_KEPT}
        job = contexts.get("rq-job")
        if isinstance(job, dict):
            # RQ's description repeats the arguments; ids only, but keep what we need.
            kept_contexts["rq-job"] = {k: job[k] for k in _RQ_JOB_KEYS if k in job}
        event["contexts"] = kept_contexts
    for span in event.get("spans") or []:
        if isinstance(span, dict):
            span.pop("data", None)
    return _mask_all(event)


def scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry ``before_breadcrumb``: a breadcrumb keeps when and what kind, not its text."""
    return {k: crumb[k] for k in ("type", "category", "level", "timestamp") if k in crumb}

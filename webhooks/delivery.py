"""Sending one signed callback: SSRF-safe address checks, a bounded POST, the retry plan."""

from __future__ import annotations

import ipaddress
import random
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests


class UnsafeDestination(Exception):
    """The callback URL is not allowed: wrong scheme, host not listed, or a private address."""


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not ip.is_global or ip.is_multicast


def check_destination(url: str, allowed_hosts: Sequence[str], allow_private: bool) -> list[str]:
    """Validate a callback URL and return the addresses it resolves to.

    The host must be listed for the site (exactly, or ``*.example.gov.cn`` for subdomains),
    and every resolved address must be public unless the site is an intranet CMS.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeDestination("callback_url must be an http(s) URL with a host")
    host = parts.hostname.lower()
    if not any(host == h.lower() or (h.startswith("*.") and host.endswith(h[1:].lower())) for h in allowed_hosts):
        raise UnsafeDestination("callback host is not in the site's allow-list")
    try:
        infos = socket.getaddrinfo(
            host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError):
        raise UnsafeDestination("callback host does not resolve") from None
    addresses = sorted({info[4][0] for info in infos})
    if not allow_private and any(_is_private(a) for a in addresses):
        raise UnsafeDestination("callback host resolves to a private address")
    return addresses


@dataclass(frozen=True, slots=True)
class AttemptResult:
    status_code: int | None
    latency_ms: float
    error: str | None
    retry_after: float | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (now or time.time()), 0.0)


def post(url: str, body: str, headers: dict[str, str], timeout: float) -> AttemptResult:
    """One attempt. Redirects are not followed: a 3xx is a failure (Standard Webhooks)."""
    started = time.perf_counter()
    try:
        response = requests.post(
            url, data=body.encode("utf-8"), headers=headers, timeout=timeout, allow_redirects=False
        )
    except requests.Timeout:
        return AttemptResult(None, (time.perf_counter() - started) * 1000, "timeout", None)
    except requests.RequestException as exc:
        return AttemptResult(None, (time.perf_counter() - started) * 1000, type(exc).__name__, None)
    latency = (time.perf_counter() - started) * 1000
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return AttemptResult(response.status_code, latency, error, retry_after)


def next_delay(
    attempts_made: int,
    schedule: Sequence[float],
    jitter: float,
    retry_after: float | None,
    max_retry_after: float,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds until the next attempt after ``attempts_made`` failures, or None when done.

    ``Retry-After`` from the CMS wins (bounded), otherwise the schedule with ±jitter.
    """
    if attempts_made > len(schedule):
        return None
    if retry_after is not None:
        return min(retry_after, max_retry_after)
    base = schedule[attempts_made - 1]
    spread = base * jitter
    return max(base + (rng or random).uniform(-spread, spread), 0.0)

"""Helpers for the operations tests: a Sentry envelope sink on loopback, signed posting,
a draft full of identifiers, and haystack searches that see through JSON escaping."""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.checks.privacy_support import luhn_complete, make_id
from tests.conftest import dumps, review_body

# A draft of the kind the gateway must never leak: an ID number, a mobile, a bank card and
# ordinary sentences of a notice.
ID_NUMBER = make_id("370202", "19900101", "123")
MOBILE = "13912345678"
CARD = luhn_complete("622202123456789012")
SENTENCE = "联系人王秀英同志负责低保复核材料的收集"
DRAFT_HTML = f"<p>{SENTENCE}，身份证号{ID_NUMBER}，电话{MOBILE}，银行卡{CARD}。希望再接再励。</p>"
FORBIDDEN = (ID_NUMBER, MOBILE, CARD, SENTENCE, "王秀英", "低保复核", "再接再励")


def post_review(client: Any, signed: Any, secret: str, **document: Any) -> Any:
    body = dumps(review_body(**{"body_html": DRAFT_HTML, **document}))
    return client.post("/v1/reviews", data=body, headers=signed(secret, body))


def leaks(haystack: str, secrets: tuple[str, ...] = ()) -> list[str]:
    """Which forbidden strings occur (identifiers also with separators removed)."""
    flat = haystack.replace(" ", "").replace("-", "")
    found = [s for s in (*FORBIDDEN, *secrets) if s and (s in haystack or s in flat)]
    # A partial identifier is still an identifier: any 8-digit window of one.
    for ident in (ID_NUMBER, MOBILE, CARD):
        if any(ident[i : i + 8] in flat for i in range(len(ident) - 7)):
            found.append(f"part of {ident[:3]}…")
    return found


def decoded_text(raw: bytes) -> str:
    """Raw bytes plus every JSON line re-dumped without ASCII escaping, so Chinese text and
    identifiers are visible however the sender encoded them."""
    text = raw.decode("utf-8", "replace")
    parts = [text]
    for line in raw.splitlines():
        try:
            parts.append(json.dumps(json.loads(line), ensure_ascii=False))
        except ValueError:
            continue
    return "\n".join(parts)


class EnvelopeSink:
    """A Sentry ingestion endpoint on loopback: stores each envelope, decompressed."""

    def __init__(self) -> None:
        self.envelopes: list[bytes] = []
        self.requests: list[dict[str, Any]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                encoding = (self.headers.get("Content-Encoding") or "").lower()
                if encoding == "gzip":
                    body = gzip.decompress(raw)
                elif encoding == "deflate":
                    body = zlib.decompress(raw)
                elif encoding == "br":
                    import brotli  # only if sentry-sdk chose brotli, i.e. it is installed

                    body = brotli.decompress(raw)
                else:
                    body = raw
                sink.requests.append({"path": self.path, "headers": dict(self.headers), "raw": raw})
                sink.envelopes.append(body)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.dsn = f"http://public@127.0.0.1:{self.server.server_port}/1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        """The event items of all envelopes (header line, item header, payload…)."""
        found = []
        for envelope in self.envelopes:
            lines = envelope.split(b"\n")
            for i in range(1, len(lines) - 1):
                try:
                    header = json.loads(lines[i])
                except ValueError:
                    continue
                if isinstance(header, dict) and header.get("type") == "event":
                    found.append(json.loads(lines[i + 1]))
        return found

    def text(self) -> str:
        return "\n".join(decoded_text(e) for e in self.envelopes) + "\n".join(
            decoded_text(r["raw"]) for r in self.requests
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sentry_sink() -> Iterator[EnvelopeSink]:
    import sentry_sdk

    sink = EnvelopeSink()
    yield sink
    client = sentry_sdk.get_client()
    client.close(timeout=2)
    sentry_sdk.get_global_scope().set_client(None)
    sink.close()

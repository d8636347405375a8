"""Standard Webhooks signatures: ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

# The spec forbids "." in ids (it separates the signed parts); RQ job ids want the same set.
MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,200}$")


class SignatureError(Exception):
    """The request is not signed by any active secret, or its headers are malformed."""


def new_secret() -> str:
    """A 32-byte random secret in the ``whsec_`` form the spec recommends."""
    import secrets

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def verify(secrets: Iterable[str], headers: Mapping[str, str], body: bytes) -> str:
    """Check the raw body against each secret (rotation); return the message id.

    The ``standardwebhooks`` package raises a bare ``ValueError`` for a signature without a
    comma, and its tolerance is fixed at five minutes both ways; both are handled here.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    msg_id = lowered.get("webhook-id", "")
    if not MESSAGE_ID.match(msg_id):
        raise SignatureError("webhook-id missing or not of [A-Za-z0-9_-]")
    if not lowered.get("webhook-timestamp", "").isdigit() or not lowered.get("webhook-signature"):
        raise SignatureError("webhook-timestamp or webhook-signature missing")
    for secret in secrets:
        try:
            Webhook(secret).verify(body, lowered, json_parse=False)
            return msg_id
        except (WebhookVerificationError, ValueError):
            continue
    raise SignatureError("no active secret matches")


def sign_headers(secrets: Iterable[str], msg_id: str, body: str, now: datetime | None = None) -> dict[str, str]:
    """Headers for an outgoing message, signed with every given secret (rotation)."""
    timestamp = now or datetime.now(UTC)
    signatures = [Webhook(secret).sign(msg_id, timestamp, body) for secret in secrets]
    if not signatures:
        raise SignatureError("no secret to sign with")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/json",
    }

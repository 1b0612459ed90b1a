"""Standard Webhooks signature verification, as OpenAI signs its webhooks.

Headers ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` (``v1,<base64>`` values,
space separated, several during a secret rotation). The signature is HMAC-SHA256 over
``{id}.{timestamp}.{body}`` keyed by the base64-decoded secret (``whsec_`` prefix removed).
Pure functions, no HTTP, no Django: the Django webhook view uses them too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import InvalidWebhookSignatureError

DEFAULT_TOLERANCE = 300


def _secret_bytes(secret: str) -> bytes:
    raw = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError:
        # Some tools hand out plain-text secrets; accept them as the raw key.
        return raw.encode()


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise InvalidWebhookSignatureError(f"missing {name} header")


def sign(payload: bytes | str, *, secret: str, msg_id: str, timestamp: int) -> str:
    """The ``v1,<signature>`` value for a payload (used by the fake server and tests)."""
    body = payload.encode() if isinstance(payload, str) else payload
    message = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_secret_bytes(secret), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_signature(
    payload: bytes | str,
    headers: Mapping[str, str],
    *,
    secret: str | Iterable[str],
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """Raise :class:`InvalidWebhookSignatureError` unless a signature matches one of the secrets."""
    secrets = [secret] if isinstance(secret, str) else [s for s in secret if s]
    if not secrets:
        raise InvalidWebhookSignatureError("no webhook secret is configured")
    msg_id = _header(headers, "webhook-id")
    raw_timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature").split()
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        raise InvalidWebhookSignatureError("webhook-timestamp is not an integer") from None
    current = time.time() if now is None else now
    if timestamp < current - tolerance:
        raise InvalidWebhookSignatureError("webhook timestamp is too old")
    if timestamp > current + tolerance:
        raise InvalidWebhookSignatureError("webhook timestamp is too new")
    offered = [s.partition(",")[2] for s in signatures if s.startswith("v1,")]
    for candidate_secret in secrets:
        expected = sign(payload, secret=candidate_secret, msg_id=msg_id, timestamp=timestamp).partition(",")[
            2
        ]
        if any(hmac.compare_digest(expected, sig) for sig in offered):
            return
    raise InvalidWebhookSignatureError("no webhook signature matched")


def unwrap(
    payload: bytes | str,
    headers: Mapping[str, str],
    *,
    secret: str | Iterable[str],
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> Any:
    """Verify, then parse the payload into a :class:`~django_openai.client.types.webhooks.WebhookEvent`."""
    verify_signature(payload, headers, secret=secret, tolerance=tolerance, now=now)
    from .types.webhooks import WebhookEvent

    try:
        return WebhookEvent.model_validate(json.loads(payload))
    except ValueError as exc:
        raise InvalidWebhookSignatureError(f"webhook body is not a valid event: {exc}") from None

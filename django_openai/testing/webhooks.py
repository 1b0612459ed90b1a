"""Signed webhooks (Standard Webhooks) from the fake, as OpenAI sends them when a job ends."""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.request
from typing import Any

from ..client.webhooks import sign
from .content import digest


def build_delivery(
    event_type: str, object_id: str, *, secret: str, timestamp: int
) -> tuple[bytes, dict[str, str]]:
    event_id = f"evt_{digest(event_type, object_id, timestamp).hex()[:24]}"
    body = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created_at": timestamp,
            "data": {"id": object_id},
        }
    ).encode()
    msg_id = f"wh_{digest(event_id).hex()[:24]}"
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(body, secret=secret, msg_id=msg_id, timestamp=timestamp),
    }
    return body, headers


def notify(fake: Any, event_type: str, object_id: str) -> None:
    """Record the event and, when a URL is configured, POST it in the background."""
    if not fake.webhook_secret:
        return
    body, headers = build_delivery(event_type, object_id, secret=fake.webhook_secret, timestamp=fake.now())
    fake.webhooks_sent.append({"type": event_type, "id": object_id, "body": body, "headers": headers})
    if fake.webhook_url:
        threading.Thread(target=_post, args=(fake.webhook_url, body, headers), daemon=True).start()


def _post(url: str, body: bytes, headers: dict[str, str]) -> None:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    # A fake does not retry; tests read fake.webhooks_sent.
    with contextlib.suppress(OSError):
        urllib.request.urlopen(request, timeout=10).close()

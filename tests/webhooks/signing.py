"""Signed deliveries for the webhook tests."""

from __future__ import annotations

import base64
import json
import time

from django_openai.client.webhooks import sign

OLD = "whsec_" + base64.b64encode(b"old-secret-old-secret-old-secret").decode()
NEW = "whsec_" + base64.b64encode(b"new-secret-new-secret-new-secret").decode()
URL = "/openai/webhooks/"


def post(
    client,
    event_type="batch.completed",
    object_id="batch_1",
    *,
    secret=OLD,
    msg_id="msg_1",
    timestamp=None,
    body=None,
    url=URL,
):
    payload = (
        body
        if body is not None
        else json.dumps(
            {"id": "evt_1", "object": "event", "type": event_type, "created_at": 1, "data": {"id": object_id}}
        )
    )
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(payload, secret=secret, msg_id=msg_id, timestamp=ts),
    }
    return client.post(url, data=payload, content_type="application/json", headers=headers)

"""Webhook events, as ``client.webhooks.unwrap()`` returns them."""

from __future__ import annotations

from typing import Any

from ._base import OpenAIObject


class WebhookEvent(OpenAIObject):
    """A webhook payload: ``{"id", "object": "event", "type": "batch.completed", "data": {"id": ...}}``."""

    id: str
    object: str = "event"
    type: str
    created_at: int | None = None
    data: dict[str, Any] = {}

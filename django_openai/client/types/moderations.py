"""Moderations (``/moderations``)."""

from __future__ import annotations

from typing import Any

from ._base import OpenAIObject


class Moderation(OpenAIObject):
    flagged: bool
    categories: dict[str, Any] = {}
    category_scores: dict[str, Any] = {}


class ModerationCreateResponse(OpenAIObject):
    id: str
    model: str | None = None
    results: list[Moderation]

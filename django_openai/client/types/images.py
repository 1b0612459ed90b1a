"""Images (``/images/generations``, ``/images/edits``, ``/images/variations``)."""

from __future__ import annotations

from typing import Any

from ._base import OpenAIObject


class Image(OpenAIObject):
    b64_json: str | None = None
    url: str | None = None
    revised_prompt: str | None = None


class ImagesResponse(OpenAIObject):
    created: int
    data: list[Image] = []
    usage: Any = None

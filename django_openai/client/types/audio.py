"""Audio transcriptions and translations (speech comes back as bytes)."""

from __future__ import annotations

from typing import Any

from ._base import OpenAIObject


class Transcription(OpenAIObject):
    text: str
    language: str | None = None
    duration: float | None = None
    segments: list[Any] | None = None
    words: list[Any] | None = None
    usage: Any = None


class Translation(OpenAIObject):
    text: str

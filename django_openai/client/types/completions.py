"""Legacy text completions (``/completions``)."""

from __future__ import annotations

from typing import Any

from ._base import OpenAIObject, Usage


class CompletionChoice(OpenAIObject):
    index: int = 0
    text: str = ""
    finish_reason: str | None = None
    logprobs: Any = None


class Completion(OpenAIObject):
    id: str
    object: str = "text_completion"
    created: int | None = None
    model: str | None = None
    choices: list[CompletionChoice]
    usage: Usage | None = None

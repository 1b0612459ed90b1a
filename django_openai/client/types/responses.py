"""The Responses API (``/responses``) and its stream events."""

from __future__ import annotations

from typing import Any

from ._base import Deleted, OpenAIObject, Usage


class ResponseItem(OpenAIObject):
    """One input or output item: a message, a function call, its output, a reasoning item..."""

    id: str | None = None
    type: str | None = None
    role: str | None = None
    status: str | None = None
    content: Any = None


class Response(OpenAIObject):
    id: str
    object: str = "response"
    created_at: float | None = None
    status: str | None = None
    model: str | None = None
    output: list[ResponseItem] = []
    usage: Usage | None = None
    error: Any = None
    incomplete_details: Any = None
    instructions: Any = None
    metadata: dict[str, str] | None = None
    previous_response_id: str | None = None
    conversation: Any = None
    background: bool | None = None

    @property
    def output_text(self) -> str:
        """All ``output_text`` parts of the output messages, joined (as in the official SDK)."""
        texts: list[str] = []
        for item in self.output:
            if item.type != "message" or not isinstance(item.content, list):
                continue
            for part in item.content:
                if isinstance(part, dict) and part.get("type") == "output_text":
                    texts.append(part.get("text", ""))
        return "".join(texts)


class ResponseStreamEvent(OpenAIObject):
    """Any event of a Responses stream; ``type`` tells which (``response.output_text.delta``...)."""

    type: str
    sequence_number: int | None = None
    delta: Any = None
    response: Response | None = None
    item: ResponseItem | None = None
    output_index: int | None = None
    content_index: int | None = None
    item_id: str | None = None


class InputTokens(OpenAIObject):
    object: str = "response.input_tokens"
    input_tokens: int


class ResponseDeleted(Deleted):
    pass

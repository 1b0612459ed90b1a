"""Chat completions (``/chat/completions``), streamed chunks and stored completions."""

from __future__ import annotations

from typing import Any

from ._base import Deleted, OpenAIObject, Usage


class Function(OpenAIObject):
    name: str | None = None
    arguments: str | None = None


class ToolCall(OpenAIObject):
    id: str | None = None
    type: str | None = "function"
    function: Function | None = None


class ChatCompletionMessage(OpenAIObject):
    role: str = "assistant"
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCall] | None = None


class Choice(OpenAIObject):
    index: int = 0
    message: ChatCompletionMessage
    finish_reason: str | None = None
    logprobs: Any = None


class ChatCompletion(OpenAIObject):
    id: str
    object: str = "chat.completion"
    created: int | None = None
    model: str | None = None
    choices: list[Choice]
    usage: Usage | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None


class ToolCallDelta(OpenAIObject):
    index: int = 0
    id: str | None = None
    type: str | None = None
    function: Function | None = None


class ChoiceDelta(OpenAIObject):
    role: str | None = None
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCallDelta] | None = None


class ChunkChoice(OpenAIObject):
    index: int = 0
    delta: ChoiceDelta
    finish_reason: str | None = None
    logprobs: Any = None


class ChatCompletionChunk(OpenAIObject):
    id: str
    object: str = "chat.completion.chunk"
    created: int | None = None
    model: str | None = None
    choices: list[ChunkChoice] = []
    usage: Usage | None = None
    system_fingerprint: str | None = None


class ChatCompletionStoreMessage(OpenAIObject):
    id: str
    role: str | None = None
    content: str | None = None


class ChatCompletionDeleted(Deleted):
    pass

"""Helpers over streams: fold chat chunks into the final message, tool-call deltas included.

A final message is only ever one the server said was complete: ``get_final_completion()`` and
``get_final_response()`` raise :class:`IncompleteStreamError` otherwise, even when the stream was
allowed to end short (``require_stream_end=False``). What did arrive stays readable on
``accumulator.completion`` and ``text``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from ._streaming import RESPONSE_END_EVENTS

__all__ = [
    "AsyncChatCompletionStream",
    "ChatCompletionAccumulator",
    "ChatCompletionStream",
    "accumulate_chat",
]


class ChatCompletionAccumulator:
    """Feed it ``ChatCompletionChunk`` objects (or dicts); read ``completion`` at any time."""

    def __init__(self) -> None:
        self._id: str | None = None
        self._model: str | None = None
        self._created: int | None = None
        self._fingerprint: str | None = None
        self._usage: Any = None
        self._choices: dict[int, dict[str, Any]] = {}

    def add(self, chunk: Any) -> None:
        data = chunk if isinstance(chunk, dict) else chunk.model_dump(exclude_none=True)
        self._id = self._id or data.get("id")
        self._model = self._model or data.get("model")
        self._created = self._created or data.get("created")
        self._fingerprint = data.get("system_fingerprint") or self._fingerprint
        if data.get("usage"):
            self._usage = data["usage"]
        for choice in data.get("choices") or []:
            index = choice.get("index", 0)
            state = self._choices.setdefault(
                index, {"index": index, "role": "assistant", "content": None, "refusal": None, "tools": {}}
            )
            delta = choice.get("delta") or {}
            if delta.get("role"):
                state["role"] = delta["role"]
            for key in ("content", "refusal"):
                if delta.get(key):
                    state[key] = (state[key] or "") + delta[key]
            for call in delta.get("tool_calls") or []:
                slot = state["tools"].setdefault(
                    call.get("index", 0), {"id": None, "type": "function", "name": "", "arguments": ""}
                )
                if call.get("id"):
                    slot["id"] = call["id"]
                if call.get("type"):
                    slot["type"] = call["type"]
                function = call.get("function") or {}
                if function.get("name"):
                    slot["name"] += function["name"]
                if function.get("arguments"):
                    slot["arguments"] += function["arguments"]
            if choice.get("finish_reason"):
                state["finish_reason"] = choice["finish_reason"]

    def to_dict(self) -> dict[str, Any]:
        choices = []
        for index in sorted(self._choices):
            state = self._choices[index]
            message: dict[str, Any] = {
                "role": state["role"],
                "content": state["content"],
                "refusal": state["refusal"],
            }
            if state["tools"]:
                message["tool_calls"] = [
                    {
                        "id": slot["id"],
                        "type": slot["type"],
                        "function": {"name": slot["name"], "arguments": slot["arguments"]},
                    }
                    for _, slot in sorted(state["tools"].items())
                ]
            choices.append({"index": index, "message": message, "finish_reason": state.get("finish_reason")})
        result: dict[str, Any] = {
            "id": self._id or "",
            "object": "chat.completion",
            "created": self._created,
            "model": self._model,
            "choices": choices,
        }
        if self._usage:
            result["usage"] = self._usage
        if self._fingerprint:
            result["system_fingerprint"] = self._fingerprint
        return result

    @property
    def completion(self) -> Any:
        from .types.chat import ChatCompletion

        return ChatCompletion.model_validate(self.to_dict())


def accumulate_chat(chunks: Any) -> Any:
    """The ``ChatCompletion`` that a whole sequence of chunks adds up to."""
    accumulator = ChatCompletionAccumulator()
    for chunk in chunks:
        accumulator.add(chunk)
    return accumulator.completion


class ChatCompletionStream:
    """A chat stream that keeps the running total: iterate chunks, then ``get_final_completion()``."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.accumulator = ChatCompletionAccumulator()

    def __iter__(self) -> Iterator[Any]:
        for chunk in self.stream:
            self.accumulator.add(chunk)
            yield chunk

    def text_deltas(self) -> Iterator[str]:
        for chunk in self:
            for choice in chunk.choices:
                if choice.index == 0 and choice.delta.content:
                    yield choice.delta.content

    def get_final_completion(self) -> Any:
        for _ in self:
            pass
        if not self.stream.complete:
            raise self.stream.incomplete_error()
        return self.accumulator.completion

    def close(self) -> None:
        self.stream.close()

    def __enter__(self) -> ChatCompletionStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncChatCompletionStream:
    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.accumulator = ChatCompletionAccumulator()

    async def _iterate(self) -> AsyncIterator[Any]:
        async for chunk in self.stream:
            self.accumulator.add(chunk)
            yield chunk

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterate()

    async def text_deltas(self) -> AsyncIterator[str]:
        async for chunk in self:
            for choice in chunk.choices:
                if choice.index == 0 and choice.delta.content:
                    yield choice.delta.content

    async def get_final_completion(self) -> Any:
        async for _ in self:
            pass
        if not self.stream.complete:
            raise self.stream.incomplete_error()
        return self.accumulator.completion

    async def close(self) -> None:
        await self.stream.close()

    async def __aenter__(self) -> AsyncChatCompletionStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class ResponseStreamHelper:
    """A Responses stream that remembers the final ``response`` (from ``response.completed``,
    ``.failed`` or ``.incomplete``)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.final_response: Any = None
        self.text = ""

    def _see(self, event: Any) -> None:
        if event.type == "response.output_text.delta" and isinstance(event.delta, str):
            self.text += event.delta
        elif event.type in RESPONSE_END_EVENTS:
            self.final_response = event.response

    def __iter__(self) -> Iterator[Any]:
        for event in self.stream:
            self._see(event)
            yield event

    def get_final_response(self) -> Any:
        for _ in self:
            pass
        return self._final()

    def _final(self) -> Any:
        if self.final_response is None:
            raise self.stream.incomplete_error()
        return self.final_response

    def close(self) -> None:
        self.stream.close()

    def __enter__(self) -> ResponseStreamHelper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncResponseStreamHelper(ResponseStreamHelper):
    async def _iterate(self) -> AsyncIterator[Any]:
        async for event in self.stream:
            self._see(event)
            yield event

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterate()

    async def get_final_response(self) -> Any:
        async for _ in self:
            pass
        return self._final()

    async def close(self) -> None:  # type: ignore[override]
        await self.stream.close()

    async def __aenter__(self) -> AsyncResponseStreamHelper:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def _await_then(awaitable: Any, wrap: Any) -> Any:
    return wrap(await awaitable)


def wrap_stream(client: Any, result: Any, sync_wrap: Any, async_wrap: Any) -> Any:
    """Wrap a stream (sync) or the awaitable of one (async) in a helper."""
    if client.is_async:
        return _await_then(result, async_wrap)
    return sync_wrap(result)

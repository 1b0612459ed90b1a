"""The two wire formats of a run's events, as pure encoders: event in, bytes out.

- ``"openai"``: named server-sent events, one per run event, in the shape of OpenAI's own
  streams: ``id: <sequence>``, ``event: <type>``, ``data: <event.to_dict() as JSON>``. The ``id``
  is what a browser's ``EventSource`` sends back as ``Last-Event-ID`` when it reconnects.
- ``"ui"``: the AI SDK's UI message stream (protocol ``v1``, read by ``useChat`` from ``ai`` 5):
  ``data: <part as JSON>`` per part, then ``data: [DONE]``. Its part names and fields are the
  ``uiMessageChunkSchema`` of the ``ai`` package; a run is one assistant message whose id is
  ``run-<run id>``, each round of the model one step, each function call a ``dynamic-tool`` part
  (the browser does not know the server's tools ahead).

Each encoder keeps what it needs to know of the stream so far (the open text parts, the calls
seen), so one encoder serves one response.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from ..services.events import (
    ItemCompleted,
    ItemStarted,
    RunCompleted,
    RunEventBase,
    RunFailed,
    TextDelta,
    ToolCallDelta,
    ToolCallFinished,
    ToolCallStarted,
)

__all__ = [
    "PROTOCOLS",
    "Encoder",
    "OpenAIEncoder",
    "UIMessageEncoder",
    "encoder_for",
    "message_id",
]

#: A comment line: ignored by every SSE reader, it keeps proxies and browsers from timing out.
PING = b": ping\n\n"
#: What a failure that is no run event (the server's own error) says to the reader: no details.
INTERNAL_ERROR = {"code": "internal_error", "message": "The stream failed on the server."}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def message_id(run_id: int) -> str:
    """The UI message id of a run's answer: ``run-<pk>`` (what ``regenerate`` sends back)."""
    return f"run-{run_id}"


class Encoder(Protocol):
    #: The response's content type and extra headers.
    content_type: str
    headers: dict[str, str]

    def encode(self, event: RunEventBase) -> bytes: ...

    def fail(self, error: dict[str, Any]) -> bytes:
        """The bytes that end the stream when it breaks without a final event."""
        ...

    def close(self) -> bytes:
        """The bytes after the last event (nothing, or an end marker)."""
        ...


class OpenAIEncoder:
    """``id: <sequence>\\nevent: <type>\\ndata: <json>\\n\\n`` for each event."""

    content_type = "text/event-stream; charset=utf-8"
    headers: dict[str, str] = {}

    def __init__(self) -> None:
        self.last_sequence = 0
        self.run_id = 0
        self.ended = False

    def encode(self, event: RunEventBase) -> bytes:
        self.last_sequence = max(self.last_sequence, event.sequence)
        self.run_id = event.run_id or self.run_id
        self.ended = self.ended or event.is_final
        return f"id: {event.sequence}\nevent: {event.type}\ndata: {_json(event.to_dict())}\n\n".encode()

    def fail(self, error: dict[str, Any]) -> bytes:
        if self.ended:
            return b""
        return self.encode(
            RunFailed(sequence=self.last_sequence + 1, run_id=self.run_id, status="failed", error=error)
        )

    def close(self) -> bytes:
        return b""


class UIMessageEncoder:
    """The AI SDK's UI message stream: ``start``, steps, text, reasoning and tool parts, ``finish``."""

    content_type = "text/event-stream; charset=utf-8"
    headers = {"x-vercel-ai-ui-message-stream": "v1"}

    def __init__(self) -> None:
        self.started = False
        self.in_step = False
        self.after_tools = False
        self.open_texts: set[str] = set()
        self.calls: dict[str, str] = {}  # call_id -> name, once tool-input-start went out
        self.inputs: set[str] = set()  # call_ids whose tool-input-available went out
        self.ended = False

    # -- parts ----------------------------------------------------------------------------------

    @staticmethod
    def _part(part: dict[str, Any]) -> bytes:
        return f"data: {_json(part)}\n\n".encode()

    def _start(self, event: RunEventBase, parts: list[dict[str, Any]]) -> None:
        if not self.started:
            self.started = True
            parts.append({"type": "start", "messageId": message_id(event.run_id)})

    def _step(self, parts: list[dict[str, Any]]) -> None:
        """Content is coming: open a step, or a new one after the tools' results."""
        if self.in_step and self.after_tools:
            parts.extend(self._end_step())
        if not self.in_step:
            parts.append({"type": "start-step"})
            self.in_step = True
        self.after_tools = False

    def _end_step(self) -> list[dict[str, Any]]:
        parts: list[dict[str, Any]] = [
            {"type": "text-end", "id": text_id} for text_id in sorted(self.open_texts)
        ]
        self.open_texts.clear()
        if self.in_step:
            parts.append({"type": "finish-step"})
            self.in_step = False
        return parts

    def _tool_start(self, call_id: str, name: str, parts: list[dict[str, Any]]) -> None:
        if call_id not in self.calls:
            self.calls[call_id] = name
            parts.append(
                {"type": "tool-input-start", "toolCallId": call_id, "toolName": name, "dynamic": True}
            )

    def _tool_input(self, call_id: str, name: str, arguments: str, parts: list[dict[str, Any]]) -> None:
        if call_id in self.inputs:
            return
        self._tool_start(call_id, name, parts)
        self.inputs.add(call_id)
        parts.append(
            {
                "type": "tool-input-available",
                "toolCallId": call_id,
                "toolName": self.calls[call_id] or name,
                "input": _decoded(arguments),
                "dynamic": True,
            }
        )

    # -- events ---------------------------------------------------------------------------------

    def encode(self, event: RunEventBase) -> bytes:
        parts: list[dict[str, Any]] = []
        self._start(event, parts)
        if isinstance(event, ItemStarted):
            self._step(parts)
            if event.item_type == "message" and event.item_id not in self.open_texts:
                self.open_texts.add(event.item_id)
                parts.append({"type": "text-start", "id": event.item_id})
        elif isinstance(event, TextDelta):
            self._step(parts)
            if event.item_id not in self.open_texts:
                self.open_texts.add(event.item_id)
                parts.append({"type": "text-start", "id": event.item_id})
            parts.append({"type": "text-delta", "id": event.item_id, "delta": event.delta})
        elif isinstance(event, ToolCallStarted):
            self._step(parts)
            self._tool_start(event.call_id, event.name, parts)
        elif isinstance(event, ToolCallDelta):
            self._step(parts)
            self._tool_start(event.call_id, "", parts)
            parts.append(
                {"type": "tool-input-delta", "toolCallId": event.call_id, "inputTextDelta": event.delta}
            )
        elif isinstance(event, ItemCompleted):
            self._completed(event, parts)
        elif isinstance(event, ToolCallFinished):
            self._step(parts)
            self._tool_input(event.call_id, event.name, event.arguments, parts)
            if event.error:
                parts.append(
                    {
                        "type": "tool-output-error",
                        "toolCallId": event.call_id,
                        "errorText": event.error,
                        "dynamic": True,
                    }
                )
            else:
                parts.append(
                    {
                        "type": "tool-output-available",
                        "toolCallId": event.call_id,
                        "output": _decoded(event.output),
                        "dynamic": True,
                    }
                )
            self.after_tools = True
        elif isinstance(event, RunCompleted):
            parts.extend(self._end_step())
            parts.append({"type": "finish", "finishReason": "stop"})
            self.ended = True
        elif isinstance(event, RunFailed):
            parts.extend(self._end_step())
            parts.extend(self._failure(event.status, event.error))
            self.ended = True
        return b"".join(self._part(part) for part in parts)

    def _completed(self, event: ItemCompleted, parts: list[dict[str, Any]]) -> None:
        if event.item_type == "message":
            if event.item_id in self.open_texts:
                self.open_texts.discard(event.item_id)
                parts.append({"type": "text-end", "id": event.item_id})
        elif event.item_type == "function_call":
            self._step(parts)
            item = event.item
            self._tool_input(
                str(item.get("call_id") or ""),
                str(item.get("name") or ""),
                str(item.get("arguments") or ""),
                parts,
            )
        elif event.item_type == "reasoning":
            summary = "".join(
                str(part.get("text") or "")
                for part in event.item.get("summary") or []
                if isinstance(part, dict)
            )
            if summary:
                self._step(parts)
                parts.append({"type": "reasoning-start", "id": event.item_id})
                parts.append({"type": "reasoning-delta", "id": event.item_id, "delta": summary})
                parts.append({"type": "reasoning-end", "id": event.item_id})

    @staticmethod
    def _failure(status: str, error: dict[str, Any]) -> list[dict[str, Any]]:
        if status == "cancelled":
            return [{"type": "abort"}]
        text = str(error.get("message") or error.get("code") or f"The run is {status}.")
        return [{"type": "error", "errorText": text}, {"type": "finish", "finishReason": "error"}]

    def fail(self, error: dict[str, Any]) -> bytes:
        if self.ended:
            return b""
        self.ended = True
        parts = self._end_step() + self._failure("failed", error)
        return b"".join(self._part(part) for part in parts)

    def close(self) -> bytes:
        return b"data: [DONE]\n\n"


def _decoded(text: str) -> Any:
    """A tool's JSON arguments or output as a value; text that is not JSON stays text."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


PROTOCOLS: dict[str, type[OpenAIEncoder] | type[UIMessageEncoder]] = {
    "openai": OpenAIEncoder,
    "ui": UIMessageEncoder,
}


def encoder_for(protocol: str) -> OpenAIEncoder | UIMessageEncoder:
    try:
        return PROTOCOLS[protocol]()
    except KeyError:
        raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}") from None

"""The two ways a run reaches a model, as pure code: request bodies, and streams read as events.

``responses``: one ``POST /responses`` per round, on the thread's Conversation or chained with
``previous_response_id``; output items arrive whole in ``response.output_item.done``.
``chat``: one ``POST /chat/completions`` per round, replaying the thread's items as messages;
the answer's items are made up at the end of the stream.

Both read a stream into the same calls on a :class:`Sink` (the run job), so that a run yields the
same events on both (docs/assistants.md, "Backends"). Nothing here touches the database or the
network.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .threads import item_text
from .tokens import fit_turns, message_tokens

#: Request keys a run sets itself: overrides may not replace them.
RESERVED_KEYS = frozenset(
    {"input", "messages", "stream", "stream_options", "conversation", "previous_response_id", "background"}
)


class Sink(Protocol):
    def item_started(self, item_id: str, item_type: str, role: str = "") -> None: ...
    def text_delta(self, item_id: str, delta: str) -> None: ...
    def call_started(self, item_id: str, call_id: str, name: str) -> None: ...
    def call_delta(self, item_id: str, delta: str) -> None: ...
    def item_done(self, item: dict[str, Any], status: str = "completed") -> None: ...
    def response_started(self, response_id: str) -> None: ...
    def round_ended(self, status: str, usage: dict[str, int], error: dict[str, Any] | None) -> None: ...


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0

    def add(self, other: dict[str, int]) -> None:
        for name in ("input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens"):
            setattr(self, name, getattr(self, name) + int(other.get(name) or 0))


def responses_usage(usage: dict[str, Any] | None) -> dict[str, int]:
    usage = usage or {}
    return {
        "input_tokens": int(usage.get("input_tokens") or 0),
        "output_tokens": int(usage.get("output_tokens") or 0),
        "cached_tokens": int((usage.get("input_tokens_details") or {}).get("cached_tokens") or 0),
        "reasoning_tokens": int((usage.get("output_tokens_details") or {}).get("reasoning_tokens") or 0),
    }


def chat_usage(usage: dict[str, Any] | None) -> dict[str, int]:
    usage = usage or {}
    return {
        "input_tokens": int(usage.get("prompt_tokens") or 0),
        "output_tokens": int(usage.get("completion_tokens") or 0),
        "cached_tokens": int((usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0),
        "reasoning_tokens": int((usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0),
    }


# -- What an assistant version asks for ---------------------------------------------------------


@dataclass
class RunSettings:
    """A version's snapshot and a run's overrides, resolved: what every round of the run sends."""

    model: str
    instructions: str = ""
    #: Function tools by name (registered), and hosted tools as given.
    function_tools: dict[str, Any] = field(default_factory=dict)
    hosted_tools: list[dict[str, Any]] = field(default_factory=list)
    #: ``{"name", "schema", "strict"}``, or None.
    json_schema: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    max_context_tokens: int | None = None
    #: Request keys given as overrides, sent as they are (``tool_choice``, ``metadata``...).
    extra: dict[str, Any] = field(default_factory=dict)


def responses_tools(settings: RunSettings) -> list[dict[str, Any]]:
    return [t.definition("responses") for t in settings.function_tools.values()] + settings.hosted_tools


def chat_tools(settings: RunSettings) -> list[dict[str, Any]]:
    return [t.definition("chat") for t in settings.function_tools.values()]


# -- Responses -----------------------------------------------------------------------------------


def as_input_item(item: dict[str, Any]) -> dict[str, Any] | None:
    """A stored item as the input of a new request, or None for what cannot be sent again
    (reasoning and hosted tool calls belong to the response that made them)."""
    kind = item.get("type", "message")
    if kind == "message":
        role = item.get("role") or "user"
        content = item.get("content")
        if role == "assistant":
            # An assistant's earlier answer, as text (output parts carry ids of their response).
            return {"type": "message", "role": "assistant", "content": item_text(item)}
        return {"type": "message", "role": role, "content": content}
    if kind == "function_call":
        return {
            "type": "function_call",
            "call_id": item.get("call_id", ""),
            "name": item.get("name", ""),
            "arguments": item.get("arguments", ""),
        }
    if kind == "function_call_output":
        output = item.get("output")
        return {
            "type": "function_call_output",
            "call_id": item.get("call_id", ""),
            "output": output if isinstance(output, str) else json.dumps(output),
        }
    return None


def responses_body(
    settings: RunSettings,
    items: Iterable[dict[str, Any]],
    *,
    conversation: str = "",
    previous_response_id: str = "",
    background: bool = False,
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": settings.model}
    if settings.instructions:
        body["instructions"] = settings.instructions
    body["input"] = [i for i in (as_input_item(item) for item in items) if i is not None]
    if conversation:
        body["conversation"] = conversation
    elif previous_response_id:
        body["previous_response_id"] = previous_response_id
    tools = responses_tools(settings)
    if tools:
        body["tools"] = tools
    params = settings.params
    for name in ("temperature", "top_p", "max_output_tokens"):
        if params.get(name) is not None:
            body[name] = params[name]
    if params.get("reasoning_effort"):
        body["reasoning"] = {"effort": params["reasoning_effort"]}
    if settings.json_schema is not None:
        body["text"] = {"format": {"type": "json_schema", **settings.json_schema}}
    body.update(settings.extra)
    if background:
        body.update(background=True, store=True)
    else:
        body["stream"] = True
    return body


class ResponsesReader:
    """Reads a Responses stream (decoded JSON events) into a :class:`Sink`."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.call_ids: dict[str, str] = {}
        #: Output items begun and not done: id -> (type, role, text so far).
        self.open: dict[str, dict[str, Any]] = {}
        self.ended = False

    def feed(self, event: dict[str, Any]) -> None:
        kind = event.get("type", "")
        if kind == "response.output_text.delta":
            item_id = str(event.get("item_id") or "")
            delta = str(event.get("delta") or "")
            if item_id in self.open:
                self.open[item_id]["text"] += delta
            self.sink.text_delta(item_id, delta)
        elif kind == "response.function_call_arguments.delta":
            item_id = str(event.get("item_id") or "")
            self.sink.call_delta(item_id, str(event.get("delta") or ""))
        elif kind == "response.output_item.added":
            item = event.get("item") or {}
            item_id = str(item.get("id") or f"item_{event.get('output_index', 0)}")
            self.open[item_id] = {"type": item.get("type", ""), "role": item.get("role", ""), "text": ""}
            self.sink.item_started(item_id, str(item.get("type") or ""), str(item.get("role") or ""))
            if item.get("type") == "function_call":
                self.call_ids[item_id] = str(item.get("call_id") or "")
                self.sink.call_started(item_id, self.call_ids[item_id], str(item.get("name") or ""))
        elif kind == "response.output_item.done":
            item = dict(event.get("item") or {})
            self.open.pop(str(item.get("id") or f"item_{event.get('output_index', 0)}"), None)
            status = "incomplete" if item.get("status") == "incomplete" else "completed"
            self.sink.item_done(item, status)
        elif kind == "response.created":
            self.sink.response_started(str((event.get("response") or {}).get("id") or ""))
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            self.ended = True
            self.finish(event.get("response") or {})

    def finish(self, response: dict[str, Any]) -> None:
        status = str(response.get("status") or "completed")
        error = response.get("error") or None
        if status == "incomplete" and not error:
            reason = (response.get("incomplete_details") or {}).get("reason") or "unknown"
            error = {"code": "incomplete", "message": f"The response is incomplete ({reason})."}
        self.sink.round_ended(status, responses_usage(response.get("usage")), error)

    def partial_items(self) -> list[dict[str, Any]]:
        """The messages begun and not finished, with their text so far (an interrupted stream)."""
        return [
            {
                "type": "message",
                "id": item_id,
                "role": state["role"] or "assistant",
                "status": "incomplete",
                "content": [{"type": "output_text", "text": state["text"], "annotations": []}],
            }
            for item_id, state in self.open.items()
            if state["type"] == "message" and state["text"]
        ]


def read_response(sink: Sink, response: dict[str, Any]) -> None:
    """A whole (polled) response, as its stream would have told it: each output item, then the end."""
    sink.response_started(str(response.get("id") or ""))
    for item in response.get("output") or ():
        if isinstance(item, dict):
            sink.item_done(dict(item), "incomplete" if item.get("status") == "incomplete" else "completed")
    ResponsesReader(sink).finish(response)


# -- Chat completions ----------------------------------------------------------------------------


def _chat_content(content: Any) -> Any:
    """Responses content parts as chat content: a string when it is all text."""
    if isinstance(content, str) or content is None:
        return content or ""
    parts: list[dict[str, Any]] = []
    for part in content:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind in ("input_text", "output_text", "text"):
            parts.append({"type": "text", "text": str(part.get("text") or "")})
        elif kind == "input_image":
            url = part.get("image_url") or ""
            image: dict[str, Any] = {"url": url}
            if part.get("detail"):
                image["detail"] = part["detail"]
            parts.append({"type": "image_url", "image_url": image})
        elif kind == "input_file" and part.get("file_id"):
            parts.append({"type": "file", "file": {"file_id": part["file_id"]}})
    if all(p["type"] == "text" for p in parts):
        return "".join(p["text"] for p in parts)
    return parts


def chat_turns(items: Iterable[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The stored items as chat messages, grouped in turns (each from a user message to the next).

    Function calls join the assistant message before them (as ``tool_calls``); outputs become
    ``tool`` messages; what chat cannot carry (reasoning, hosted tool calls) is left out.
    """
    turns: list[list[dict[str, Any]]] = [[]]
    for item in items:
        kind = item.get("type", "message")
        current = turns[-1]
        if kind == "message":
            role = item.get("role") or "user"
            if role == "user" and current:
                turns.append(current := [])
            if role == "assistant":
                current.append({"role": "assistant", "content": item_text(item)})
            else:
                current.append({"role": role, "content": _chat_content(item.get("content"))})
        elif kind == "function_call":
            call = {
                "id": item.get("call_id", ""),
                "type": "function",
                "function": {"name": item.get("name", ""), "arguments": item.get("arguments", "")},
            }
            last = current[-1] if current else None
            if last is not None and last["role"] == "assistant":
                # The text and the calls of one answer travel as one chat message.
                last.setdefault("tool_calls", []).append(call)
                if not last.get("content"):
                    last["content"] = None
            else:
                current.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            current.append(
                {
                    "role": "tool",
                    "tool_call_id": item.get("call_id", ""),
                    "content": output if isinstance(output, str) else json.dumps(output),
                }
            )
    return [turn for turn in turns if turn]


def chat_body(
    settings: RunSettings,
    items: Sequence[dict[str, Any]],
    *,
    count: Any,
    max_tokens_key: str = "max_completion_tokens",
) -> tuple[dict[str, Any], int]:
    """The request for one round on the chat backend, and how many old turns were left out."""
    system = [{"role": "system", "content": settings.instructions}] if settings.instructions else []
    turns = chat_turns(items)
    dropped = 0
    if settings.max_context_tokens:
        reserved = sum(message_tokens(m, count) for m in system)
        messages, dropped = fit_turns(turns, settings.max_context_tokens, reserved=reserved, count=count)
    else:
        messages = [m for turn in turns for m in turn]
    body: dict[str, Any] = {
        "model": settings.model,
        "messages": system + messages,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    tools = chat_tools(settings)
    if tools:
        body["tools"] = tools
    params = settings.params
    for name in ("temperature", "top_p"):
        if params.get(name) is not None:
            body[name] = params[name]
    if params.get("max_output_tokens") is not None:
        body[max_tokens_key] = params["max_output_tokens"]
    if params.get("reasoning_effort"):
        body["reasoning_effort"] = params["reasoning_effort"]
    if settings.json_schema is not None:
        body["response_format"] = {"type": "json_schema", "json_schema": settings.json_schema}
    body.update(settings.extra)
    return body, dropped


class ChatReader:
    """Reads a chat completions stream (decoded chunks) into a :class:`Sink`.

    Chat has no items: the message and each tool call are made up, as Responses items, when the
    stream ends (``end()``), under ids unique to the round (``prefix``).
    """

    def __init__(self, sink: Sink, prefix: str) -> None:
        self.sink = sink
        self.prefix = prefix
        self.text = ""
        self.message_started = False
        self.calls: dict[int, dict[str, str]] = {}
        self.finish_reason = ""
        self.usage: dict[str, int] = {}
        self.ended = False

    @property
    def message_id(self) -> str:
        return f"msg_{self.prefix}"

    def feed(self, chunk: dict[str, Any]) -> None:
        if chunk.get("usage"):
            self.usage = chat_usage(chunk["usage"])
        for choice in chunk.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            content = delta.get("content")
            if content:
                if not self.message_started:
                    self.message_started = True
                    self.sink.item_started(self.message_id, "message", "assistant")
                self.text += content
                self.sink.text_delta(self.message_id, content)
            for call in delta.get("tool_calls") or ():
                index = int(call.get("index") or 0)
                function = call.get("function") or {}
                state = self.calls.get(index)
                if state is None:
                    state = self.calls[index] = {
                        "item_id": f"fc_{self.prefix}_{index}",
                        "call_id": str(call.get("id") or f"call_{self.prefix}_{index}"),
                        "name": str(function.get("name") or ""),
                        "arguments": "",
                    }
                    self.sink.item_started(state["item_id"], "function_call")
                    self.sink.call_started(state["item_id"], state["call_id"], state["name"])
                elif function.get("name") and not state["name"]:
                    state["name"] = str(function["name"])
                if function.get("arguments"):
                    state["arguments"] += function["arguments"]
                    self.sink.call_delta(state["item_id"], function["arguments"])
            if choice.get("finish_reason"):
                self.finish_reason = str(choice["finish_reason"])

    def end(self) -> None:
        """The stream is over: store what it said, and end the round."""
        self.ended = True
        cut = self.finish_reason == "length"
        if self.message_started:
            status = "incomplete" if cut else "completed"
            self.sink.item_done(self._message(status), status)
        if not cut:
            for _, state in sorted(self.calls.items()):
                self.sink.item_done(
                    {
                        "type": "function_call",
                        "id": state["item_id"],
                        "call_id": state["call_id"],
                        "name": state["name"],
                        "arguments": state["arguments"],
                        "status": "completed",
                    }
                )
        error = {"code": "incomplete", "message": "The answer reached its token limit."} if cut else None
        self.sink.round_ended("incomplete" if cut else "completed", self.usage, error)

    def _message(self, status: str) -> dict[str, Any]:
        return {
            "type": "message",
            "id": self.message_id,
            "role": "assistant",
            "status": status,
            "content": [{"type": "output_text", "text": self.text, "annotations": []}],
        }

    def partial_items(self) -> list[dict[str, Any]]:
        return [self._message("incomplete")] if self.message_started and not self.ended else []

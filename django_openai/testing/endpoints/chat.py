"""Chat completions: answers, tool calls, structured output, streams, and stored completions."""

from __future__ import annotations

import json
from typing import Any

from ..content import reply_text, sample_from_schema, split_every, split_words, text_of, usage
from ..routing import Route
from ..state import FakeState
from ..tool_calls import choose_tool_calls
from ..wire import FakeError, FakeRequest, FakeResponse, not_found, paginate, public, require


def _structured(body: dict[str, Any], text: str) -> str | None:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return json.dumps(sample_from_schema((fmt.get("json_schema") or {}).get("schema", {})))
    if fmt.get("type") == "json_object":
        return json.dumps({"reply": text})
    return None


def chat_message(body: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    """The assistant message for a chat request, the finish reason, and the prompt text."""
    messages = body.get("messages") or []
    last = messages[-1] if messages else {}
    prompt = " ".join(text_of(m.get("content")) for m in messages if isinstance(m, dict))
    if last.get("role") == "tool":
        outputs = [text_of(m.get("content")) for m in messages if m.get("role") == "tool"]
        content = "Tool results: " + "; ".join(outputs)
        return {"role": "assistant", "content": content, "refusal": None}, "stop", prompt
    last_text = text_of(last.get("content"))
    calls = choose_tool_calls(body, last_text, prompt)
    if calls:
        return (
            {"role": "assistant", "content": None, "refusal": None, "tool_calls": calls},
            "tool_calls",
            prompt,
        )
    text = reply_text(last_text, body.get("model", ""))
    return {"role": "assistant", "content": _structured(body, text) or text, "refusal": None}, "stop", prompt


def chat_completion_object(
    state: FakeState, body: dict[str, Any], completion_id: str | None = None
) -> dict[str, Any]:
    message, finish, prompt = chat_message(body)
    n = int(body.get("n") or 1)
    return {
        "id": completion_id or state.new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": state.now(),
        "model": body["model"],
        "choices": [
            {"index": i, "message": message, "finish_reason": finish, "logprobs": None} for i in range(n)
        ],
        "usage": usage(prompt, message.get("content") or json.dumps(message.get("tool_calls"))),
        "system_fingerprint": "fp_fake",
        "service_tier": "default",
    }


def _validate_chat(body: dict[str, Any]) -> None:
    require(body, "model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise FakeError(400, "'messages' must be a non-empty array.", param="messages", code="invalid_value")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in (
            "system",
            "developer",
            "user",
            "assistant",
            "tool",
            "function",
        ):
            raise FakeError(
                400,
                f"Invalid value for 'messages[{i}].role'.",
                param=f"messages[{i}].role",
                code="invalid_value",
            )


def create_chat_completion(state: FakeState, req: FakeRequest) -> FakeResponse:
    body = req.json()
    _validate_chat(body)
    completion = chat_completion_object(state, body)
    if body.get("store"):
        state.chat_completions[completion["id"]] = {
            **completion,
            "metadata": body.get("metadata") or {},
            "_messages": body["messages"],
        }
    if body.get("stream"):
        return FakeResponse.sse(
            _chat_chunks(completion, (body.get("stream_options") or {}).get("include_usage"))
        )
    return FakeResponse.json(completion)


def _chat_chunks(completion: dict[str, Any], include_usage: bool | None) -> list[dict[str, Any]]:
    base = {k: completion[k] for k in ("id", "created", "model", "system_fingerprint")} | {
        "object": "chat.completion.chunk"
    }
    chunks: list[dict[str, Any]] = []
    for choice in completion["choices"]:
        index, message = choice["index"], choice["message"]

        def delta(d: dict[str, Any], finish: str | None = None, index: int = index) -> dict[str, Any]:
            return {
                **base,
                "choices": [{"index": index, "delta": d, "finish_reason": finish, "logprobs": None}],
            }

        chunks.append(delta({"role": "assistant", "content": ""}))
        for words in split_words(message.get("content") or ""):
            chunks.append(delta({"content": words}))
        for i, call in enumerate(message.get("tool_calls") or []):
            name, arguments = call["function"]["name"], call["function"]["arguments"]
            chunks.append(
                delta(
                    {
                        "tool_calls": [
                            {
                                "index": i,
                                "id": call["id"],
                                "type": "function",
                                "function": {"name": name, "arguments": ""},
                            }
                        ]
                    }
                )
            )
            for piece in split_every(arguments, 8):
                chunks.append(delta({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}))
        chunks.append(delta({}, choice["finish_reason"]))
    if include_usage:
        chunks.append({**base, "choices": [], "usage": completion["usage"]})
    return chunks


def _stored(state: FakeState, completion_id: str) -> dict[str, Any]:
    try:
        return state.chat_completions[completion_id]
    except KeyError:
        raise not_found("chat completion", completion_id) from None


def list_chat_completions(state: FakeState, req: FakeRequest) -> FakeResponse:
    items = [public(c) for c in state.chat_completions.values() if req.q("model") in (None, c["model"])]
    return paginate(req, items)


def retrieve_chat_completion(state: FakeState, req: FakeRequest, completion_id: str) -> FakeResponse:
    return FakeResponse.json(public(_stored(state, completion_id)))


def update_chat_completion(state: FakeState, req: FakeRequest, completion_id: str) -> FakeResponse:
    stored = _stored(state, completion_id)
    stored["metadata"] = req.json().get("metadata") or {}
    return FakeResponse.json(public(stored))


def delete_chat_completion(state: FakeState, req: FakeRequest, completion_id: str) -> FakeResponse:
    _stored(state, completion_id)
    del state.chat_completions[completion_id]
    return FakeResponse.json({"id": completion_id, "object": "chat.completion.deleted", "deleted": True})


def chat_completion_messages(state: FakeState, req: FakeRequest, completion_id: str) -> FakeResponse:
    messages = _stored(state, completion_id)["_messages"]
    items = [
        {"id": f"{completion_id}-{i}", "role": m.get("role"), "content": text_of(m.get("content"))}
        for i, m in enumerate(messages)
    ]
    return paginate(req, items)


ROUTES: list[Route] = [
    ("POST", "/chat/completions", create_chat_completion),
    ("GET", "/chat/completions", list_chat_completions),
    ("GET", "/chat/completions/{completion_id}", retrieve_chat_completion),
    ("POST", "/chat/completions/{completion_id}", update_chat_completion),
    ("DELETE", "/chat/completions/{completion_id}", delete_chat_completion),
    ("GET", "/chat/completions/{completion_id}/messages", chat_completion_messages),
]

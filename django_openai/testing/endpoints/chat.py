"""Chat completions: answers, tool calls, structured output, streams, and stored completions."""

from __future__ import annotations

import json
from typing import Any

from ..content import reply_text, sample_from_schema, split_every, split_words, text_of
from ..routing import Route
from ..state import FakeState
from ..tool_calls import choose_tool_calls, tool_outputs_answer
from ..usage import chat_usage
from ..wire import FakeError, FakeRequest, FakeResponse, not_found, paginate, public, require


def _structured(body: dict[str, Any], text: str) -> str | None:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return json.dumps(sample_from_schema((fmt.get("json_schema") or {}).get("schema", {})))
    if fmt.get("type") == "json_object":
        return json.dumps({"reply": text})
    return None


def chat_message(body: dict[str, Any], words: int | None = None) -> tuple[dict[str, Any], str]:
    """The assistant message for a chat request and its finish reason (the rule: tool_calls.py)."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    user_texts = [text_of(m.get("content")) for m in messages if m.get("role") == "user"]
    user_text = user_texts[-1] if user_texts else text_of(messages[-1].get("content") if messages else "")
    outputs = _trailing_tool_outputs(messages)
    calls = choose_tool_calls(body, user_text, answering_tool_outputs=bool(outputs), seed=messages)
    if calls:
        tool_calls = [
            {"id": c.call_id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in calls
        ]
        return {"role": "assistant", "content": None, "refusal": None, "tool_calls": tool_calls}, "tool_calls"
    if outputs:
        return {"role": "assistant", "content": tool_outputs_answer(outputs), "refusal": None}, "stop"
    text = reply_text(user_text, body.get("model", ""), words)
    return {"role": "assistant", "content": _structured(body, text) or text, "refusal": None}, "stop"


def _trailing_tool_outputs(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(tool name, output) of the tool messages that end the conversation: this turn's results."""
    names = {
        call.get("id"): (call.get("function") or {}).get("name", "")
        for m in messages
        for call in m.get("tool_calls") or ()
    }
    outputs: list[tuple[str, str]] = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        outputs.insert(0, (names.get(message.get("tool_call_id"), ""), text_of(message.get("content"))))
    return outputs


def chat_completion_object(
    state: FakeState, body: dict[str, Any], completion_id: str | None = None, words: int | None = None
) -> dict[str, Any]:
    message, finish = chat_message(body, words)
    n = int(body.get("n") or 1)
    return {
        "id": completion_id or state.new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": state.now(),
        "model": body["model"],
        "choices": [
            {"index": i, "message": message, "finish_reason": finish, "logprobs": None} for i in range(n)
        ],
        "usage": chat_usage(body["messages"], message, n),
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
    completion = chat_completion_object(state, body, words=req.answer_words)
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
    response = FakeResponse.json(completion)
    response.generated_tokens = completion["usage"]["completion_tokens"]
    return response


def _chat_chunks(completion: dict[str, Any], include_usage: bool | None) -> list[dict[str, Any]]:
    base = {k: completion[k] for k in ("id", "created", "model", "system_fingerprint")} | {
        "object": "chat.completion.chunk"
    }
    if include_usage:
        # As the API does: every chunk says "usage": null but the last, which carries it alone.
        base["usage"] = None
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

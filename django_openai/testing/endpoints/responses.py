"""The Responses API: answers, function calls, streams, background mode on the fake's clock."""

from __future__ import annotations

import json
from typing import Any

from ..content import count_tokens, reply_text, sample_from_schema, text_of
from ..routing import Route
from ..state import FakeState
from ..tool_calls import choose_tool_calls
from ..wire import FakeError, FakeRequest, FakeResponse, not_found, paginate, public, require
from .conversations import get_conversation, input_items, with_ids

QUEUED_SECONDS = 1
RUNNING_SECONDS = 2


def _output(state: FakeState, body: dict[str, Any], history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    last = history[-1] if history else {}
    if last.get("type") == "function_call_output":
        outputs = [str(i.get("output")) for i in history if i.get("type") == "function_call_output"]
        text = "Tool results: " + "; ".join(outputs)
    else:
        last_text = text_of(last.get("content"))
        calls = choose_tool_calls(body, last_text, last_text)
        if calls:
            return [
                {
                    "type": "function_call",
                    "id": state.new_id("fc_"),
                    "call_id": c["id"],
                    "name": c["function"]["name"],
                    "arguments": c["function"]["arguments"],
                    "status": "completed",
                }
                for c in calls
            ]
        text = reply_text(last_text, body.get("model", ""))
        fmt = (body.get("text") or {}).get("format") or {}
        if fmt.get("type") == "json_schema":
            text = json.dumps(sample_from_schema(fmt.get("schema", {})))
    return [
        {
            "type": "message",
            "id": state.new_id("msg_"),
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
        }
    ]


def _response_view(response: dict[str, Any], state: FakeState) -> dict[str, Any]:
    """The response as seen now: background responses move on with the clock."""
    if response.get("background") and response["status"] in ("queued", "in_progress"):
        age = state.now() - response["created_at"]
        if age >= QUEUED_SECONDS + RUNNING_SECONDS:
            _finish(state, response)
        elif age >= QUEUED_SECONDS:
            response["status"] = "in_progress"
    return public(response)


def _finish(state: FakeState, response: dict[str, Any]) -> None:
    response["status"] = "completed"
    response["completed_at"] = state.now()
    response["output"] = response.pop("_pending_output")
    _record_conversation(state, response)
    state.notify("response.completed", response["id"])


def _record_conversation(state: FakeState, response: dict[str, Any]) -> None:
    conversation_id = (response.get("conversation") or {}).get("id")
    if conversation_id:
        state.conversations[conversation_id]["_items"].extend(response["_input"] + response["output"])


def _response(state: FakeState, response_id: str) -> dict[str, Any]:
    try:
        return state.responses[response_id]
    except KeyError:
        raise not_found("response", response_id, "response_id") from None


def create_response(state: FakeState, req: FakeRequest) -> FakeResponse:
    body = req.json()
    require(body, "model")
    if (
        body.get("input") in (None, "", [])
        and not body.get("conversation")
        and not body.get("previous_response_id")
    ):
        raise FakeError(400, "Missing required parameter: 'input'.", param="input")
    if body.get("conversation") and body.get("previous_response_id"):
        raise FakeError(
            400, "Provide either 'conversation' or 'previous_response_id', not both.", param="conversation"
        )
    history: list[dict[str, Any]] = []
    conversation = body.get("conversation")
    conversation_id = conversation.get("id") if isinstance(conversation, dict) else conversation
    if conversation_id:
        history = list(get_conversation(state, conversation_id)["_items"])
    if body.get("previous_response_id"):
        previous = _response(state, body["previous_response_id"])
        history = previous["_history"] + previous["output"]
    new_items = with_ids(state, input_items(body.get("input")))
    history = history + new_items
    output = _output(state, body, history)
    prompt_tokens = sum(count_tokens(text_of(i.get("content"))) for i in history)
    output_tokens = sum(count_tokens(text_of(i.get("content"))) for i in output)
    response: dict[str, Any] = {
        "id": state.new_id("resp_"),
        "object": "response",
        "created_at": state.now(),
        "status": "completed",
        "model": body["model"],
        "output": output,
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "metadata": body.get("metadata") or {},
        "previous_response_id": body.get("previous_response_id"),
        "conversation": {"id": conversation_id} if conversation_id else None,
        "background": bool(body.get("background")),
        "tools": body.get("tools") or [],
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "tool_choice": body.get("tool_choice", "auto"),
        "temperature": body.get("temperature", 1.0),
        "top_p": body.get("top_p", 1.0),
        "text": body.get("text") or {"format": {"type": "text"}},
        "usage": {
            "input_tokens": prompt_tokens,
            "output_tokens": output_tokens,
            "total_tokens": prompt_tokens + output_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        },
        "_history": history,
        "_input": new_items,
    }
    if body.get("store", True) is not False or body.get("background"):
        state.responses[response["id"]] = response
    if body.get("background"):
        response["status"] = "queued"
        response["_pending_output"] = response["output"]
        response["output"] = []
        return FakeResponse.json(_response_view(response, state))
    _record_conversation(state, response)
    if body.get("stream"):
        return FakeResponse.sse(_response_events(_response_view(response, state)), done=False)
    return FakeResponse.json(_response_view(response, state))


def _response_events(response: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = []
    seq = iter(range(10_000))

    def emit(kind: str, **data: Any) -> None:
        events.append((kind, {"type": kind, "sequence_number": next(seq), **data}))

    started = {**response, "status": "in_progress", "output": [], "usage": None}
    emit("response.created", response=started)
    emit("response.in_progress", response=started)
    for index, item in enumerate(response["output"]):
        if item["type"] != "message":
            emit("response.output_item.added", output_index=index, item={**item, "status": "in_progress"})
            emit(
                "response.function_call_arguments.delta",
                output_index=index,
                item_id=item["id"],
                delta=item.get("arguments", ""),
            )
            emit(
                "response.function_call_arguments.done",
                output_index=index,
                item_id=item["id"],
                arguments=item.get("arguments", ""),
            )
            emit("response.output_item.done", output_index=index, item=item)
            continue
        text = item["content"][0]["text"]
        emit(
            "response.output_item.added",
            output_index=index,
            item={**item, "status": "in_progress", "content": []},
        )
        part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
        emit(
            "response.content_part.added", output_index=index, item_id=item["id"], content_index=0, part=part
        )
        for word in [w if i == 0 else " " + w for i, w in enumerate(text.split(" "))]:
            emit(
                "response.output_text.delta",
                output_index=index,
                item_id=item["id"],
                content_index=0,
                delta=word,
                logprobs=[],
            )
        emit(
            "response.output_text.done",
            output_index=index,
            item_id=item["id"],
            content_index=0,
            text=text,
            logprobs=[],
        )
        emit(
            "response.content_part.done",
            output_index=index,
            item_id=item["id"],
            content_index=0,
            part={**part, "text": text},
        )
        emit("response.output_item.done", output_index=index, item=item)
    emit("response.completed", response=response)
    return events


def retrieve_response(state: FakeState, req: FakeRequest, response_id: str) -> FakeResponse:
    view = _response_view(_response(state, response_id), state)
    if req.q("stream") == "true":
        events = _response_events(view)
        after = int(req.q("starting_after") or -1)
        return FakeResponse.sse([e for e in events if e[1]["sequence_number"] > after], done=False)
    return FakeResponse.json(view)


def cancel_response(state: FakeState, req: FakeRequest, response_id: str) -> FakeResponse:
    response = _response(state, response_id)
    if not response.get("background"):
        raise FakeError(400, "Only background responses can be cancelled.", code="invalid_request")
    view = _response_view(response, state)
    if view["status"] in ("queued", "in_progress"):
        response["status"] = "cancelled"
        response.pop("_pending_output", None)
    return FakeResponse.json(_response_view(response, state))


def delete_response(state: FakeState, req: FakeRequest, response_id: str) -> FakeResponse:
    _response(state, response_id)
    del state.responses[response_id]
    return FakeResponse.json({"id": response_id, "object": "response", "deleted": True})


def response_input_items(state: FakeState, req: FakeRequest, response_id: str) -> FakeResponse:
    return paginate(req, list(_response(state, response_id)["_history"]))


def response_input_tokens(state: FakeState, req: FakeRequest) -> FakeResponse:
    body = req.json()
    items = input_items(body.get("input"))
    return FakeResponse.json(
        {
            "object": "response.input_tokens",
            "input_tokens": sum(count_tokens(text_of(i.get("content"))) for i in items),
        }
    )


def compact_response(state: FakeState, req: FakeRequest) -> FakeResponse:
    body = req.json()
    require(body, "model")
    items = input_items(body.get("input"))
    summary = " ".join(text_of(i.get("content")) for i in items)[:500]
    return FakeResponse.json(
        {
            "id": state.new_id("resp_"),
            "object": "response.compaction",
            "created_at": state.now(),
            "output": [{"type": "compaction", "id": state.new_id("cmp_"), "encrypted_content": summary}],
            "usage": {
                "input_tokens": count_tokens(summary),
                "output_tokens": 0,
                "total_tokens": count_tokens(summary),
            },
        }
    )


ROUTES: list[Route] = [
    ("POST", "/responses", create_response),
    ("POST", "/responses/input_tokens", response_input_tokens),
    ("POST", "/responses/compact", compact_response),
    ("GET", "/responses/{response_id}", retrieve_response),
    ("DELETE", "/responses/{response_id}", delete_response),
    ("POST", "/responses/{response_id}/cancel", cancel_response),
    ("GET", "/responses/{response_id}/input_items", response_input_items),
]

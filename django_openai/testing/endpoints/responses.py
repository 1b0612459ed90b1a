"""The Responses API: answers, function calls, streams, background mode on the fake's clock.

A response answers from its history (the conversation's items, or the previous response's history
and output, then the new input): function calls by the rule in ``tool_calls.py``, a text answer
quoting the tool outputs once they are back, else a canned reply. A background response is queued
for :data:`QUEUED_SECONDS`, runs for :data:`RUNNING_SECONDS` of the fake's clock, then completes;
streaming it (``stream: true``, or ``GET /responses/{id}?stream=true&starting_after=N``) follows it
to its end.
"""

from __future__ import annotations

import json
from typing import Any

from ..content import reply_text, sample_from_schema, text_of
from ..routing import Route
from ..state import FakeState
from ..tool_calls import choose_tool_calls, tool_outputs_answer
from ..usage import count_tokens, item_tokens, response_usage
from ..wire import FakeError, FakeRequest, FakeResponse, not_found, paginate, public, require
from .conversations import get_conversation, input_items, with_ids
from .response_stream import response_events

QUEUED_SECONDS = 1
RUNNING_SECONDS = 2
ACTIVE = ("queued", "in_progress")


def _output(
    state: FakeState, body: dict[str, Any], history: list[dict[str, Any]], words: int | None
) -> list[dict[str, Any]]:
    messages = [i for i in history if i.get("type") == "message" and i.get("role") == "user"]
    user_text = text_of(messages[-1].get("content")) if messages else ""
    outputs = _trailing_tool_outputs(history)
    # Ids differ from one fake to the next; the content alone decides the call ids.
    seed = [{k: v for k, v in i.items() if k not in ("id", "status")} for i in history]
    calls = choose_tool_calls(body, user_text, answering_tool_outputs=bool(outputs), seed=seed)
    if calls:
        return [
            {
                "type": "function_call",
                "id": state.new_id("fc_"),
                "call_id": call.call_id,
                "name": call.name,
                "arguments": call.arguments,
                "status": "completed",
            }
            for call in calls
        ]
    if outputs:
        text = tool_outputs_answer(outputs)
    else:
        text = reply_text(user_text, body.get("model", ""), words)
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


def _trailing_tool_outputs(history: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(tool name, output) of the call outputs that end the history: what this turn answers."""
    names = {i.get("call_id"): i.get("name", "") for i in history if i.get("type") == "function_call"}
    outputs: list[tuple[str, str]] = []
    for item in reversed(history):
        if item.get("type") not in ("function_call", "function_call_output"):
            break
        if item["type"] == "function_call_output":
            output = item.get("output")
            text = output if isinstance(output, str) else text_of(output)
            outputs.insert(0, (names.get(item.get("call_id"), ""), text))
    return outputs


def _response(state: FakeState, response_id: str) -> dict[str, Any]:
    try:
        return state.responses[response_id]
    except KeyError:
        raise not_found("response", response_id, "response_id") from None


def _history(state: FakeState, body: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
    """The conversation id, if any, and the items the new input follows."""
    conversation = body.get("conversation")
    conversation_id = conversation.get("id") if isinstance(conversation, dict) else conversation
    if conversation_id:
        return conversation_id, list(get_conversation(state, conversation_id)["_items"])
    if body.get("previous_response_id"):
        previous = _response(state, body["previous_response_id"])
        if _view(state, previous)["status"] != "completed":
            raise FakeError(
                400,
                f"Previous response {previous['id']} is {previous['status']}; it must be completed.",
                param="previous_response_id",
            )
        return None, previous["_history"] + previous["output"]
    return None, []


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
    background = bool(body.get("background"))
    if background and body.get("store") is False:
        raise FakeError(400, "Background responses must be stored: 'store' cannot be false.", param="store")
    conversation_id, history = _history(state, body)
    new_items = with_ids(state, input_items(body.get("input")))
    history = history + new_items
    output = _output(state, body, history, req.answer_words)
    created_at = state.now()
    final: dict[str, Any] = {
        "id": state.new_id("resp_"),
        "object": "response",
        "created_at": created_at,
        "status": "completed",
        "completed_at": created_at + (QUEUED_SECONDS + RUNNING_SECONDS if background else 0),
        "model": body["model"],
        "output": output,
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "metadata": body.get("metadata") or {},
        "previous_response_id": body.get("previous_response_id"),
        "conversation": {"id": conversation_id} if conversation_id else None,
        "background": background,
        "tools": body.get("tools") or [],
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "tool_choice": body.get("tool_choice", "auto"),
        "temperature": body.get("temperature", 1.0),
        "top_p": body.get("top_p", 1.0),
        "max_output_tokens": body.get("max_output_tokens"),
        "text": body.get("text") or {"format": {"type": "text"}},
        "usage": response_usage(body.get("instructions"), history, output),
    }
    response = {**final, "_final": final, "_history": history, "_input": new_items}
    if body.get("store", True) is not False:
        state.responses[final["id"]] = response
    if background:
        response.update(status="queued", output=[], completed_at=None)
        del response["usage"]  # not known until it completes (the spec has no null usage)
        if body.get("stream"):
            return _stream(state, response, after=-1)
        return FakeResponse.json(_view(state, response))
    _record_conversation(state, response)
    if body.get("stream"):
        return FakeResponse.sse(response_events(final), done=False)
    answer = FakeResponse.json(public(final))
    answer.generated_tokens = final["usage"]["output_tokens"]
    return answer


def _view(state: FakeState, response: dict[str, Any]) -> dict[str, Any]:
    """The response as seen now: a background response moves on with the clock."""
    if response["background"] and response["status"] in ACTIVE:
        age = state.now() - response["created_at"]
        if age >= QUEUED_SECONDS + RUNNING_SECONDS:
            _complete(state, response)
        elif age >= QUEUED_SECONDS:
            response["status"] = "in_progress"
    return public(response)


def _complete(state: FakeState, response: dict[str, Any]) -> None:
    response.update(response["_final"])
    _record_conversation(state, response)
    state.notify("response.completed", response["id"])


def _record_conversation(state: FakeState, response: dict[str, Any]) -> None:
    conversation_id = (response.get("conversation") or {}).get("id")
    if conversation_id and conversation_id in state.conversations:
        state.conversations[conversation_id]["_items"].extend(response["_input"] + response["output"])


def _stream(state: FakeState, response: dict[str, Any], *, after: int) -> FakeResponse:
    """A background response's events after ``after``: a reader follows it to its end."""
    events = response_events(response["_final"], background=True)
    if response["status"] == "cancelled":
        # What had happened when it was cancelled; the stream ends there, as the response did.
        events = events[: response["_events_before_cancel"]]
    elif response["status"] in ACTIVE:
        _complete(state, response)
    return FakeResponse.sse([e for e in events if e[1]["sequence_number"] > after], done=False)


def retrieve_response(state: FakeState, req: FakeRequest, response_id: str) -> FakeResponse:
    response = _response(state, response_id)
    view = _view(state, response)
    if req.q("stream") != "true":
        return FakeResponse.json(view)
    try:
        after = int(req.q("starting_after") or -1)
    except ValueError:
        raise FakeError(400, "'starting_after' must be an integer.", param="starting_after") from None
    if response["background"]:
        return _stream(state, response, after=after)
    events = response_events(response["_final"])
    return FakeResponse.sse([e for e in events if e[1]["sequence_number"] > after], done=False)


def cancel_response(state: FakeState, req: FakeRequest, response_id: str) -> FakeResponse:
    response = _response(state, response_id)
    if not response["background"]:
        raise FakeError(400, "Only background responses can be cancelled.", code="invalid_request")
    view = _view(state, response)
    if view["status"] in ACTIVE:
        # response.created and response.queued, and response.in_progress if it had started.
        response["_events_before_cancel"] = 2 if view["status"] == "queued" else 3
        response.update(status="cancelled", output=[])
        state.notify("response.cancelled", response["id"])
    elif view["status"] == "completed":
        raise FakeError(400, "Cannot cancel a completed response.")
    return FakeResponse.json(public(response))


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
            "input_tokens": count_tokens(body.get("instructions") or "") + sum(item_tokens(i) for i in items),
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

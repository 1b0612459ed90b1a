"""The Responses API (with background mode on the fake clock) and Conversations."""

from __future__ import annotations

from typing import Any

from .content import count_tokens, reply_text, sample_from_schema, text_of
from .fake import FakeError, FakeOpenAI, FakeRequest, FakeResponse, not_found, public
from .generation import _tool_calls, require
from .storage import paginate

QUEUED_SECONDS = 1
RUNNING_SECONDS = 2


def _input_items(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if isinstance(value, str):
        return [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": value}]}]
    items = []
    for item in value:
        item = dict(item)
        item.setdefault("type", "message")
        if item["type"] == "message" and isinstance(item.get("content"), str):
            item["content"] = [{"type": "input_text", "text": item["content"]}]
        items.append(item)
    return items


def _with_ids(fake: FakeOpenAI, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    prefixes = {"message": "msg_", "function_call": "fc_", "function_call_output": "fco_"}
    return [
        {
            **item,
            "id": item.get("id") or fake.new_id(prefixes.get(item["type"], "item_")),
            "status": item.get("status", "completed"),
        }
        for item in items
    ]


def _conversation(fake: FakeOpenAI, conversation_id: str) -> dict[str, Any]:
    try:
        return fake.conversations[conversation_id]
    except KeyError:
        raise not_found("conversation", conversation_id, "conversation_id") from None


def _output(fake: FakeOpenAI, body: dict[str, Any], history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    last = history[-1] if history else {}
    if last.get("type") == "function_call_output":
        outputs = [str(i.get("output")) for i in history if i.get("type") == "function_call_output"]
        text = "Tool results: " + "; ".join(outputs)
    else:
        last_text = text_of(last.get("content"))
        calls = _tool_calls(body, last_text, last_text)
        if calls:
            return [
                {
                    "type": "function_call",
                    "id": fake.new_id("fc_"),
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
            import json

            text = json.dumps(sample_from_schema(fmt.get("schema", {})))
    return [
        {
            "type": "message",
            "id": fake.new_id("msg_"),
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
        }
    ]


def _response_view(response: dict[str, Any], fake: FakeOpenAI) -> dict[str, Any]:
    """The response as seen now: background responses move on with the clock."""
    if response.get("background") and response["status"] in ("queued", "in_progress"):
        age = fake.now() - response["created_at"]
        if age >= QUEUED_SECONDS + RUNNING_SECONDS:
            _finish(fake, response)
        elif age >= QUEUED_SECONDS:
            response["status"] = "in_progress"
    return public(response)


def _finish(fake: FakeOpenAI, response: dict[str, Any]) -> None:
    response["status"] = "completed"
    response["completed_at"] = fake.now()
    response["output"] = response.pop("_pending_output")
    _record_conversation(fake, response)
    from .webhooks import notify

    notify(fake, "response.completed", response["id"])


def _record_conversation(fake: FakeOpenAI, response: dict[str, Any]) -> None:
    conversation_id = (response.get("conversation") or {}).get("id")
    if conversation_id:
        fake.conversations[conversation_id]["_items"].extend(response["_input"] + response["output"])


def _response(fake: FakeOpenAI, response_id: str) -> dict[str, Any]:
    try:
        return fake.responses[response_id]
    except KeyError:
        raise not_found("response", response_id, "response_id") from None


def create_response(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
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
        history = list(_conversation(fake, conversation_id)["_items"])
    if body.get("previous_response_id"):
        previous = _response(fake, body["previous_response_id"])
        history = previous["_history"] + previous["output"]
    new_items = _with_ids(fake, _input_items(body.get("input")))
    history = history + new_items
    output = _output(fake, body, history)
    prompt_tokens = sum(count_tokens(text_of(i.get("content"))) for i in history)
    output_tokens = sum(count_tokens(text_of(i.get("content"))) for i in output)
    response: dict[str, Any] = {
        "id": fake.new_id("resp_"),
        "object": "response",
        "created_at": fake.now(),
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
        fake.responses[response["id"]] = response
    if body.get("background"):
        response["status"] = "queued"
        response["_pending_output"] = response["output"]
        response["output"] = []
        return FakeResponse.json(_response_view(response, fake))
    _record_conversation(fake, response)
    if body.get("stream"):
        return FakeResponse.sse(_response_events(_response_view(response, fake)), done=False)
    return FakeResponse.json(_response_view(response, fake))


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


def retrieve_response(fake: FakeOpenAI, req: FakeRequest, response_id: str) -> FakeResponse:
    view = _response_view(_response(fake, response_id), fake)
    if req.q("stream") == "true":
        events = _response_events(view)
        after = int(req.q("starting_after") or -1)
        return FakeResponse.sse([e for e in events if e[1]["sequence_number"] > after], done=False)
    return FakeResponse.json(view)


def cancel_response(fake: FakeOpenAI, req: FakeRequest, response_id: str) -> FakeResponse:
    response = _response(fake, response_id)
    if not response.get("background"):
        raise FakeError(400, "Only background responses can be cancelled.", code="invalid_request")
    view = _response_view(response, fake)
    if view["status"] in ("queued", "in_progress"):
        response["status"] = "cancelled"
        response.pop("_pending_output", None)
    return FakeResponse.json(_response_view(response, fake))


def delete_response(fake: FakeOpenAI, req: FakeRequest, response_id: str) -> FakeResponse:
    _response(fake, response_id)
    del fake.responses[response_id]
    return FakeResponse.json({"id": response_id, "object": "response", "deleted": True})


def response_input_items(fake: FakeOpenAI, req: FakeRequest, response_id: str) -> FakeResponse:
    return paginate(req, list(_response(fake, response_id)["_history"]))


def response_input_tokens(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    body = req.json()
    items = _input_items(body.get("input"))
    return FakeResponse.json(
        {
            "object": "response.input_tokens",
            "input_tokens": sum(count_tokens(text_of(i.get("content"))) for i in items),
        }
    )


def compact_response(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    body = req.json()
    require(body, "model")
    items = _input_items(body.get("input"))
    summary = " ".join(text_of(i.get("content")) for i in items)[:500]
    return FakeResponse.json(
        {
            "id": fake.new_id("resp_"),
            "object": "response.compaction",
            "created_at": fake.now(),
            "output": [{"type": "compaction", "id": fake.new_id("cmp_"), "encrypted_content": summary}],
            "usage": {
                "input_tokens": count_tokens(summary),
                "output_tokens": 0,
                "total_tokens": count_tokens(summary),
            },
        }
    )


# -- conversations ----------------------------------------------------------------------------


def create_conversation(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    body = req.json()
    conversation = {
        "id": fake.new_id("conv_"),
        "object": "conversation",
        "created_at": fake.now(),
        "metadata": body.get("metadata") or {},
        "_items": _with_ids(fake, _input_items(body.get("items"))),
    }
    fake.conversations[str(conversation["id"])] = conversation
    return FakeResponse.json(public(conversation))


def retrieve_conversation(fake: FakeOpenAI, req: FakeRequest, conversation_id: str) -> FakeResponse:
    return FakeResponse.json(public(_conversation(fake, conversation_id)))


def update_conversation(fake: FakeOpenAI, req: FakeRequest, conversation_id: str) -> FakeResponse:
    conversation = _conversation(fake, conversation_id)
    conversation["metadata"] = req.json().get("metadata") or {}
    return FakeResponse.json(public(conversation))


def delete_conversation(fake: FakeOpenAI, req: FakeRequest, conversation_id: str) -> FakeResponse:
    _conversation(fake, conversation_id)
    del fake.conversations[conversation_id]
    return FakeResponse.json({"id": conversation_id, "object": "conversation.deleted", "deleted": True})


def create_items(fake: FakeOpenAI, req: FakeRequest, conversation_id: str) -> FakeResponse:
    conversation = _conversation(fake, conversation_id)
    items = req.json().get("items")
    if not isinstance(items, list) or not items:
        raise FakeError(400, "Missing required parameter: 'items'.", param="items")
    added = _with_ids(fake, _input_items(items))
    conversation["_items"].extend(added)
    return FakeResponse.json(
        {
            "object": "list",
            "data": added,
            "first_id": added[0]["id"],
            "last_id": added[-1]["id"],
            "has_more": False,
        }
    )


def list_items(fake: FakeOpenAI, req: FakeRequest, conversation_id: str) -> FakeResponse:
    return paginate(req, list(_conversation(fake, conversation_id)["_items"]))


def _item(conversation: dict[str, Any], item_id: str) -> dict[str, Any]:
    for item in conversation["_items"]:
        if item["id"] == item_id:
            return item
    raise not_found("conversation item", item_id, "item_id")


def retrieve_item(fake: FakeOpenAI, req: FakeRequest, conversation_id: str, item_id: str) -> FakeResponse:
    return FakeResponse.json(_item(_conversation(fake, conversation_id), item_id))


def delete_item(fake: FakeOpenAI, req: FakeRequest, conversation_id: str, item_id: str) -> FakeResponse:
    conversation = _conversation(fake, conversation_id)
    conversation["_items"].remove(_item(conversation, item_id))
    return FakeResponse.json(public(conversation))

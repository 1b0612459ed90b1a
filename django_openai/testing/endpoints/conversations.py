"""Conversations and their items (what a Responses thread is kept in)."""

from __future__ import annotations

from typing import Any

from ..routing import Route
from ..state import FakeState
from ..wire import FakeError, FakeRequest, FakeResponse, not_found, paginate, public


def input_items(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, (str, list)):
        raise FakeError(400, "Invalid type for 'items': expected an array.", param="items")
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


def with_ids(state: FakeState, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    prefixes = {"message": "msg_", "function_call": "fc_", "function_call_output": "fco_"}
    return [
        {
            **item,
            "id": item.get("id") or state.new_id(prefixes.get(item["type"], "item_")),
            "status": item.get("status", "completed"),
        }
        for item in items
    ]


def get_conversation(state: FakeState, conversation_id: str) -> dict[str, Any]:
    try:
        return state.conversations[conversation_id]
    except KeyError:
        raise not_found("conversation", conversation_id, "conversation_id") from None


def create_conversation(state: FakeState, req: FakeRequest) -> FakeResponse:
    body = req.json()
    conversation = {
        "id": state.new_id("conv_"),
        "object": "conversation",
        "created_at": state.now(),
        "metadata": body.get("metadata") or {},
        "_items": with_ids(state, input_items(body.get("items"))),
    }
    state.conversations[str(conversation["id"])] = conversation
    return FakeResponse.json(public(conversation))


def retrieve_conversation(state: FakeState, req: FakeRequest, conversation_id: str) -> FakeResponse:
    return FakeResponse.json(public(get_conversation(state, conversation_id)))


def update_conversation(state: FakeState, req: FakeRequest, conversation_id: str) -> FakeResponse:
    conversation = get_conversation(state, conversation_id)
    conversation["metadata"] = req.json().get("metadata") or {}
    return FakeResponse.json(public(conversation))


def delete_conversation(state: FakeState, req: FakeRequest, conversation_id: str) -> FakeResponse:
    get_conversation(state, conversation_id)
    del state.conversations[conversation_id]
    return FakeResponse.json({"id": conversation_id, "object": "conversation.deleted", "deleted": True})


def create_items(state: FakeState, req: FakeRequest, conversation_id: str) -> FakeResponse:
    conversation = get_conversation(state, conversation_id)
    items = req.json().get("items")
    if not isinstance(items, list) or not items:
        raise FakeError(400, "Missing required parameter: 'items'.", param="items")
    added = with_ids(state, input_items(items))
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


def list_items(state: FakeState, req: FakeRequest, conversation_id: str) -> FakeResponse:
    return paginate(req, list(get_conversation(state, conversation_id)["_items"]))


def _item(conversation: dict[str, Any], item_id: str) -> dict[str, Any]:
    for item in conversation["_items"]:
        if item["id"] == item_id:
            return item
    raise not_found("conversation item", item_id, "item_id")


def retrieve_item(state: FakeState, req: FakeRequest, conversation_id: str, item_id: str) -> FakeResponse:
    return FakeResponse.json(_item(get_conversation(state, conversation_id), item_id))


def delete_item(state: FakeState, req: FakeRequest, conversation_id: str, item_id: str) -> FakeResponse:
    conversation = get_conversation(state, conversation_id)
    conversation["_items"].remove(_item(conversation, item_id))
    return FakeResponse.json(public(conversation))


ROUTES: list[Route] = [
    ("POST", "/conversations", create_conversation),
    ("GET", "/conversations/{conversation_id}", retrieve_conversation),
    ("POST", "/conversations/{conversation_id}", update_conversation),
    ("DELETE", "/conversations/{conversation_id}", delete_conversation),
    ("POST", "/conversations/{conversation_id}/items", create_items),
    ("GET", "/conversations/{conversation_id}/items", list_items),
    ("GET", "/conversations/{conversation_id}/items/{item_id}", retrieve_item),
    ("DELETE", "/conversations/{conversation_id}/items/{item_id}", delete_item),
]

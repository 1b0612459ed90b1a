"""``client.conversations.items``: the items of a conversation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...types.conversations import Conversation, ConversationItem, ConversationItemList
from .._resource import Resource, path_id, without_self

if TYPE_CHECKING:
    from ...pagination import SyncPage


def _item_path(conversation_id: str, item_id: str) -> str:
    return f"/conversations/{path_id(conversation_id, 'conversation_id')}/items/{path_id(item_id, 'item_id')}"


class Items(Resource):
    def create(self, conversation_id: str, *, items: list[Any], **params: Any) -> ConversationItemList:
        body = without_self(locals(), "conversation_id")
        include = body.pop("include", None)
        if include:  # ``include`` travels in the query string on this endpoint
            body["extra_query"] = {**(body.get("extra_query") or {}), "include": include}
        return self._post(
            f"/conversations/{path_id(conversation_id, 'conversation_id')}/items",
            body,
            cast=ConversationItemList,
        )

    def list(self, conversation_id: str, **params: Any) -> SyncPage[ConversationItem]:
        return self._list(
            f"/conversations/{path_id(conversation_id, 'conversation_id')}/items", params, ConversationItem
        )

    def retrieve(self, item_id: str, *, conversation_id: str, **params: Any) -> ConversationItem:
        return self._get(
            _item_path(conversation_id, item_id),
            params,
            cast=ConversationItem,
        )

    def delete(self, item_id: str, *, conversation_id: str, **params: Any) -> Conversation:
        return self._delete(
            _item_path(conversation_id, item_id),
            params,
            cast=Conversation,
        )

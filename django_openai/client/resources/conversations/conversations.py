"""``client.conversations``: create, retrieve, update and delete conversations."""

from __future__ import annotations

from typing import Any

from ...types.conversations import Conversation, ConversationDeleted
from .._resource import Resource, path_id, without_self
from .items import Items


class Conversations(Resource):
    @property
    def items(self) -> Items:
        return Items(self._client)

    def create(self, **params: Any) -> Conversation:
        """POST /conversations, optionally with ``items`` and ``metadata``."""
        return self._post("/conversations", params, cast=Conversation)

    def retrieve(self, conversation_id: str, **params: Any) -> Conversation:
        return self._get(
            f"/conversations/{path_id(conversation_id, 'conversation_id')}", params, cast=Conversation
        )

    def update(self, conversation_id: str, *, metadata: dict[str, str], **params: Any) -> Conversation:
        body = without_self(locals(), "conversation_id")
        return self._post(
            f"/conversations/{path_id(conversation_id, 'conversation_id')}", body, cast=Conversation
        )

    def delete(self, conversation_id: str, **params: Any) -> ConversationDeleted:
        return self._delete(
            f"/conversations/{path_id(conversation_id, 'conversation_id')}", params, cast=ConversationDeleted
        )

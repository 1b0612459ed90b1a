"""Conversations (``/conversations``) and their items."""

from __future__ import annotations

from ._base import Deleted, OpenAIObject
from .responses import ResponseItem


class Conversation(OpenAIObject):
    id: str
    object: str = "conversation"
    created_at: int | None = None
    metadata: dict[str, str] | None = None


class ConversationDeleted(Deleted):
    pass


class ConversationItem(ResponseItem):
    pass


class ConversationItemList(OpenAIObject):
    object: str = "list"
    data: list[ConversationItem] = []
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False

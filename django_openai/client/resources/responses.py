"""The Responses API and Conversations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload

from ..helpers import AsyncResponseStreamHelper, ResponseStreamHelper, wrap_stream
from ..types.conversations import (
    Conversation,
    ConversationDeleted,
    ConversationItem,
    ConversationItemList,
)
from ..types.responses import (
    InputTokens,
    Response,
    ResponseDeleted,
    ResponseItem,
    ResponseStreamEvent,
)
from ._resource import Resource, path_id, without_self

if TYPE_CHECKING:
    from .._streaming import Stream
    from ..pagination import SyncPage


class InputItems(Resource):
    def list(self, response_id: str, **params: Any) -> SyncPage[ResponseItem]:
        return self._list(
            f"/responses/{path_id(response_id, 'response_id')}/input_items", params, ResponseItem
        )


class InputTokensResource(Resource):
    def count(self, **params: Any) -> InputTokens:
        """POST /responses/input_tokens: what the given input would cost, without running it."""
        return self._post("/responses/input_tokens", params, cast=InputTokens)


class Responses(Resource):
    @property
    def input_items(self) -> InputItems:
        return InputItems(self._client)

    @property
    def input_tokens(self) -> InputTokensResource:
        return InputTokensResource(self._client)

    @overload
    def create(self, *, stream: Literal[False] = False, **params: Any) -> Response: ...

    @overload
    def create(self, *, stream: Literal[True], **params: Any) -> Stream[ResponseStreamEvent]: ...

    def create(self, *, stream: bool = False, **params: Any) -> Any:
        """POST /responses. ``background=True`` returns at once; poll with ``retrieve``."""
        if stream:
            return self._post("/responses", {**params, "stream": True}, stream_cast=ResponseStreamEvent)
        return self._post("/responses", params, cast=Response)

    def stream(self, **params: Any) -> ResponseStreamHelper:
        """A streamed response that remembers the final one: ``get_final_response()``."""
        result = self.create(stream=True, **params)
        return wrap_stream(self._client, result, ResponseStreamHelper, AsyncResponseStreamHelper)

    def compact(self, **params: Any) -> Any:
        """POST /responses/compact: a shorter input that carries the same conversation state."""
        return self._post("/responses/compact", params)

    def retrieve(self, response_id: str, *, stream: bool = False, **params: Any) -> Response:
        path = f"/responses/{path_id(response_id, 'response_id')}"
        if stream:
            return self._get(path, {**params, "stream": True}, stream_cast=ResponseStreamEvent)
        return self._get(path, params, cast=Response)

    def cancel(self, response_id: str, **params: Any) -> Response:
        return self._post(f"/responses/{path_id(response_id, 'response_id')}/cancel", params, cast=Response)

    def delete(self, response_id: str, **params: Any) -> ResponseDeleted:
        return self._delete(f"/responses/{path_id(response_id, 'response_id')}", params, cast=ResponseDeleted)


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

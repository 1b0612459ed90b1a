"""``client.responses``: create (streamed, or in the background), retrieve, cancel, delete, compact."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload

from ...helpers import AsyncResponseStreamHelper, ResponseStreamHelper, wrap_stream
from ...types.responses import Response, ResponseDeleted, ResponseStreamEvent
from .._resource import Resource, path_id
from .input_items import InputItems
from .input_tokens import InputTokensResource

if TYPE_CHECKING:
    from ..._streaming import Stream


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

"""POST /chat/completions, streamed or not, and stored completions (``store: true``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal, overload

from ....helpers import AsyncChatCompletionStream, ChatCompletionStream, wrap_stream
from ....types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionDeleted
from ..._resource import Resource, path_id, without_self
from .messages import Messages

if TYPE_CHECKING:
    from ...._streaming import Stream
    from ....pagination import SyncPage


class Completions(Resource):
    @property
    def messages(self) -> Messages:
        return Messages(self._client)

    @overload
    def create(
        self, *, model: str, messages: Iterable[Any], stream: Literal[False] = False, **params: Any
    ) -> ChatCompletion: ...

    @overload
    def create(
        self, *, model: str, messages: Iterable[Any], stream: Literal[True], **params: Any
    ) -> Stream[ChatCompletionChunk]: ...

    def create(self, *, model: str, messages: Iterable[Any], stream: bool = False, **params: Any) -> Any:
        """POST /chat/completions. Every keyword beyond these is sent as given."""
        body = without_self(locals())
        body["messages"] = list(messages)
        if not stream:
            body.pop("stream")
            return self._post("/chat/completions", body, cast=ChatCompletion)
        return self._post("/chat/completions", body, stream_cast=ChatCompletionChunk)

    def stream(self, *, model: str, messages: Iterable[Any], **params: Any) -> ChatCompletionStream:
        """A streamed completion that also folds the chunks: see :class:`ChatCompletionStream`."""
        result = self.create(model=model, messages=messages, stream=True, **params)
        return wrap_stream(self._client, result, ChatCompletionStream, AsyncChatCompletionStream)

    # Stored completions (``store: true``).
    def list(self, **params: Any) -> SyncPage[ChatCompletion]:
        return self._list("/chat/completions", params, ChatCompletion)

    def retrieve(self, completion_id: str, **params: Any) -> ChatCompletion:
        return self._get(
            f"/chat/completions/{path_id(completion_id, 'completion_id')}", params, cast=ChatCompletion
        )

    def update(self, completion_id: str, *, metadata: dict[str, str] | None, **params: Any) -> ChatCompletion:
        body = without_self(locals(), "completion_id")
        body["metadata"] = metadata  # None clears it, so it is sent
        return self._post(
            f"/chat/completions/{path_id(completion_id, 'completion_id')}", body, cast=ChatCompletion
        )

    def delete(self, completion_id: str, **params: Any) -> ChatCompletionDeleted:
        return self._delete(
            f"/chat/completions/{path_id(completion_id, 'completion_id')}", params, cast=ChatCompletionDeleted
        )

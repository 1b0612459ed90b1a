"""GET /chat/completions/{id}/messages: the messages of a stored completion."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....types.chat import ChatCompletionStoreMessage
from ..._resource import Resource, path_id

if TYPE_CHECKING:
    from ....pagination import SyncPage


class Messages(Resource):
    def list(self, completion_id: str, **params: Any) -> SyncPage[ChatCompletionStoreMessage]:
        return self._list(
            f"/chat/completions/{path_id(completion_id, 'completion_id')}/messages",
            params,
            ChatCompletionStoreMessage,
        )

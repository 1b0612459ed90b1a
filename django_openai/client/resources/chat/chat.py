"""``client.chat``: the way to ``client.chat.completions``."""

from __future__ import annotations

from .._resource import Resource
from .completions import Completions


class Chat(Resource):
    @property
    def completions(self) -> Completions:
        return self._client._resource("chat.completions", Completions)

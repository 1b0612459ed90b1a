"""POST /audio/speech: text to audio, returned unread to stream to a file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._resource import Resource, without_self

if TYPE_CHECKING:
    from ..._streaming import BinaryResponse


class Speech(Resource):
    def create(self, *, model: str, input: str, voice: Any, **params: Any) -> BinaryResponse:
        """POST /audio/speech: the audio body, unread, to stream to a file (``write_to_file``)."""
        return self._post("/audio/speech", without_self(locals()), stream_body=True)

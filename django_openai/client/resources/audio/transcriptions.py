"""POST /audio/transcriptions: audio to text (multipart)."""

from __future__ import annotations

from typing import Any

from ...types.audio import Transcription
from .._resource import Resource, without_self

_TEXT_FORMATS = frozenset({"text", "srt", "vtt"})


class Transcriptions(Resource):
    path = "/audio/transcriptions"
    cast: Any = Transcription

    def create(self, *, file: Any, model: str, **params: Any) -> Any:
        """Multipart. With ``response_format`` text, srt or vtt the result is a ``str``."""
        body = without_self(locals(), "file")
        text = body.get("response_format") in _TEXT_FORMATS
        return self._request("POST", self.path, body, cast=str if text else self.cast, files={"file": file})

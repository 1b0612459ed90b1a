"""``client.audio``: the way to its three resources."""

from __future__ import annotations

from .._resource import Resource
from .speech import Speech
from .transcriptions import Transcriptions
from .translations import Translations


class Audio(Resource):
    @property
    def transcriptions(self) -> Transcriptions:
        return Transcriptions(self._client)

    @property
    def translations(self) -> Translations:
        return Translations(self._client)

    @property
    def speech(self) -> Speech:
        return Speech(self._client)

"""POST /audio/translations: audio to English text (multipart)."""

from __future__ import annotations

from ...types.audio import Translation
from .transcriptions import Transcriptions


class Translations(Transcriptions):
    path = "/audio/translations"
    cast = Translation

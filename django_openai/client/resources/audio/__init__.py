"""``client.audio``: transcriptions, translations and speech."""

from .audio import Audio
from .speech import Speech
from .transcriptions import Transcriptions
from .translations import Translations

__all__ = ["Audio", "Speech", "Transcriptions", "Translations"]

"""``client.chat``: chat completions (``client.chat.completions``)."""

from .chat import Chat
from .completions import Completions, Messages

__all__ = ["Chat", "Completions", "Messages"]

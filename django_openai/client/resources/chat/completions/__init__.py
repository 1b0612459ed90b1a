"""``client.chat.completions`` and its stored messages (``.messages``)."""

from .completions import Completions
from .messages import Messages

__all__ = ["Completions", "Messages"]

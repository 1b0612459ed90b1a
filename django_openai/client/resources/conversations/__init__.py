"""``client.conversations`` and their items."""

from .conversations import Conversations
from .items import Items

__all__ = ["Conversations", "Items"]

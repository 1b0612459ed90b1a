"""``client.webhooks``: signature checks with the client's webhook secret."""

from .webhooks import Webhooks

__all__ = ["Webhooks"]

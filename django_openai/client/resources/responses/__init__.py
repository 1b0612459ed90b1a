"""``client.responses``: the Responses API, its input items and input token counts."""

from .input_items import InputItems
from .input_tokens import InputTokensResource
from .responses import Responses

__all__ = ["InputItems", "InputTokensResource", "Responses"]

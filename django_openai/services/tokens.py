"""Counting tokens, and fitting a replayed thread into a context budget (docs/assistants.md).

With ``tiktoken`` installed (the ``tiktoken`` extra) and its encoding available, text is counted
with the model's encoding (``o200k_base`` for a model tiktoken does not know). Otherwise, or when
the encoding cannot be loaded (it is downloaded once, so a machine without network may lack it),
the count is an estimate: one token per four bytes of UTF-8, rounded up. Either way each message
adds :data:`MESSAGE_OVERHEAD` tokens for its framing (role, separators), as OpenAI's guide counts.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Sequence
from typing import Any

#: Tokens each message costs beyond its content (its role and the separators around it).
MESSAGE_OVERHEAD = 4
#: Bytes of UTF-8 per token, for the estimate used without tiktoken.
BYTES_PER_TOKEN = 4
DEFAULT_ENCODING = "o200k_base"


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text.encode("utf-8")) / BYTES_PER_TOKEN)


@functools.cache
def _encoder(model: str) -> Callable[[str], int] | None:
    try:
        import tiktoken
    except ImportError:
        return None
    try:
        try:
            encoding = tiktoken.encoding_for_model(model)
        except KeyError:
            encoding = tiktoken.get_encoding(DEFAULT_ENCODING)
    except Exception:  # the encoding file could not be fetched: estimate instead
        return None

    def count(text: str) -> int:
        return len(encoding.encode(text, disallowed_special=()))

    return count


def token_counter(model: str = "") -> Callable[[str], int]:
    """A function counting the tokens of a text for ``model``: tiktoken's, or the estimate."""
    return _encoder(model) or estimate_tokens


def message_tokens(message: dict[str, Any], count: Callable[[str], int]) -> int:
    """The tokens a chat message costs: its text, tool calls and tool outputs, and the framing."""
    total = MESSAGE_OVERHEAD
    content = message.get("content")
    if isinstance(content, str):
        total += count(content)
    elif isinstance(content, list):
        for part in content:
            if isinstance(part, dict):
                total += count(str(part.get("text") or "")) if "text" in part else count(json.dumps(part))
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        total += count(function.get("name") or "") + count(function.get("arguments") or "")
    return total


def fit_turns(
    turns: Sequence[Sequence[dict[str, Any]]], budget: int, *, reserved: int, count: Callable[[str], int]
) -> tuple[list[dict[str, Any]], int]:
    """The newest turns whose messages fit in ``budget`` tokens besides ``reserved`` (the
    instructions), oldest turns dropped first, a turn never cut in two; and how many turns were
    dropped. The newest turn is always kept: without it there is nothing to answer."""
    kept: list[Sequence[dict[str, Any]]] = []
    used = reserved
    for index, turn in enumerate(reversed(turns)):
        cost = sum(message_tokens(m, count) for m in turn)
        if index > 0 and used + cost > budget:
            break
        used += cost
        kept.append(turn)
    kept.reverse()
    return [message for turn in kept for message in turn], len(turns) - len(kept)

"""Pacing: how fast the fake "generates", so streams look and measure like a real model's.

A profile says when the first token comes (``first_token_ms`` after the request) and how far apart
the following ones are (``token_ms``); ``chunks`` asks for a text answer of exactly that many
tokens (one stream event each). Events that carry no token (a chat stream's role chunk,
``response.created``, the finish chunk, usage, ``[DONE]``) go out with their neighbours, at no
cost of their own. A non-streamed answer of n tokens arrives whole after
``first_token_ms + (n - 1) * token_ms``.

Set per request with the ``X-Fake-Pacing`` header (``first_token_ms=200 token_ms=20 chunks=50``),
for the whole fake with ``fake.pacing = Pacing(...)``, ``POST /v1/_fake/pacing`` or the CLI's
``--first-token-ms`` / ``--token-ms``. A fake on a real-time clock paces like a model by default
(:data:`REAL_TIME`); on a frozen clock (the pytest fixtures) it answers at once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

HEADER = "x-fake-pacing"


class PacingError(ValueError):
    pass


@dataclass(frozen=True)
class Pacing:
    #: Milliseconds from the request to the first token.
    first_token_ms: float = 0.0
    #: Milliseconds between one token and the next.
    token_ms: float = 0.0
    #: A text answer of exactly this many tokens (stream events); None: the answer's own length.
    chunks: int | None = None

    def __post_init__(self) -> None:
        if self.first_token_ms < 0 or self.token_ms < 0:
            raise PacingError("first_token_ms and token_ms must not be negative")
        if self.chunks is not None and self.chunks < 1:
            raise PacingError("chunks must be at least 1")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Pacing:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise PacingError(
                f"unknown pacing options: {', '.join(sorted(unknown))} (known: {sorted(known)})"
            )
        return cls(
            first_token_ms=_number(data, "first_token_ms", float),
            token_ms=_number(data, "token_ms", float),
            chunks=_number(data, "chunks", int) if data.get("chunks") is not None else None,
        )

    @classmethod
    def parse(cls, text: str) -> Pacing:
        """``"first_token_ms=200 token_ms=20 chunks=50"`` (spaces, commas or semicolons between)."""
        pairs: dict[str, Any] = {}
        for item in text.replace(",", " ").replace(";", " ").split():
            name, sep, value = item.partition("=")
            if not sep:
                raise PacingError(f"expected name=value, got {item!r}")
            pairs[name.strip()] = value.strip()
        return cls.from_dict(pairs)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def delays(self, events: list[Any]) -> list[float]:
        """Seconds to wait before each event of a stream (``None`` stands for ``[DONE]``)."""
        delays, seen_token = [], False
        for event in events:
            if is_token(event):
                delays.append((self.token_ms if seen_token else self.first_token_ms) / 1000)
                seen_token = True
            else:
                delays.append(0.0)
        return delays

    def whole_answer_delay(self, tokens: int) -> float:
        """Seconds before a non-streamed answer of ``tokens`` tokens."""
        if tokens < 1:
            return 0.0
        return (self.first_token_ms + (tokens - 1) * self.token_ms) / 1000


def _number(data: dict[str, Any], name: str, kind: type) -> Any:
    value = data.get(name, 0)
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise PacingError(f"{name} must be a number, not {value!r}") from None


#: A real-time fake's default: a first token after a fifth of a second, then ~33 tokens a second.
REAL_TIME = Pacing(first_token_ms=200, token_ms=30)


def is_token(event: Any) -> bool:
    """Whether a stream event carries generated text or tool-call arguments."""
    if not isinstance(event, dict):
        return False
    kind = event.get("type")
    if isinstance(kind, str):  # Responses API events
        return kind.endswith(".delta")
    for choice in event.get("choices") or ():
        delta = choice.get("delta")
        if delta is not None:  # a chat completion chunk
            if delta.get("content") or delta.get("refusal") or delta.get("tool_calls"):
                return True
        elif choice.get("text"):  # a legacy completion chunk
            return True
    return False

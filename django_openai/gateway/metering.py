"""Reading usage out of responses as they are relayed, without re-encoding them.

Streams are scanned as bytes: only an event that carries a usage object (the last chunk of a chat
stream asked for ``include_usage``, ``response.completed``...) or an error is decoded. Bodies that
are not streams are scanned from their end, where OpenAI puts ``usage``. When a stream is cut
short, the text deltas seen so far stand in for the output tokens (one delta is about one token in
OpenAI's streams) and the record says the figures are estimated.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_USAGE_OBJECT = re.compile(rb'"usage"\s*:\s*\{')
_ERROR_MARK = re.compile(rb'(?:^|\n)event:\s*error|"error"\s*:\s*\{|"type"\s*:\s*"response\.failed"')
#: A non-empty text piece of a delta: chat (content, tool arguments, refusal, reasoning) and
#: Responses (``"delta": "..."``).
_TEXT_DELTA = re.compile(rb'"(?:content|arguments|refusal|reasoning_content|reasoning|delta)"\s*:\s*"(?!")')
_EVENT = re.compile(rb".*?(?:\r\n\r\n|\n\n|\r\r)", re.S)
_TAIL_BYTES = 64 * 1024


@dataclass(slots=True)
class Tokens:
    input: int = 0
    output: int = 0
    cached: int = 0
    reasoning: int = 0
    total: int = 0


def tokens_from_usage(usage: Any) -> Tokens | None:
    """Chat/embeddings (``prompt_tokens``...) and Responses (``input_tokens``...) usage alike."""
    if not isinstance(usage, dict):
        return None

    def number(*path: str) -> int:
        value: Any = usage
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0

    input_tokens = number("prompt_tokens") or number("input_tokens")
    output_tokens = number("completion_tokens") or number("output_tokens")
    cached = number("prompt_tokens_details", "cached_tokens") or number(
        "input_tokens_details", "cached_tokens"
    )
    reasoning = number("completion_tokens_details", "reasoning_tokens") or number(
        "output_tokens_details", "reasoning_tokens"
    )
    total = number("total_tokens") or input_tokens + output_tokens
    return Tokens(input_tokens, output_tokens, cached, reasoning, total)


def estimate_input_tokens(payload: dict[str, Any]) -> int:
    """About four characters a token, over the text a request sends (messages, input, instructions)."""
    chars = 0
    stack: list[Any] = [payload.get(k) for k in ("messages", "input", "instructions", "prompt")]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            chars += len(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return (chars + 3) // 4


def event_data(event: bytes) -> Any:
    lines = [line[5:].removeprefix(b" ") for line in event.splitlines() if line.startswith(b"data:")]
    if not lines:
        return None
    try:
        return json.loads(b"\n".join(lines))
    except ValueError:
        return None


def _last_boundary(data: bytes) -> int:
    """The end of the last complete event in ``data`` (0 if none)."""
    if data.endswith(b"\n\n"):
        return len(data)
    best = 0
    for separator in (b"\n\n", b"\r\n\r\n", b"\r\r"):
        index = data.rfind(separator)
        if index >= 0:
            best = max(best, index + len(separator))
    return best


class SSEMeter:
    """Follows a Server-Sent Events stream: forwards whole events, finds usage and errors.

    With ``strip_usage`` (the gateway asked upstream for usage on the client's behalf), the
    usage-only chunk of a chat stream is taken out: the client gets what it asked for.
    """

    def __init__(self, *, strip_usage: bool = False) -> None:
        self.strip_usage = strip_usage
        self.usage: Tokens | None = None
        self.text_deltas = 0
        self.error: str | None = None
        self._pending = b""

    def feed(self, chunk: bytes) -> bytes:
        """The part of ``chunk`` (with what was held back) that can be sent now."""
        data = self._pending + chunk if self._pending else chunk
        end = _last_boundary(data)
        if end != len(data):
            self._pending = data[end:]
            data = data[:end]
        else:
            self._pending = b""
        if not data:
            return b""
        return self._scan(data)

    def end(self) -> bytes:
        """Whatever is left when the upstream ends (an event without its blank line)."""
        rest, self._pending = self._pending, b""
        return self._scan(rest) if rest.strip() else rest

    def _scan(self, data: bytes) -> bytes:
        self.text_deltas += len(_TEXT_DELTA.findall(data))
        has_usage = b'"usage"' in data and _USAGE_OBJECT.search(data) is not None
        has_error = b"error" in data and _ERROR_MARK.search(data) is not None
        if not (has_usage or has_error):
            return data
        kept: list[bytes] = []
        dropped = False
        for match in _EVENT.finditer(data):
            event = match.group()
            if _USAGE_OBJECT.search(event) is None and _ERROR_MARK.search(event) is None:
                kept.append(event)
                continue
            if self._inspect(event):
                dropped = True
            else:
                kept.append(event)
        if not dropped:
            return data
        return b"".join(kept)

    def _inspect(self, event: bytes) -> bool:
        """Take usage and errors from one event; True to leave it out of what the client gets."""
        obj = event_data(event)
        if not isinstance(obj, dict):
            return False
        response = obj.get("response") if isinstance(obj.get("response"), dict) else None
        usage = tokens_from_usage(obj.get("usage")) or tokens_from_usage((response or {}).get("usage"))
        if usage is not None:
            self.usage = usage
        error = obj.get("error") if isinstance(obj.get("error"), dict) else None
        if error is None and response is not None and isinstance(response.get("error"), dict):
            error = response["error"]
        if error is not None and "choices" not in obj:
            self.error = str(error.get("message") or "error event in stream")[:500]
        elif obj.get("type") == "error":
            self.error = str(obj.get("message") or "error event in stream")[:500]
        return self.strip_usage and usage is not None and obj.get("choices") == []


class JSONMeter:
    """Follows a JSON body (not a stream): keeps its tail, where OpenAI puts ``usage``."""

    def __init__(self) -> None:
        self._tail = b""

    def feed(self, chunk: bytes) -> bytes:
        self._tail = (self._tail + chunk)[-_TAIL_BYTES:] if self._tail else chunk[-_TAIL_BYTES:]
        return chunk

    def usage(self) -> Tokens | None:
        text = self._tail.decode("utf-8", "replace")
        decoder = json.JSONDecoder()
        for match in reversed(list(re.finditer(r'"usage"\s*:\s*\{', text))):
            try:
                value, _ = decoder.raw_decode(text, match.end() - 1)
            except ValueError:
                continue
            tokens = tokens_from_usage(value)
            if tokens is not None and (tokens.total or tokens.input or tokens.output):
                return tokens
        return None

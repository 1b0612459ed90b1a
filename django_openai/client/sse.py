"""An incremental Server-Sent Events decoder (WHATWG HTML, "event stream interpretation").

It is fed raw bytes as they arrive and returns the events completed so far. Lines may end in CR,
LF or CRLF, and any of those (a CRLF too) may be split across chunks; so may a UTF-8 sequence,
because lines are split on bytes and decoded only once whole. Comments (``:`` lines) are counted
and skipped; ``event``, ``id`` and ``retry`` are honoured.

One deliberate leniency: a final event that the server did not terminate with a blank line is
still delivered by :meth:`SSEDecoder.close` (the standard would drop it), because compatible
servers that forget the last newline would otherwise lose their last message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["SSEDecoder", "ServerSentEvent", "iter_events"]


class ServerSentEvent:
    __slots__ = ("data", "event", "id", "retry")

    def __init__(self, data: str, event: str | None = None, id: str | None = None, retry: int | None = None):
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry

    def json(self) -> Any:
        return json.loads(self.data)

    def __repr__(self) -> str:
        return (
            f"ServerSentEvent(event={self.event!r}, data={self.data!r}, id={self.id!r}, retry={self.retry!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ServerSentEvent):
            return NotImplemented
        return (self.data, self.event, self.id, self.retry) == (
            other.data,
            other.event,
            other.id,
            other.retry,
        )

    __hash__ = None  # type: ignore[assignment]


class SSEDecoder:
    def __init__(self) -> None:
        self._buffer = b""
        self._skip_lf = False  # the previous chunk ended in CR: a leading LF belongs to it
        self._data: list[bytes] = []
        self._event: bytes | None = None
        self._has_fields = False
        self.last_event_id: str | None = None
        self.retry: int | None = None
        self.comments = 0

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        if not chunk:
            return []
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        buffer = self._buffer + chunk if self._buffer else chunk
        lines = buffer.splitlines(keepends=True)
        if not lines:
            return []
        last = lines[-1]
        if last[-1:] not in (b"\n", b"\r"):
            self._buffer = last
            lines.pop()
        else:
            self._buffer = b""
            if last[-1:] == b"\r":
                self._skip_lf = True
        events: list[ServerSentEvent] = []
        for line in lines:
            event = self._process_line(line.rstrip(b"\r\n"))
            if event is not None:
                events.append(event)
        return events

    def close(self) -> list[ServerSentEvent]:
        """End of stream: finish a last line and a last event that lacked their terminators."""
        events: list[ServerSentEvent] = []
        if self._buffer:
            line, self._buffer = self._buffer, b""
            event = self._process_line(line)
            if event is not None:
                events.append(event)
        event = self._dispatch()
        if event is not None:
            events.append(event)
        return events

    def _process_line(self, line: bytes) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line[:1] == b":":
            self.comments += 1
            return None
        name, sep, value = line.partition(b":")
        if sep and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value)
            self._has_fields = True
        elif name == b"event":
            self._event = value
            self._has_fields = True
        elif name == b"id":
            if b"\0" not in value:
                self.last_event_id = value.decode("utf-8", "replace")
            self._has_fields = True
        elif name == b"retry" and value.isdigit():
            self.retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        if not self._has_fields:
            return None
        data, event = self._data, self._event
        self._data, self._event, self._has_fields = [], None, False
        if not data:
            # The standard dispatches nothing for an event without data lines.
            return None
        text = (data[0] if len(data) == 1 else b"\n".join(data)).decode("utf-8", "replace")
        return ServerSentEvent(
            text,
            event=event.decode("utf-8", "replace") if event is not None else None,
            id=self.last_event_id,
            retry=self.retry,
        )


def iter_events(chunks: Iterable[bytes]) -> Iterator[ServerSentEvent]:
    """Decode a whole iterable of byte chunks."""
    decoder = SSEDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.close()

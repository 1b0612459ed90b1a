"""Run events to bytes, as the server reads them: a sync iterator (WSGI) or an async one (ASGI).

Both end the same way. The final event ends the stream (then the encoder's end marker); an
exception from the events is logged and becomes the format's failure event (``run.failed``, or
the UI stream's ``error`` part), never a traceback or a message from inside the server. When the
reader goes away, the server closes the iterator (WSGI: ``close()``; ASGI: the task is cancelled
and the generator finalised), and so the events' iterator is closed at once: a run in the
foreground then closes its upstream response and keeps the partial answer (docs/assistants.md,
"Streaming").

The async one also sends a heartbeat, ``: ping``, each ``heartbeat`` seconds in which no event
came (a tool runs, the model thinks), so that proxies and browsers keep the connection. The sync
one cannot: its thread waits inside the events' iterator (docs/streaming-views.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Iterator
from typing import Any

from ..services.events import RunEventBase
from .formats import INTERNAL_ERROR, PING, OpenAIEncoder, UIMessageEncoder

__all__ = ["aencode_events", "encode_events"]

logger = logging.getLogger("django_openai.streaming")


def encode_events(
    events: Iterable[RunEventBase], encoder: OpenAIEncoder | UIMessageEncoder
) -> Iterator[bytes]:
    """The bytes of ``events`` in ``encoder``'s format; closing this closes ``events``."""
    iterator = iter(events)
    try:
        try:
            for event in iterator:
                chunk = encoder.encode(event)
                if chunk:
                    yield chunk
                if event.is_final:
                    break
        except Exception:
            logger.exception("A run's event stream failed")
            if failure := encoder.fail(INTERNAL_ERROR):
                yield failure
        if end := encoder.close():
            yield end
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


async def aencode_events(
    events: Any, encoder: OpenAIEncoder | UIMessageEncoder, *, heartbeat: float | None = None
) -> AsyncIterator[bytes]:
    """The bytes of ``events`` (an async iterable) in ``encoder``'s format, with a ``: ping``
    every ``heartbeat`` seconds without an event; closing or cancelling this closes ``events``.

    With a heartbeat, the events are read in a task of their own (:class:`_Reader`), so that a ping
    can go out while they wait, and what came while the server was busy goes out as one chunk.
    One task per stream rather than one per event: an event costs a list append and a wake-up."""
    if not heartbeat:
        # aclosing: closing this closes the events at once, not when the loop finalises them.
        async with contextlib.aclosing(_encoded(events.__aiter__(), encoder)) as chunks:
            async for chunk in chunks:
                yield chunk
        return
    reader = _Reader(events.__aiter__(), encoder, heartbeat)
    try:
        while (taken := await reader.take()) is not None:
            yield taken
    finally:
        await reader.stop()


async def _encoded(iterator: Any, encoder: OpenAIEncoder | UIMessageEncoder) -> AsyncGenerator[bytes, None]:
    """The events' bytes in order, then the format's end; an exception becomes its failure event."""
    try:
        try:
            async for event in iterator:
                chunk = encoder.encode(event)
                if chunk:
                    yield chunk
                if event.is_final:
                    break
        except Exception:
            logger.exception("A run's event stream failed")
            if failure := encoder.fail(INTERNAL_ERROR):
                yield failure
        if end := encoder.close():
            yield end
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()


class _Reader:
    """Reads the encoded events in a task, keeping their bytes until the response takes them.

    A heartbeat is one timer, re-armed for ``heartbeat`` seconds after the last thing sent: when it
    fires with nothing sent since, a ping is queued. At most ``MAX_PENDING`` chunks wait for a slow
    client; then the reading waits too (the upstream is not read faster than the client reads)."""

    MAX_PENDING = 256

    def __init__(self, iterator: Any, encoder: OpenAIEncoder | UIMessageEncoder, heartbeat: float) -> None:
        self.loop = asyncio.get_running_loop()
        self.heartbeat = heartbeat
        self.chunks: list[bytes] = []
        self.finished = False  # the reading is over: the events ended, failed or were closed
        self.error: BaseException | None = None
        self.waiter: asyncio.Future[None] | None = None  # the response, waiting for bytes
        self.room: asyncio.Future[None] | None = None  # the reading, waiting for the response
        self.last_sent = self.loop.time()
        self.timer = self.loop.call_later(heartbeat, self._beat)
        self.task = asyncio.ensure_future(self._read(_encoded(iterator, encoder)))

    async def _read(self, chunks: AsyncGenerator[bytes, None]) -> None:
        try:
            async for chunk in chunks:
                self._put(chunk)
                if len(self.chunks) >= self.MAX_PENDING:
                    self.room = self.loop.create_future()
                    await self.room
        except BaseException as exc:  # handed to the response, which raises it
            self.error = exc
            raise
        finally:
            try:
                await chunks.aclose()  # stopped while waiting for room
            finally:
                self.finished = True
                self._wake()

    def _put(self, chunk: bytes) -> None:
        self.chunks.append(chunk)
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def _beat(self) -> None:
        if self.finished:
            return  # nothing more will come: no ping, and no timer until the response stops
        now = self.loop.time()
        if now >= self.last_sent + self.heartbeat:
            if not self.chunks:  # bytes already waiting say as much as a ping would
                self._put(PING)
            self.last_sent = now
        self.timer = self.loop.call_at(self.last_sent + self.heartbeat, self._beat)

    async def take(self) -> bytes | None:
        """The bytes that came since the last call (waiting for some), or None at the end."""
        while not self.chunks:
            if self.finished:
                if self.error is not None:
                    raise self.error  # a cancel from inside the events too: as if read here
                return None
            self.waiter = self.loop.create_future()
            await self.waiter
        chunk = b"".join(self.chunks)
        self.chunks.clear()
        self.last_sent = self.loop.time()
        if self.room is not None and not self.room.done():
            self.room.set_result(None)
        return chunk

    async def stop(self) -> None:
        """Stop reading: a reading still waiting inside the events is cancelled there (a foreground
        run stops and keeps its partial answer), and waited for."""
        self.timer.cancel()
        self.task.cancel()  # a no-op once the reading is over
        # Shielded: a second cancel of the response stops this wait, not the run's own ending.
        with contextlib.suppress(BaseException):
            await asyncio.shield(self.task)

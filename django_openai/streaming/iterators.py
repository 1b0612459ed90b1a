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
from collections.abc import AsyncIterator, Iterable, Iterator
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
    every ``heartbeat`` seconds without an event; closing or cancelling this closes ``events``."""
    iterator = events.__aiter__()
    pending: asyncio.Future[RunEventBase] | None = None
    try:
        try:
            while True:
                if pending is None:
                    # The next event is awaited in a task of its own, so that a heartbeat's timeout
                    # never cancels the events' iterator (which would stop the run).
                    pending = asyncio.ensure_future(iterator.__anext__())
                done, _ = await asyncio.wait({pending}, timeout=heartbeat)
                if not done:
                    yield PING
                    continue
                future, pending = pending, None
                try:
                    event = future.result()
                except StopAsyncIteration:
                    break
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
        if pending is not None and not pending.done():
            pending.cancel()  # inside the events' iterator: a foreground run stops there
            with contextlib.suppress(BaseException):
                await pending
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()

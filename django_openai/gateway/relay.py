"""The body of a relayed response: upstream bytes forwarded as they arrive.

Chunks are passed on as received (whole SSE events; an event split across two reads waits for
its end), never decoded and encoded again; only an event that carries usage or an error is read,
and the usage-only chunk the gateway asked for on the client's behalf is left out. When the client
goes away, the iterator is closed (cancelled) and the upstream response with it, at once; when the
upstream fails mid-stream, the client gets an ``error`` event. Either way the call is recorded with
what was seen until then.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from ..client import APIConnectionError
from . import usage
from .errors import error_event
from .metering import JSONMeter, SSEMeter, Tokens
from .usage import CallRecord


class UpstreamCutOff(Exception):
    """A body that is not a stream ended early: the connection to the client must be dropped, since
    no error can be appended to half a JSON document."""


class Relay:
    def __init__(
        self,
        body: Any,
        call: CallRecord,
        *,
        started: float,
        sse: bool,
        strip_usage: bool = False,
        estimated_input: int = 0,
    ) -> None:
        self.body = body
        self.call = call
        self.started = started
        self.sse = sse
        self.sse_meter = SSEMeter(strip_usage=strip_usage) if sse else None
        self.json_meter = None if sse else JSONMeter()
        self.estimated_input = estimated_input
        self._started = self._finished = False
        self._loop = asyncio.get_running_loop()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._run()

    async def aclose(self) -> None:
        """Close a relay that was never iterated (the client left before the body started)."""
        if not self._started and not self._finished:
            self.call.status = "disconnected"
            await self._finish()

    def __del__(self) -> None:
        # A response dropped before its body was read still frees its upstream connection.
        if not self._started and not self._finished and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(_close_later, self)

    async def _run(self) -> AsyncIterator[bytes]:
        self._started = True
        call = self.call
        feed = self.sse_meter.feed if self.sse_meter is not None else self.json_meter.feed  # type: ignore[union-attr]
        try:
            async for chunk in self.body.iter_bytes(None):
                out = feed(chunk)
                if out:
                    if call.ttft_ms is None:
                        call.ttft_ms = (time.perf_counter() - self.started) * 1000
                    yield out
            if self.sse_meter is not None:
                rest = self.sse_meter.end()
                if rest:
                    yield rest
                if self.sse_meter.error is not None:
                    call.status, call.error = "interrupted", self.sse_meter.error
        except APIConnectionError as exc:
            call.status, call.error = "interrupted", str(exc)
            if not self.sse:
                raise UpstreamCutOff(str(exc)) from None
            yield error_event("The upstream API failed while streaming; the response is incomplete.")
        except (asyncio.CancelledError, GeneratorExit):
            call.status = "disconnected"
            raise
        finally:
            await self._finish()

    async def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        call = self.call
        await self.body.close()
        call.latency_ms = (time.perf_counter() - self.started) * 1000
        if self.sse_meter is not None:
            call.tokens = self.sse_meter.usage
            if call.tokens is None:
                deltas = self.sse_meter.text_deltas
                call.tokens = Tokens(
                    input=self.estimated_input, output=deltas, total=self.estimated_input + deltas
                )
                call.usage_estimated = True
        elif self.json_meter is not None:
            call.tokens = self.json_meter.usage()
        usage.record(call)


_closing: set[asyncio.Task[None]] = set()


def _close_later(relay: Relay) -> None:
    task = asyncio.get_running_loop().create_task(relay.aclose())
    _closing.add(task)  # a reference until it is done: the loop keeps only weak ones
    task.add_done_callback(_closing.discard)

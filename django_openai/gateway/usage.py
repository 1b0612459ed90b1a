"""Recording the gateway's calls: after each response, in bulk, off the event loop.

A finished call leaves a :class:`CallRecord` in the buffer of its event loop; the buffer is written
every ``USAGE_FLUSH_SECONDS`` (or as soon as ``USAGE_FLUSH_SIZE`` records wait) with one INSERT,
on the gateway's database thread, and counted against the limits at the same time. The ASGI mount
flushes what is left when the server shuts down (lifespan); a view served under WSGI flushes its
own record before it returns, since its event loop does not outlive it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import weakref
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import db, limits
from .config import GatewayConfig
from .config import get as get_config
from .metering import Tokens
from .principal import Principal

logger = logging.getLogger("django_openai.gateway")


@dataclass(slots=True)
class CallRecord:
    principal: Principal | None
    endpoint: str
    started_at: float  # unix time
    alias: str = ""
    model: str = ""
    tokens: Tokens | None = None
    usage_estimated: bool = False
    latency_ms: float | None = None
    ttft_ms: float | None = None
    status: str = "ok"
    http_status: int | None = None
    streamed: bool = False
    upstream_request_id: str = ""
    error: str = ""


class UsageBuffer:
    def __init__(self) -> None:
        self._records: list[CallRecord] = []
        self._timer: asyncio.TimerHandle | None = None
        self._writing: set[asyncio.Task[None]] = set()

    def add(self, record: CallRecord) -> None:
        self._records.append(record)
        config = get_config()
        if len(self._records) >= config.usage_flush_size:
            self._start()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(config.usage_flush_seconds, self._start)

    def _start(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        records, self._records = self._records, []
        if records:
            task = asyncio.get_running_loop().create_task(write(records, get_config()))
            self._writing.add(task)
            task.add_done_callback(self._writing.discard)

    async def flush(self) -> None:
        """Write what waits now, and wait for the writes in progress."""
        self._start()
        if self._writing:
            await asyncio.gather(*self._writing, return_exceptions=True)


_buffers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, UsageBuffer] = weakref.WeakKeyDictionary()


def buffer() -> UsageBuffer:
    loop = asyncio.get_running_loop()
    found = _buffers.get(loop)
    if found is None:
        found = _buffers[loop] = UsageBuffer()
    return found


def record(call: CallRecord) -> None:
    buffer().add(call)


async def flush() -> None:
    """Write every record of the running loop now (at shutdown, at the end of a WSGI response, in tests)."""
    await buffer().flush()


async def write(records: list[CallRecord], config: GatewayConfig) -> None:
    try:
        rows = [_row(r, config) for r in records]
        consumed = [
            limits.Consumption(
                limit_id=r.principal.limit_id,
                key_id=r.principal.key_id,
                user_id=r.principal.user_id,
                tokens=row.total_tokens,
                cost=row.cost,
                at=r.started_at,
            )
            for r, row in zip(records, rows, strict=True)
            if r.principal is not None
        ]
        await db.run(_store, rows)
        await limits.consume(consumed, config)
    except Exception:
        # Never lose the caller's answer over metering; say loudly that rows were lost.
        logger.exception("could not record the usage of %d gateway calls", len(records))


def _store(rows: list[Any]) -> None:
    from django.db import transaction

    from ..models import UsageRecord
    from ..services._sqlite import patiently
    from ..services.usage import record_usage

    def attempt() -> None:
        with transaction.atomic():  # the rows and the keys' last use, or neither, to try again
            record_usage(rows)

    patiently(UsageRecord, attempt)


def _row(call: CallRecord, config: GatewayConfig) -> Any:
    from ..models.usage import UsageRecord
    from ..services.usage import compute_cost

    tokens = call.tokens or Tokens()
    cost: Decimal | None = None
    if call.tokens is not None and call.model:
        cost = compute_cost(
            call.model,
            input_tokens=tokens.input,
            output_tokens=tokens.output,
            cached_tokens=tokens.cached,
            prices=config.prices,
        )
    principal = call.principal
    return UsageRecord(
        user_id=principal.user_id if principal else None,
        key_id=principal.key_id if principal else None,
        source=UsageRecord.SOURCE_GATEWAY,
        endpoint=call.endpoint,
        client_alias=call.alias,
        model=call.model[:255],
        input_tokens=tokens.input,
        output_tokens=tokens.output,
        cached_tokens=tokens.cached,
        reasoning_tokens=tokens.reasoning,
        total_tokens=tokens.total,
        usage_estimated=call.usage_estimated,
        cost=cost,
        latency_ms=call.latency_ms,
        time_to_first_token_ms=call.ttft_ms,
        status=call.status,
        http_status=call.http_status,
        streamed=call.streamed,
        upstream_request_id=call.upstream_request_id[:255],
        error=call.error[:500],
        created_at=dt.datetime.fromtimestamp(call.started_at, dt.UTC),
    )

"""Requests/min, tokens/min and monthly budgets (docs/gateway.md#limits).

Counters live in Redis when ``REDIS_URL`` is set (one pipelined round trip per request, shared by
every worker), else in Django's cache (``caches["default"]``: per process with the local-memory
backend; a networked Django cache blocks the event loop for its round trip, so prefer Redis).

- Per-minute limits are fixed one-minute windows per key (per user for session calls): the request
  count goes up before the call, tokens once the call is recorded; a caller over either gets a 429
  until the window ends (``retry-after``).
- Budgets are this calendar month's (UTC) tokens or cost per key and per user. Their counters are a
  cache of the usage table: seeded from it when missing, raised as usage is recorded. A call that
  starts under budget completes; the next one is refused (429 ``insufficient_quota``).
- A revoked key is marked here too, so that workers which cached the key refuse it at once.
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import datetime as dt
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import db, errors
from .config import GatewayConfig
from .principal import Principal

WINDOW = 60
_MICRO = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class Consumption:
    """What one recorded call counts against the limits."""

    limit_id: str
    key_id: int | None
    user_id: int | None
    tokens: int
    cost: Decimal | None
    at: float


def _month(now: float) -> str:
    return time.strftime("%Y%m", time.gmtime(now))


def _seconds_to_next_month(now: float) -> float:
    today = dt.datetime.fromtimestamp(now, dt.UTC)
    days = calendar.monthrange(today.year, today.month)[1]
    start = today.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (start + dt.timedelta(days=days)).timestamp() - now


def revoked_marker(key_id: int) -> str:
    return f"dj-openai:gw:revoked:{key_id}"


def _requests_key(limit_id: str, window: int) -> str:
    return f"dj-openai:gw:r:{limit_id}:{window}"


def _tokens_key(limit_id: str, window: int) -> str:
    return f"dj-openai:gw:t:{limit_id}:{window}"


def _budget_keys(subject: str, month: str) -> tuple[str, str]:
    return f"dj-openai:gw:bt:{subject}:{month}", f"dj-openai:gw:bc:{subject}:{month}"


# -- stores ---------------------------------------------------------------------------------------


class CacheStore:
    """Django's cache. Its methods are called directly: the local-memory backend is a dict."""

    def __init__(self) -> None:
        from django.core.cache import caches

        self.cache = caches["default"]

    async def check(self, count_key: str | None, read: Sequence[str]) -> tuple[int, list[Any]]:
        count = 0
        if count_key is not None:
            self.cache.add(count_key, 0, WINDOW * 2)
            try:
                count = self.cache.incr(count_key)
            except ValueError:  # expired between add and incr
                self.cache.set(count_key, 1, WINDOW * 2)
                count = 1
        values = self.cache.get_many(list(read)) if read else {}
        return count, [values.get(k) for k in read]

    async def seed(self, key: str, value: int, ttl: int) -> int:
        if self.cache.add(key, value, ttl):
            return value
        return int(self.cache.get(key, value))

    async def add(self, key: str, amount: int, ttl: int) -> None:
        self.cache.add(key, 0, ttl)
        try:
            self.cache.incr(key, amount)
        except ValueError:
            self.cache.set(key, amount, ttl)

    async def add_if_present(self, key: str, amount: int) -> None:
        with contextlib.suppress(ValueError):  # not seeded: nothing to raise
            self.cache.incr(key, amount)

    def mark_sync(self, key: str, ttl: int) -> None:
        self.cache.set(key, 1, ttl)


_INCR_IF_PRESENT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
return nil
"""


class RedisStore:
    """Redis through ``redis.asyncio``: one connection pool per event loop."""

    _clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()
    _scripts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()

    def __init__(self, url: str) -> None:
        self.url = url

    def _client(self) -> Any:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            import redis.asyncio

            client = self._clients[loop] = redis.asyncio.Redis.from_url(self.url)
            self._scripts[loop] = client.register_script(_INCR_IF_PRESENT)
        return client

    async def check(self, count_key: str | None, read: Sequence[str]) -> tuple[int, list[Any]]:
        pipe = self._client().pipeline(transaction=False)
        if count_key is not None:
            pipe.incr(count_key)
            pipe.expire(count_key, WINDOW * 2)
        if read:
            pipe.mget(list(read))
        results = await pipe.execute()
        count = int(results[0]) if count_key is not None else 0
        values = [None if v is None else int(v) for v in results[-1]] if read else []
        return count, values

    async def seed(self, key: str, value: int, ttl: int) -> int:
        client = self._client()
        if await client.set(key, value, ex=ttl, nx=True):
            return value
        current = await client.get(key)
        return int(current) if current is not None else value

    async def add(self, key: str, amount: int, ttl: int) -> None:
        pipe = self._client().pipeline(transaction=False)
        pipe.incrby(key, amount)
        pipe.expire(key, ttl)
        await pipe.execute()

    async def add_if_present(self, key: str, amount: int) -> None:
        self._client()
        await self._scripts[asyncio.get_running_loop()](keys=[key], args=[amount])

    def mark_sync(self, key: str, ttl: int) -> None:
        import redis

        with redis.Redis.from_url(self.url) as client:
            client.set(key, 1, ex=ttl)

    @classmethod
    async def aclose(cls) -> None:
        client = cls._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()


def store(config: GatewayConfig) -> CacheStore | RedisStore:
    return RedisStore(config.redis_url) if config.redis_url else CacheStore()


# -- checks ----------------------------------------------------------------------------------------


async def enforce(principal: Principal, config: GatewayConfig) -> None:
    """Count this request and refuse it (429) when the caller is over a limit; 401 if the key was
    revoked in another process since this one cached it."""
    now = time.time()
    window = int(now // WINDOW)
    limit_id = principal.limit_id
    budgets = _budget_subjects(principal, config)
    month = _month(now)
    read: list[str] = []
    if principal.key_id is not None:
        read.append(revoked_marker(principal.key_id))
    if principal.tokens_per_minute is not None:
        read.append(_tokens_key(limit_id, window))
    for subject, _, _ in budgets:
        read.extend(_budget_keys(subject, month))
    count_key = _requests_key(limit_id, window) if principal.requests_per_minute is not None else None
    if count_key is None and not read:
        return
    backend = store(config)
    count, values = await backend.check(count_key, read)
    found = dict(zip(read, values, strict=True))
    if principal.key_id is not None and found.get(revoked_marker(principal.key_id)):
        from .authentication import forget_key

        forget_key(principal.key_prefix)
        raise errors.invalid_key("This API key has been revoked.")
    retry = WINDOW - now % WINDOW
    if principal.requests_per_minute is not None and count > principal.requests_per_minute:
        raise errors.rate_limited(
            f"Rate limit reached: {principal.requests_per_minute} requests per minute. "
            f"Try again in {retry:.0f}s.",
            retry,
        )
    if principal.tokens_per_minute is not None:
        used = int(found.get(_tokens_key(limit_id, window)) or 0)
        if used >= principal.tokens_per_minute:
            raise errors.rate_limited(
                f"Rate limit reached: {principal.tokens_per_minute} tokens per minute "
                f"(used {used}). Try again in {retry:.0f}s.",
                retry,
            )
    for subject, token_budget, cost_budget in budgets:
        tokens_key, cost_key = _budget_keys(subject, month)
        tokens, micros = found.get(tokens_key), found.get(cost_key)
        if tokens is None or micros is None:
            tokens, micros = await _seed_budget(backend, subject, now)
        over_tokens = token_budget is not None and int(tokens) >= token_budget
        over_cost = cost_budget is not None and Decimal(int(micros)) / _MICRO >= cost_budget
        if over_tokens or over_cost:
            whose = "this key's" if subject.startswith("k") else "your"
            raise errors.rate_limited(
                f"You exceeded {whose} monthly budget. It renews at the start of next month (UTC).",
                _seconds_to_next_month(now),
                code="insufficient_quota",
            )


def _budget_subjects(
    principal: Principal, config: GatewayConfig
) -> list[tuple[str, int | None, Decimal | None]]:
    subjects: list[tuple[str, int | None, Decimal | None]] = []
    if principal.key_id is not None and (
        principal.monthly_token_budget is not None or principal.monthly_cost_budget is not None
    ):
        subjects.append(
            (f"k{principal.key_id}", principal.monthly_token_budget, principal.monthly_cost_budget)
        )
    if config.user_monthly_token_budget is not None or config.user_monthly_cost_budget is not None:
        subjects.append(
            (f"u{principal.user_id}", config.user_monthly_token_budget, config.user_monthly_cost_budget)
        )
    return subjects


async def _seed_budget(backend: CacheStore | RedisStore, subject: str, now: float) -> tuple[int, int]:
    from ..services.usage import month_totals

    if subject.startswith("k"):
        tokens, cost = await db.run(lambda: month_totals(key_id=int(subject[1:])))
    else:
        tokens, cost = await db.run(lambda: month_totals(user_id=int(subject[1:])))
    ttl = int(_seconds_to_next_month(now)) + 3600
    tokens_key, cost_key = _budget_keys(subject, _month(now))
    seeded_tokens = await backend.seed(tokens_key, tokens, ttl)
    seeded_micros = await backend.seed(cost_key, int(cost * _MICRO), ttl)
    return seeded_tokens, seeded_micros


async def consume(items: Sequence[Consumption], config: GatewayConfig) -> None:
    """Count recorded calls against tokens/min and the budgets (called with each usage flush)."""
    per_minute: dict[str, int] = {}
    budgets: dict[str, int] = {}
    for item in items:
        micros = int((item.cost or 0) * _MICRO)
        if not item.tokens and not micros:
            continue
        key = _tokens_key(item.limit_id, int(item.at // WINDOW))
        per_minute[key] = per_minute.get(key, 0) + item.tokens
        subjects = [f"u{item.user_id}"] if item.user_id is not None else []
        if item.key_id is not None:
            subjects.append(f"k{item.key_id}")
        for subject in subjects:
            tokens_key, cost_key = _budget_keys(subject, _month(item.at))
            budgets[tokens_key] = budgets.get(tokens_key, 0) + item.tokens
            budgets[cost_key] = budgets.get(cost_key, 0) + micros
    backend = store(config)
    for key, amount in per_minute.items():
        if amount:
            await backend.add(key, amount, WINDOW * 2)
    for key, amount in budgets.items():
        if amount:
            # Only counters already seeded from the usage table: a missing one is seeded whole later.
            await backend.add_if_present(key, amount)


def mark_revoked(key_id: int, config: GatewayConfig) -> None:
    """Tell every worker sharing the store that this key is revoked (sync: called from a signal)."""
    store(config).mark_sync(revoked_marker(key_id), int(config.key_cache_seconds) * 2 + 60)

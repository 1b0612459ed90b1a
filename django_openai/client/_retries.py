"""When to retry a request, and how long to wait first.

Pure functions over a status code and headers, so the policy is tested without any HTTP at all.
The rules (docs/architecture.md, "Retries") match or improve on the official SDK:

* retry 408, 409, 429 and every 5xx, plus timeouts and connection errors;
* ``x-should-retry: true|false`` from the server wins over everything else;
* a 429 whose error code is ``insufficient_quota`` is final: waiting will not add credit;
* wait ``retry-after-ms``, else ``retry-after`` (seconds or an HTTP date) when it is between 0 and
  120 s, else ``min(0.5 * 2**n, 8)`` seconds less up to 25% jitter.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from typing import Any

INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_SERVER_DELAY = 120.0
RETRYABLE_STATUS = frozenset({408, 409, 429})


def should_retry(status_code: int, headers: Mapping[str, str], body: Any = None) -> bool:
    explicit = headers.get("x-should-retry")
    if explicit == "true":
        return True
    if explicit == "false":
        return False
    if status_code == 429 and _is_insufficient_quota(body):
        return False
    return status_code in RETRYABLE_STATUS or status_code >= 500


def retry_delay(
    retries_done: int,
    headers: Mapping[str, str] | None = None,
    *,
    now: float | None = None,
    rand: float | None = None,
) -> float:
    """Seconds to wait before retry number ``retries_done + 1``."""
    server = server_requested_delay(headers or {}, now=now)
    if server is not None:
        return server
    base = min(INITIAL_RETRY_DELAY * (2**retries_done), MAX_RETRY_DELAY)
    jitter = 1 - 0.25 * (random.random() if rand is None else rand)
    return base * jitter


def server_requested_delay(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """The wait asked for by ``retry-after-ms`` or ``retry-after``, when it is sane (0-120 s)."""
    delay: float | None = None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            delay = float(raw_ms) / 1000
        except ValueError:
            delay = None
    if delay is None:
        raw = headers.get("retry-after")
        if raw is not None:
            try:
                delay = float(raw)
            except ValueError:
                parsed = email.utils.parsedate_to_datetime(raw) if _looks_like_date(raw) else None
                if parsed is not None:
                    delay = parsed.timestamp() - (time.time() if now is None else now)
    if delay is not None and 0 <= delay <= MAX_SERVER_DELAY:
        return delay
    return None


def _looks_like_date(raw: str) -> bool:
    try:
        return email.utils.parsedate_tz(raw) is not None
    except (TypeError, ValueError):
        return False


def _is_insufficient_quota(body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    error = body.get("error")
    if not isinstance(error, dict):
        return False
    return "insufficient_quota" in (error.get("code"), error.get("type"))

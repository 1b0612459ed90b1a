"""Usage records: written in bulk, priced from a table, summed for budgets (docs/gateway.md#usage).

Anything that calls a model on a user's behalf records here: the gateway does, and so does each
run of a thread (:func:`record_run_usage`).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from ..conf import app_settings
from ..models.gateway import GatewayKey
from ..models.runs import Run
from ..models.usage import UsageRecord

_MILLION = Decimal(1_000_000)
#: The ``source`` of the usage records of thread runs.
THREAD_RUN = "thread_run"


def record_usage(records: Sequence[UsageRecord]) -> None:
    """Store ``records`` in one INSERT and mark their keys as used."""
    if not records:
        return
    UsageRecord.objects.bulk_create(records)
    key_ids = {r.key_id for r in records if r.key_id is not None}
    if key_ids:
        last = max(r.created_at for r in records)
        GatewayKey.objects.filter(pk__in=key_ids).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=last)
        ).update(last_used_at=last)


def price_for(model: str, prices: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The price entry of ``model``: its exact name first, then the first wildcard that matches."""
    if model in prices:
        return prices[model]
    for pattern, entry in prices.items():
        if fnmatch.fnmatchcase(model, pattern):
            return entry
    return None


def compute_cost(
    model: str,
    *,
    input_tokens: int,
    output_tokens: int,
    cached_tokens: int = 0,
    prices: Mapping[str, Mapping[str, Any]],
) -> Decimal | None:
    """The cost of a call from a price table in currency units per million tokens:
    ``{"gpt-4.1-mini*": {"input": "0.40", "cached_input": "0.10", "output": "1.60"}}``.
    None when the model has no price. Cached input tokens are part of ``input_tokens``."""
    entry = price_for(model, prices)
    if entry is None:
        return None
    per_input = Decimal(str(entry.get("input", 0)))
    per_cached = Decimal(str(entry.get("cached_input", entry.get("input", 0))))
    per_output = Decimal(str(entry.get("output", 0)))
    cached = min(cached_tokens, input_tokens)
    total = (input_tokens - cached) * per_input + cached * per_cached + output_tokens * per_output
    return (total / _MILLION).quantize(Decimal("0.000001"))


def month_start(now: dt.datetime | None = None) -> dt.datetime:
    now = now or timezone.now()
    return now.astimezone(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_totals(*, key_id: int | None = None, user_id: int | None = None) -> tuple[int, Decimal]:
    """Tokens and cost recorded this calendar month (UTC) for one key or one user."""
    rows = UsageRecord.objects.filter(created_at__gte=month_start())
    if key_id is not None:
        rows = rows.filter(key_id=key_id)
    elif user_id is not None:
        rows = rows.filter(user_id=user_id)
    else:
        raise ValueError("month_totals() needs key_id or user_id")
    totals = rows.aggregate(tokens=Sum("total_tokens"), cost=Sum("cost"))
    return int(totals["tokens"] or 0), Decimal(totals["cost"] or 0)


#: A run's status -> the usage record's.
_RUN_STATUSES = {
    "completed": UsageRecord.STATUS_OK,
    "failed": UsageRecord.STATUS_ERROR,
    "incomplete": UsageRecord.STATUS_INTERRUPTED,
    "cancelled": "cancelled",
}


def record_run_usage(run: Run) -> UsageRecord | None:
    """Record an ended run of a thread (docs/assistants.md#usage): one row, source ``thread_run``,
    for the run's owner, priced from ``GATEWAY["PRICES"]``. Called in the transaction that ends
    the run; a run that never reached the model (no round) records nothing."""
    if run.rounds == 0:
        return None
    status = _RUN_STATUSES.get(run.status, UsageRecord.STATUS_ERROR)
    if run.status == "incomplete" and (run.error or {}).get("code") == "disconnected":
        status = UsageRecord.STATUS_DISCONNECTED
    latency = run.latency
    record = UsageRecord(
        user_id=run.owner_id,
        source=THREAD_RUN,
        endpoint="responses" if run.backend == "responses" else "chat.completions",
        client_alias=run.client_alias,
        model=run.model,
        input_tokens=run.input_tokens,
        output_tokens=run.output_tokens,
        cached_tokens=run.cached_tokens,
        reasoning_tokens=run.reasoning_tokens,
        total_tokens=run.input_tokens + run.output_tokens,
        usage_estimated=run.usage_estimated,
        cost=compute_cost(
            run.model,
            input_tokens=run.input_tokens,
            output_tokens=run.output_tokens,
            cached_tokens=run.cached_tokens,
            prices=app_settings.GATEWAY.PRICES,
        ),
        latency_ms=latency.total_seconds() * 1000 if latency is not None else None,
        time_to_first_token_ms=(
            run.time_to_first_token * 1000 if run.time_to_first_token is not None else None
        ),
        status=status,
        streamed=run.stream,
        upstream_request_id=run.openai_id,
        error=str((run.error or {}).get("message") or "")[:500],
        created_at=run.finished_at or timezone.now(),
    )
    record_usage([record])
    return record

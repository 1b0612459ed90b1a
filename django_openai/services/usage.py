"""Usage records: written in bulk, priced from a table, summed for budgets (docs/gateway.md#usage).

Anything that calls a model on a user's behalf records here: the gateway does, thread runs will.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from ..models.gateway import GatewayKey
from ..models.usage import UsageRecord

_MILLION = Decimal(1_000_000)


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

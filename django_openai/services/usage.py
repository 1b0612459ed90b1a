"""Usage records: written in bulk, priced from a table, summed for budgets and reports
(docs/gateway.md#usage).

Anything that calls a model on a user's behalf records here: the gateway does, and so does each
run of a thread (:func:`record_run_usage`).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DateField, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
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


# -- reports: sums in the database, whatever the number of rows ------------------------------------

#: The sums of a group of usage records.
SUMS = ("calls", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens", "total_tokens", "cost")
#: Longer spans than this many days are reported by month rather than by day.
DAILY_SPAN_DAYS = 92


@dataclass
class UsageGroup:
    """The sums of the records of one group (a model, a day, a day and a model)."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0
    cost: Decimal | None = None

    def add(self, other: UsageGroup) -> None:
        for name in SUMS[:-1]:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.cost is not None:
            self.cost = (self.cost or Decimal(0)) + other.cost


@dataclass
class UsageSummary:
    """Usage summed three ways: in all, by period (day or month) and model, by model."""

    totals: UsageGroup
    first: dt.datetime | None
    last: dt.datetime | None
    #: "day" or "month": the span of the records decides (``DAILY_SPAN_DAYS``).
    period: str
    #: (period start, model) -> sums, oldest period first.
    by_period: dict[tuple[dt.date, str], UsageGroup] = field(default_factory=dict)
    #: model -> sums, the most tokens first.
    by_model: dict[str, UsageGroup] = field(default_factory=dict)

    @property
    def periods(self) -> list[dt.date]:
        return sorted({period for period, _ in self.by_period})


def _sums() -> dict[str, Any]:
    return {
        "calls": Count("pk"),
        **{name: Sum(name) for name in SUMS[1:]},
    }


def _group(values: Mapping[str, Any]) -> UsageGroup:
    return UsageGroup(
        **{name: int(values[name] or 0) for name in SUMS[:-1]},
        cost=Decimal(values["cost"]) if values["cost"] is not None else None,
    )


def usage_summary(records: QuerySet[UsageRecord]) -> UsageSummary:
    """Sum ``records`` (any filtered queryset) in two queries: in all (with the first and last
    moment), then by period and model; by model is added up from the second. Periods are days,
    or months when the records span more than ``DAILY_SPAN_DAYS``, in the current time zone."""
    records = records.order_by()  # the model's ordering would join the GROUP BY
    overall = records.aggregate(**_sums(), first=Min("created_at"), last=Max("created_at"))
    first, last = overall["first"], overall["last"]
    period = "day"
    if first is not None and last is not None and (last - first).days > DAILY_SPAN_DAYS:
        period = "month"
    summary = UsageSummary(totals=_group(overall), first=first, last=last, period=period)
    if not overall["calls"]:
        return summary
    start = TruncDate("created_at") if period == "day" else TruncMonth("created_at", output_field=DateField())
    grouped = (
        records.annotate(period_start=start)
        .values("period_start", "model")
        .annotate(**_sums())
        .order_by("period_start", "model")
    )
    for row in grouped:
        group = _group(row)
        summary.by_period[(row["period_start"], row["model"])] = group
        summary.by_model.setdefault(row["model"], UsageGroup()).add(group)
    summary.by_model = dict(
        sorted(summary.by_model.items(), key=lambda item: (-item[1].total_tokens, item[0]))
    )
    return summary

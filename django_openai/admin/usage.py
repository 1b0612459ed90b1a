"""Usage: what the gateway and the thread runs spent, summed by day and model above the records.

The sums are computed in the database on the filtered records (``services.usage.usage_summary``,
two queries whatever their number); the list shows a page of records with their user and key
joined, no query per row, and never counts the whole table twice.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.safestring import SafeString

from ..models import UsageRecord
from ..services.usage import THREAD_RUN, UsageGroup, UsageSummary, usage_summary
from .base import ReadOnlyAdmin
from .charts import stacked_bars
from .display import badge, owner_search, when
from .filters import DateRangeFilter


class SourceFilter(admin.SimpleListFilter):
    title = "source"
    parameter_name = "source"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        # Fixed choices: listing the distinct values would read the whole table.
        return [(UsageRecord.SOURCE_GATEWAY, "Gateway"), (THREAD_RUN, "Thread runs")]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet[UsageRecord]) -> Any:
        return queryset.filter(source=self.value()) if self.value() else queryset


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        statuses = ("ok", "error", "rejected", "interrupted", "disconnected", "cancelled")
        return [(status, status) for status in statuses]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet[UsageRecord]) -> Any:
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "moment",
        "user",
        "key_column",
        "source",
        "endpoint",
        "model",
        "tokens",
        "cached_and_reasoning",
        "cost",
        "status_badge",
        "latency",
        "first_token",
    )
    list_filter = (
        DateRangeFilter,
        SourceFilter,
        ("user", admin.RelatedOnlyFieldListFilter),
        ("key", admin.RelatedOnlyFieldListFilter),
        "model",
        StatusFilter,
        "client_alias",
    )
    search_fields = ("=model", "=upstream_request_id", owner_search(), "=key__prefix")
    list_select_related = ("user", "key")
    list_per_page = 100
    show_facets = admin.ShowFacets.NEVER  # a count per choice would read the table once per filter
    change_list_template = "django_openai/admin/usage_change_list.html"
    readonly_fields = [f.name for f in UsageRecord._meta.fields if f.name != "id"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # budgets are sums of these rows

    @admin.display(description="when", ordering="created_at")
    def moment(self, obj: UsageRecord) -> str:
        return when(obj.created_at)

    @admin.display(description="cached / reasoning")
    def cached_and_reasoning(self, obj: UsageRecord) -> str:
        return f"{obj.cached_tokens:,} / {obj.reasoning_tokens:,}"

    @admin.display(description="key", ordering="key__prefix")
    def key_column(self, obj: UsageRecord) -> str:
        return f"{obj.key.prefix}…" if obj.key else "—"

    @admin.display(description="tokens in / out")
    def tokens(self, obj: UsageRecord) -> str:
        estimated = " (estimated)" if obj.usage_estimated else ""
        return f"{obj.input_tokens:,} / {obj.output_tokens:,}{estimated}"

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: UsageRecord) -> SafeString:
        return badge(obj.status)

    @admin.display(description="latency", ordering="latency_ms")
    def latency(self, obj: UsageRecord) -> str:
        return f"{obj.latency_ms:,.0f} ms" if obj.latency_ms is not None else "—"

    @admin.display(description="first token", ordering="time_to_first_token_ms")
    def first_token(self, obj: UsageRecord) -> str:
        return f"{obj.time_to_first_token_ms:,.0f} ms" if obj.time_to_first_token_ms is not None else "—"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        if isinstance(response, TemplateResponse) and response.context_data and "cl" in response.context_data:
            changelist = response.context_data["cl"]
            response.context_data["usage_summary"] = summary_html(
                usage_summary(changelist.queryset), changelist
            )
        return response


def money(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.2f}" if abs(value) >= 100 else f"{value:,.4f}"


def _label(period: Any, by: str) -> str:
    return period.strftime("%b %d" if by == "day" else "%b %Y")


def _model(name: str) -> str:
    return name or "(no model)"


def summary_html(summary: UsageSummary, changelist: Any) -> SafeString:
    """The totals, the charts (tokens, and cost when priced) and the tables by model and period."""
    periods = summary.periods
    labels = [_label(p, summary.period) for p in periods]
    models_ = list(summary.by_model)

    def series(value: Any) -> list[tuple[str, list[float]]]:
        return [(_model(m), [value(summary.by_period.get((p, m))) for p in periods]) for m in models_]

    by = "day" if summary.period == "day" else "month"
    token_chart = stacked_bars(
        labels,
        series(lambda g: g.total_tokens if g else 0),
        summary=f"Tokens by {by} and model",
    )
    cost_chart = None
    if summary.totals.cost:
        cost_chart = stacked_bars(
            labels,
            series(lambda g: float(g.cost or 0) if g else 0.0),
            summary=f"Cost by {by} and model",
            value_label=lambda v: money(Decimal(str(round(v, 6)))),
        )
    by_period: list[tuple[str, dict[str, str]]] = []
    for period, label in zip(periods, labels, strict=True):
        total = UsageGroup()
        for model in models_:
            group = summary.by_period.get((period, model))
            if group:
                total.add(group)
        by_period.append((label, figures(total)))
    totals = summary.totals
    context = {
        "summary": summary,
        "by": by,
        "totals": figures(totals),
        "token_chart": token_chart,
        "cost_chart": cost_chart,
        "by_model": [
            (
                _model(model),
                changelist.get_query_string({"model__exact": model}, remove=["p"]),
                figures(group),
            )
            for model, group in summary.by_model.items()
        ],
        "by_period": list(reversed(by_period)),
        "filtered": changelist.has_active_filters or bool(changelist.query),
    }
    return SafeString(render_to_string("django_openai/admin/usage_summary.html", context))


def figures(group: UsageGroup) -> dict[str, str]:
    """A group's sums as the page shows them."""
    return {
        "calls": f"{group.calls:,}",
        "input_tokens": f"{group.input_tokens:,}",
        "output_tokens": f"{group.output_tokens:,}",
        "cached_tokens": f"{group.cached_tokens:,}",
        "reasoning_tokens": f"{group.reasoning_tokens:,}",
        "total_tokens": f"{group.total_tokens:,}",
        "cost": money(group.cost),
    }

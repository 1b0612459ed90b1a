"""Gateway keys: created with their secret shown once, listed with their limits, revoked.

Only the key's prefix and hash are stored (``services.gateway_keys``); the secret appears in the
one response to the form that created it, and in no page after it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from ..models import GatewayKey
from ..services.gateway_keys import revoke_key
from .base import OperationsMixin, link
from .display import badge, owner_search, when
from .forms import GatewayKeyChangeForm


def key_state(key: GatewayKey) -> str:
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= timezone.now():
        return "expired"
    return "active"


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "Active"), ("revoked", "Revoked"), ("expired", "Expired")]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet[GatewayKey]) -> Any:
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True).exclude(expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        return queryset


def limits_text(key: GatewayKey) -> str:
    parts = []
    if key.requests_per_minute:
        parts.append(f"{key.requests_per_minute:,} requests/min")
    if key.tokens_per_minute:
        parts.append(f"{key.tokens_per_minute:,} tokens/min")
    if key.monthly_token_budget:
        parts.append(f"{key.monthly_token_budget:,} tokens/month")
    if key.monthly_cost_budget is not None:
        parts.append(f"{key.monthly_cost_budget.normalize():f}/month")
    if key.allowed_models:
        parts.append("models: " + ", ".join(key.allowed_models))
    return " · ".join(parts) or "—"


@admin.register(GatewayKey)
class GatewayKeyAdmin(OperationsMixin):
    list_display = (
        "prefix_column",
        "name",
        "user",
        "state_badge",
        "created",
        "last_used",
        "expires",
        "limits",
        "usage_link",
    )
    list_filter = (StateFilter,)
    search_fields = ("=prefix", "name", owner_search())
    list_select_related = ("user",)
    show_full_result_count = False
    list_per_page = 50
    actions = ["revoke"]
    object_actions = ("revoke",)
    form = GatewayKeyChangeForm
    # Never the hash: it is not the key, but nothing on a page needs it.
    readonly_fields = (
        "state_badge",
        "prefix_column",
        "user",
        "created_at",
        "last_used_at",
        "revoked_at",
        "usage_link",
    )
    fieldsets = (
        (None, {"fields": ("state_badge", "prefix_column", "user", "name", "usage_link")}),
        (
            "Limits",
            {
                "fields": (
                    "allowed_models",
                    "expires_at",
                    "requests_per_minute",
                    "tokens_per_minute",
                    "monthly_token_budget",
                    "monthly_cost_budget",
                )
            },
        ),
        ("Dates", {"fields": ("created_at", "last_used_at", "revoked_at")}),
    )

    def label(self, obj: GatewayKey) -> str:
        return f"{obj.prefix}… ({obj.name or obj.user})"

    def offers(self, action: str, obj: GatewayKey) -> bool:
        return action != "revoke" or obj.revoked_at is None

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        from .views import key_create_view

        return key_create_view(self, request)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # revoke: the key's usage keeps its name
        return actions

    @admin.display(description="key", ordering="prefix")
    def prefix_column(self, obj: GatewayKey) -> str:
        return f"{obj.prefix}…"

    @admin.display(description="created", ordering="created_at")
    def created(self, obj: GatewayKey) -> str:
        return when(obj.created_at, seconds=False)

    @admin.display(description="last used", ordering="last_used_at")
    def last_used(self, obj: GatewayKey) -> str:
        return when(obj.last_used_at, seconds=False) if obj.last_used_at else "never"

    @admin.display(description="expires", ordering="expires_at")
    def expires(self, obj: GatewayKey) -> str:
        return when(obj.expires_at, seconds=False) if obj.expires_at else "never"

    @admin.display(description="state")
    def state_badge(self, obj: GatewayKey) -> SafeString:
        return badge(key_state(obj))

    @admin.display(description="limits")
    def limits(self, obj: GatewayKey) -> str:
        return limits_text(obj)

    @admin.display(description="usage")
    def usage_link(self, obj: GatewayKey) -> SafeString | str:
        if obj.pk is None:
            return "—"
        url = reverse(f"{self.admin_site.name}:django_openai_usagerecord_changelist")
        return link(f"{url}?key__id__exact={obj.pk}", "Usage")

    @admin.action(description="Revoke", permissions=["act"])
    def revoke(self, request: HttpRequest, queryset: models.QuerySet[GatewayKey]) -> None:
        self.run_each(request, queryset, revoke_key, "Revoked (refused from the next request on)")

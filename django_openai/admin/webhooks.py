from __future__ import annotations

from django.contrib import admin

from ..models import WebhookDelivery


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("received_at", "event_type", "object_id", "valid", "matched", "error")
    list_filter = ("valid", "event_type")
    readonly_fields = (
        "webhook_id",
        "event_type",
        "object_id",
        "client_alias",
        "headers",
        "body",
        "body_encoding",
        "body_size",
        "body_sha256",
        "valid",
        "error",
        "matched",
        "received_at",
    )

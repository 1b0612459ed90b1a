"""One row per metered call: the gateway's calls now, thread runs later (docs/gateway.md#usage).

Rows are written in bulk, after the responses they describe (``services.usage``). ``key`` is
empty for calls made with a session or from server code; ``source`` tells who recorded the row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .gateway import GatewayKey


class UsageRecord(models.Model):
    SOURCE_GATEWAY = "gateway"

    STATUS_OK = "ok"
    #: The upstream answered an error status, or the gateway rejected the call (a limit).
    STATUS_ERROR = "error"
    STATUS_REJECTED = "rejected"
    #: The upstream failed while streaming: what was relayed until then is counted.
    STATUS_INTERRUPTED = "interrupted"
    #: The client went away mid-response; the upstream was closed at once.
    STATUS_DISCONNECTED = "disconnected"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    key = models.ForeignKey(
        GatewayKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="usage_records"
    )
    source = models.CharField(max_length=32, default=SOURCE_GATEWAY)
    #: The API called: ``chat.completions``, ``responses``, ``embeddings``, ``moderations``, ``models``.
    endpoint = models.CharField(max_length=64)
    client_alias = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=255, blank=True)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cached_tokens = models.PositiveIntegerField(default=0)
    reasoning_tokens = models.PositiveIntegerField(default=0)
    total_tokens = models.PositiveIntegerField(default=0)
    #: True when the upstream reported no usage (a stream cut short) and the tokens are estimated.
    usage_estimated = models.BooleanField(default=False)
    cost = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    time_to_first_token_ms = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=16, default=STATUS_OK)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    streamed = models.BooleanField(default=False)
    upstream_request_id = models.CharField(max_length=255, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["key", "created_at"], name="django_openai_usage_key_time"),
            models.Index(fields=["user", "created_at"], name="django_openai_usage_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.model} {self.total_tokens} tokens ({self.status})"

"""Keys for the OpenAI-compatible gateway (docs/gateway.md).

Only a hash of each secret is stored: the key itself is shown once, when it is created. Keys are
high-entropy random tokens, so one SHA-256 is as safe as a slow password hash and costs
microseconds per request; lookups go by the visible ``prefix`` and the hash is compared in
constant time.
"""

from __future__ import annotations

import datetime as dt
import fnmatch

from django.conf import settings
from django.db import models
from django.utils import timezone

#: Every gateway key starts with this; the characters after it up to ``PREFIX_LENGTH`` are the
#: visible prefix (shown in lists, used to find the key).
KEY_MARK = "sk-dj-"
PREFIX_LENGTH = len(KEY_MARK) + 8


class GatewayKey(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100, blank=True)
    #: The start of the key, kept in clear so that a user can tell their keys apart.
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True)
    #: SHA-256 (hex) of the whole key. The key itself is never stored.
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    #: Model names or wildcards (``gpt-4.1*``) this key may use; empty: whatever its owner may use.
    allowed_models = models.JSONField(default=list, blank=True)
    requests_per_minute = models.PositiveIntegerField(null=True, blank=True)
    tokens_per_minute = models.PositiveIntegerField(null=True, blank=True)
    monthly_token_budget = models.PositiveBigIntegerField(null=True, blank=True)
    #: In the currency of the price table (``DJANGO_OPENAI["GATEWAY"]["PRICES"]``).
    monthly_cost_budget = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "gateway key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'unnamed'})"

    def is_active(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def allows_model(self, model: str) -> bool:
        return not self.allowed_models or any(
            fnmatch.fnmatchcase(model, pattern) for pattern in self.allowed_models
        )

from __future__ import annotations

from django.db import models


class WebhookDelivery(models.Model):
    """Every webhook request received, valid or not: for audit, dedupe and replay."""

    webhook_id = models.CharField(max_length=255, blank=True)
    event_type = models.CharField(max_length=128, blank=True, db_index=True)
    object_id = models.CharField(max_length=255, blank=True)
    client_alias = models.CharField(max_length=100, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    valid = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    #: What the delivery changed: the model and pk of the row it marked for polling, if any.
    matched = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-received_at"]
        constraints = [
            # Dedupe valid deliveries only: a forged request must not block the real one's id.
            models.UniqueConstraint(
                fields=["webhook_id"],
                condition=models.Q(valid=True),
                name="django_openai_webhook_unique_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type or 'unknown'} {self.webhook_id}"

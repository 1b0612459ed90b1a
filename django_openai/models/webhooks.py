from __future__ import annotations

import base64
import hashlib

from django.db import models


def _body_text(data: bytes, *, cut: bool) -> tuple[str, str]:
    """``(text, encoding)``: the bytes as UTF-8 text where they are that, else base64.

    PostgreSQL's text refuses NUL, and invalid UTF-8 has no faithful text form; base64 keeps
    such a body byte for byte. A prefix ``cut`` inside a character loses that character only.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not (cut and exc.end == len(data) and exc.reason == "unexpected end of data"):
            return base64.b64encode(data).decode("ascii"), WebhookDelivery.BASE64
        return _body_text(data[: exc.start], cut=False)
    if "\x00" in text:
        return base64.b64encode(data).decode("ascii"), WebhookDelivery.BASE64
    return text, WebhookDelivery.TEXT


class WebhookDelivery(models.Model):
    """Every webhook request received, valid or not: for audit, dedupe and replay.

    A valid delivery keeps its body whole; an invalid one (anyone can send those) keeps its
    headers, size, sha256 and only the first bytes of its body (see docs/webhooks.md).
    """

    TEXT = ""
    BASE64 = "base64"

    webhook_id = models.CharField(max_length=255, blank=True)
    event_type = models.CharField(max_length=128, blank=True, db_index=True)
    object_id = models.CharField(max_length=255, blank=True)
    client_alias = models.CharField(max_length=100, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    #: The body as text, or base64 when ``body_encoding`` says so (a NUL, or bytes not UTF-8).
    body = models.TextField(blank=True)
    body_encoding = models.CharField(max_length=16, blank=True)
    #: The size and sha256 of the whole body as received, even where ``body`` keeps only its start.
    body_size = models.PositiveBigIntegerField(default=0)
    body_sha256 = models.CharField(max_length=64, blank=True)
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

    def store_body(self, data: bytes, *, keep: int | None = None, size: int | None = None) -> None:
        """Record a body: all of it, or its first ``keep`` bytes (with the size and hash of all).

        ``size`` is for a body refused unread or half read: its size as declared or as far as
        read, and no hash (a hash of part of a body would pass for the hash of the body).
        """
        kept = data if keep is None else data[:keep]
        self.body, self.body_encoding = _body_text(kept, cut=len(kept) < len(data))
        self.body_size = len(data) if size is None else size
        self.body_sha256 = hashlib.sha256(data).hexdigest() if size is None else ""

    @property
    def raw_body(self) -> bytes:
        """The stored body (or its stored start) as the bytes received."""
        if self.body_encoding == self.BASE64:
            return base64.b64decode(self.body)
        return self.body.encode("utf-8")

    @property
    def body_truncated(self) -> bool:
        return len(self.raw_body) < self.body_size

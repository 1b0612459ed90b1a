"""The webhook endpoint: verify, record, mark for polling, answer fast (docs/architecture.md,
"How a webhook travels").

    urlpatterns = [path("openai/webhooks/", include("django_openai.webhooks.urls"))]

The remote object fetched by id stays the truth: a delivery only records itself and sets the
matching row's ``next_poll_at`` to now; the next sweep polls it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from .. import conf
from ..client import InvalidWebhookSignatureError
from ..client.webhooks import verify_signature
from ..conf import app_settings
from ..models import WebhookDelivery
from ..models.base import model_for_event
from ..services._nul import without_nul

logger = logging.getLogger("django_openai.webhooks")

WEBHOOK_ID_MAX_LENGTH = WebhookDelivery._meta.get_field("webhook_id").max_length or 255
STORED_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "user-agent")


def webhook_secrets(alias: str | None) -> list[str]:
    secrets = app_settings.WEBHOOK_SECRETS
    aliases = [alias] if alias else list(conf.clients())
    for name in aliases:
        try:
            secret = conf.client_settings(name).get("WEBHOOK_SECRET")
        except ImproperlyConfigured as exc:
            # An alias the settings do not name (the URL's) or a malformed entry (a system check
            # error too): it offers no secret; the other secrets still count.
            logger.warning("webhook: %s", exc)
            continue
        if secret:
            secrets.append(secret)
    return secrets


def _declared_length(request: HttpRequest) -> int:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
    return min(max(0, declared), 2**62)  # what a bigint column holds, whatever a client claims


@method_decorator(csrf_exempt, name="dispatch")
class WebhookView(View):
    """Both limits below can be changed per URL: ``WebhookView.as_view(max_body_bytes=...)``."""

    http_method_names = ["post"]
    #: Larger bodies are answered 413 (OpenAI's events are well under a kilobyte).
    max_body_bytes = 1024 * 1024
    #: What an invalid delivery keeps of its body, for audit: anyone can send those, so never all.
    invalid_body_bytes = 4096

    def post(self, request: HttpRequest, alias: str | None = None) -> HttpResponse:
        webhook_id = request.headers.get("webhook-id", "")
        headers = {
            name: without_nul(request.headers[name]) for name in STORED_HEADERS if request.headers.get(name)
        }
        delivery = WebhookDelivery(
            webhook_id=without_nul(webhook_id)[:WEBHOOK_ID_MAX_LENGTH],
            client_alias=alias or "",
            headers=headers,
        )
        declared = _declared_length(request)
        if declared > self.max_body_bytes:  # refused unread
            delivery.store_body(b"", size=declared)
            return self._refuse(delivery, 413, f"the body is larger than {self.max_body_bytes} bytes")
        # Read here rather than through request.body, so that a body sent without Content-Length
        # is bounded too.
        body = request.read(self.max_body_bytes + 1)
        if len(body) > self.max_body_bytes:
            delivery.store_body(body, keep=self.invalid_body_bytes, size=len(body))
            return self._refuse(delivery, 413, f"the body is larger than {self.max_body_bytes} bytes")
        # An id the column cannot hold whole could not be deduplicated (a prefix shared by two
        # ids would drop the second), nor could one holding NUL (PostgreSQL cannot store it).
        if len(webhook_id) > WEBHOOK_ID_MAX_LENGTH:
            return self._refuse_read(
                delivery, body, f"webhook-id is longer than {WEBHOOK_ID_MAX_LENGTH} characters"
            )
        if "\x00" in webhook_id:
            return self._refuse_read(delivery, body, "webhook-id holds a NUL character")
        try:
            verify_signature(
                body,
                request.headers,
                secret=webhook_secrets(alias),
                tolerance=app_settings.WEBHOOK_TOLERANCE_SECONDS,
            )
        except InvalidWebhookSignatureError as exc:
            return self._refuse_read(delivery, body, str(exc))
        delivery.valid = True
        delivery.store_body(body)
        object_id = ""
        try:
            event = json.loads(body)
            delivery.event_type = without_nul(str(event.get("type", "")))[:128]
            object_id = without_nul(str((event.get("data") or {}).get("id", "")))
            delivery.object_id = object_id[:255]
        except (ValueError, AttributeError, RecursionError):
            delivery.error = "body is not a JSON event"
        try:
            with transaction.atomic():
                delivery.save()
                delivery.matched = self._mark_for_polling(delivery.event_type, object_id, alias)
                if delivery.matched:
                    delivery.save(update_fields=["matched"])
        except IntegrityError:
            return JsonResponse({"received": True, "duplicate": True})
        return JsonResponse({"received": True})

    def _refuse_read(self, delivery: WebhookDelivery, body: bytes, error: str) -> HttpResponse:
        """A 400 for a body read whole: its size and hash, and only its start, are kept."""
        delivery.store_body(body, keep=self.invalid_body_bytes)
        return self._refuse(delivery, 400, error)

    @staticmethod
    def _refuse(delivery: WebhookDelivery, status: int, error: str) -> HttpResponse:
        delivery.error = error
        delivery.save()
        return JsonResponse({"error": error}, status=status)

    @staticmethod
    def _mark_for_polling(event_type: str, object_id: str, alias: str | None) -> str:
        # object_id whole, not as stored: an id cut to the column's length could name another row.
        # The model whose remote_kind lists the event's prefix ("batch.", "fine_tuning.job."...).
        model: Any = model_for_event(event_type)
        if model is None or not object_id:
            return ""  # unknown types are stored and acknowledged
        rows = model.objects.filter(openai_id=object_id)
        if alias:
            rows = rows.filter(client_alias=alias)
        pks = list(rows.values_list("pk", flat=True))
        rows.update(next_poll_at=timezone.now())
        return ",".join(f"{model._meta.label}:{pk}" for pk in pks)


webhook_view = WebhookView.as_view()

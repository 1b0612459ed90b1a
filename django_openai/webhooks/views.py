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

logger = logging.getLogger("django_openai.webhooks")

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


@method_decorator(csrf_exempt, name="dispatch")
class WebhookView(View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, alias: str | None = None) -> HttpResponse:
        body = request.body
        headers = {
            name: request.headers.get(name, "") for name in STORED_HEADERS if request.headers.get(name)
        }
        delivery = WebhookDelivery(
            webhook_id=headers.get("webhook-id", "")[:255],
            client_alias=alias or "",
            headers=headers,
            body=body.decode("utf-8", "replace"),
        )
        try:
            verify_signature(
                body,
                request.headers,
                secret=webhook_secrets(alias),
                tolerance=app_settings.WEBHOOK_TOLERANCE_SECONDS,
            )
        except InvalidWebhookSignatureError as exc:
            delivery.error = str(exc)
            delivery.save()
            return JsonResponse({"error": str(exc)}, status=400)
        delivery.valid = True
        try:
            event = json.loads(body)
            delivery.event_type = str(event.get("type", ""))[:128]
            delivery.object_id = str((event.get("data") or {}).get("id", ""))[:255]
        except (ValueError, AttributeError):
            event = None
            delivery.error = "body is not a JSON event"
        try:
            with transaction.atomic():
                delivery.save()
                delivery.matched = self._mark_for_polling(delivery, alias)
                if delivery.matched:
                    delivery.save(update_fields=["matched"])
        except IntegrityError:
            return JsonResponse({"received": True, "duplicate": True})
        return JsonResponse({"received": True})

    @staticmethod
    def _mark_for_polling(delivery: WebhookDelivery, alias: str | None) -> str:
        # The model whose remote_kind lists the event's prefix ("batch.", "fine_tuning.job."...).
        model: Any = model_for_event(delivery.event_type)
        if model is None or not delivery.object_id:
            return ""  # unknown types are stored and acknowledged
        rows = model.objects.filter(openai_id=delivery.object_id)
        if alias:
            rows = rows.filter(client_alias=alias)
        pks = list(rows.values_list("pk", flat=True))
        rows.update(next_poll_at=timezone.now())
        return ",".join(f"{model._meta.label}:{pk}" for pk in pks)


webhook_view = WebhookView.as_view()

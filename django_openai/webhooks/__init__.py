"""Verified webhooks: ``include("django_openai.webhooks.urls")``."""

from .views import WebhookView, webhook_view

__all__ = ["WebhookView", "webhook_view"]

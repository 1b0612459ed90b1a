"""Which secrets the webhook view accepts, and what it does with a client alias it does not know."""

from __future__ import annotations

import logging

import pytest
from django.test import override_settings

from django_openai import conf
from django_openai.models import WebhookDelivery
from django_openai.webhooks.views import webhook_secrets

from .test_view import NEW, OLD, URL, post

pytestmark = pytest.mark.django_db

CLIENTS = {"default": {"API_KEY": "sk-0123456789", "WEBHOOK_SECRET": NEW}}


def test_the_shared_secrets_and_every_alias_secret():
    with override_settings(DJANGO_OPENAI={"CLIENTS": CLIENTS, "WEBHOOK_SECRETS": [OLD]}):
        assert webhook_secrets(None) == [OLD, NEW]
        assert webhook_secrets("default") == [OLD, NEW]


def test_an_unknown_alias_offers_no_secret_and_says_so(client, caplog):
    with (
        override_settings(DJANGO_OPENAI={"CLIENTS": CLIENTS}),
        caplog.at_level(logging.WARNING, logger="django_openai.webhooks"),
    ):
        response = post(client, secret=NEW, url=URL + "elsewhere/")
    assert response.status_code == 400 and response.json() == {"error": "no webhook secret is configured"}
    assert not WebhookDelivery.objects.get().valid
    assert "No OpenAI client named 'elsewhere'" in caplog.text
    assert NEW not in caplog.text


def test_an_unexpected_error_is_not_swallowed(monkeypatch):
    def broken(alias):
        raise RuntimeError("a bug, not a missing alias")

    monkeypatch.setattr(conf, "client_settings", broken)
    with (
        override_settings(DJANGO_OPENAI={"CLIENTS": CLIENTS}),
        pytest.raises(RuntimeError, match="a bug"),
    ):
        webhook_secrets(None)

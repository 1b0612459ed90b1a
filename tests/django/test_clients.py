from __future__ import annotations

import asyncio

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

import django_openai


def test_one_pooled_client_per_alias():
    a = django_openai.get_client()
    assert a is django_openai.get_client("default")
    assert a.api_key == "sk-test-key-0123456789"


def test_settings_are_read_at_use_time_and_old_clients_closed():
    before = django_openai.get_client()
    with override_settings(
        DJANGO_OPENAI={
            "CLIENTS": {"default": {"PROVIDER": "ollama"}, "groq": {"PROVIDER": "groq", "API_KEY": "gsk-1"}}
        }
    ):
        inside = django_openai.get_client()
        assert inside is not before
        assert inside.base_url == "http://localhost:11434/v1"
        assert django_openai.get_client("groq").base_url == "https://api.groq.com/openai/v1"
    assert before._http_client.is_closed
    after = django_openai.get_client()
    assert after.base_url == "https://api.openai.com/v1"


def test_unknown_alias_is_a_clear_error():
    with pytest.raises(ImproperlyConfigured, match="No OpenAI client named 'nope'.*configured: default"):
        django_openai.get_client("nope")


def test_env_fallbacks(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-0123456789")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-9")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-9")
    with override_settings(DJANGO_OPENAI={}):
        client = django_openai.get_client()
    assert (client.api_key, client.organization, client.project) == ("sk-env-0123456789", "org-9", "proj-9")


def test_azure_from_settings():
    config = {
        "PROVIDER": "azure",
        "API_KEY": "az-0123456789",
        "AZURE_ENDPOINT": "https://r.openai.azure.com",
        "API_VERSION": "2025-04-01-preview",
        "TIMEOUT": {"connect": 2, "read": 30},
        "MAX_RETRIES": 4,
    }
    with override_settings(DJANGO_OPENAI={"CLIENTS": {"default": config}}):
        client = django_openai.get_client()
    assert client.base_url == "https://r.openai.azure.com/openai"
    assert client.max_retries == 4
    assert client.timeout.connect == 2 and client.timeout.read == 30


def _factory(is_async: bool):
    def handler(request):
        return httpx.Response(200, json={"id": "m", "object": "model", "via": "transport"})

    return httpx.MockTransport(handler)


def test_transport_setting_accepts_a_factory_for_both_clients():
    with override_settings(
        DJANGO_OPENAI={
            "CLIENTS": {
                "default": {"API_KEY": "k-0123456789", "TRANSPORT": "tests.django.test_clients._factory"}
            }
        }
    ):
        assert django_openai.get_client().models.retrieve("m").via == "transport"

        async def run():
            client = django_openai.get_async_client()
            assert client is django_openai.get_async_client()
            result = await client.models.retrieve("m")
            await django_openai.aclose_clients()
            return result.via

        assert asyncio.run(run()) == "transport"


def test_async_clients_are_per_event_loop():
    async def grab():
        return django_openai.get_async_client()

    first = asyncio.run(grab())
    second = asyncio.run(grab())
    assert first is not second

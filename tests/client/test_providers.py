from __future__ import annotations

import json

import pytest
import respx

from django_openai.client import AsyncOpenAI, AzureOpenAI, OpenAI, OpenAIError

ENDPOINT = "https://res.openai.azure.com"


@pytest.mark.parametrize(
    ("provider", "base_url"),
    [
        ("openai", "https://api.openai.com/v1"),
        ("ollama", "http://localhost:11434/v1"),
        ("vllm", "http://localhost:8000/v1"),
        ("llamacpp", "http://localhost:8080/v1"),
        ("groq", "https://api.groq.com/openai/v1"),
        ("gemini", "https://generativelanguage.googleapis.com/v1beta/openai"),
    ],
)
def test_default_base_urls(provider, base_url):
    assert OpenAI(provider=provider, api_key="k-0123456789").base_url == base_url


def test_compatible_needs_base_url_and_unknown_provider_fails():
    with pytest.raises(OpenAIError, match="base_url"):
        OpenAI(provider="compatible")
    with pytest.raises(ValueError, match="unknown provider"):
        OpenAI(provider="nope", api_key="k")


def test_env_fallbacks_for_openai(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-0123456789")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://proxy.local/v1")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    client = OpenAI()
    assert (client.api_key, client.base_url, client.organization) == (
        "sk-env-0123456789",
        "http://proxy.local/v1",
        "org-env",
    )


def test_local_server_sends_no_auth_header_without_key():
    with respx.mock(base_url="http://localhost:11434/v1") as router:
        route = router.get("/models").respond(200, json={"data": []})
        OpenAI(provider="ollama").models.list()
    assert "authorization" not in route.calls.last.request.headers


def test_azure_deployment_paths_api_version_and_api_key():
    with respx.mock(base_url=f"{ENDPOINT}/openai") as router:
        chat = router.post("/deployments/gpt4o-prod/chat/completions").respond(
            200, json={"id": "c", "choices": []}
        )
        files = router.get("/files").respond(200, json={"data": []})
        client = AzureOpenAI(
            azure_endpoint=ENDPOINT, api_version="2025-04-01-preview", api_key="azure-key-0123456789"
        )
        client.chat.completions.create(model="gpt4o-prod", messages=[])
        client.files.list()
    for route in (chat, files):
        request = route.calls.last.request
        assert request.url.params["api-version"] == "2025-04-01-preview"
        assert request.headers["api-key"] == "azure-key-0123456789"
        assert "authorization" not in request.headers
    assert json.loads(chat.calls.last.request.read())["model"] == "gpt4o-prod"


def test_azure_fixed_deployment_and_ad_token_provider():
    tokens = iter(["tok-1", "tok-2"])
    with respx.mock(base_url=f"{ENDPOINT}/openai") as router:
        route = router.post("/deployments/emb/embeddings").respond(200, json={"data": []})
        client = OpenAI(
            provider="azure",
            azure_endpoint=ENDPOINT,
            api_version="2024-10-21",
            azure_deployment="emb",
            azure_ad_token_provider=lambda: next(tokens),
        )
        client.embeddings.create(model="text-embedding-3-small", input="x")
        client.embeddings.create(model="text-embedding-3-small", input="y")
    assert [c.request.headers["authorization"] for c in route.calls] == ["Bearer tok-1", "Bearer tok-2"]


async def test_azure_async_token_provider_and_v1_api():
    async def provider():
        return "async-token"

    with respx.mock(base_url=f"{ENDPOINT}/openai/v1") as router:
        route = router.post("/chat/completions").respond(200, json={"id": "c", "choices": []})
        async with AsyncOpenAI(
            provider="azure", azure_endpoint=ENDPOINT, api_version="v1", azure_ad_token_provider=provider
        ) as client:
            await client.chat.completions.create(model="gpt-4.1", messages=[])
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer async-token"
    assert "api-version" not in request.url.params


def test_azure_without_credentials_fails():
    with pytest.raises(OpenAIError, match="No API key"):
        OpenAI(provider="azure", azure_endpoint=ENDPOINT, api_version="v1")

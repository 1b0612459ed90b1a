"""Requests/min, tokens/min and budgets: a 429 in OpenAI's shape with ``retry-after``
(counters in Redis when the suite runs with Redis, in Django's cache otherwise)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import openai
import pytest

from django_openai.models import UsageRecord
from django_openai.services.gateway_keys import create_key

from .conftest import wait_for

BODY = {"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "count my tokens please"}]}


def post(server, key):
    return httpx.post(
        server.url + "/v1/chat/completions", json=BODY, headers={"Authorization": f"Bearer {key}"}
    )


def test_requests_per_minute(gateway, asgi_gateway, user):
    fake = gateway()
    _, key = create_key(user, requests_per_minute=2)
    assert [post(asgi_gateway, key).status_code for _ in range(2)] == [200, 200]
    refused = post(asgi_gateway, key)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"
    assert refused.json()["error"]["type"] == "requests"
    assert len([r for r in fake.requests if r.api_path == "/chat/completions"]) == 2  # never sent upstream
    client = openai.OpenAI(api_key=key, base_url=asgi_gateway.url + "/v1", max_retries=0)
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(**BODY)
    rejected = wait_for(lambda: UsageRecord.objects.filter(status="rejected").count() == 2)
    assert rejected


def test_other_keys_have_their_own_count(gateway, asgi_gateway, user):
    gateway()
    _, first = create_key(user, requests_per_minute=1)
    _, second = create_key(user, requests_per_minute=1)
    assert post(asgi_gateway, first).status_code == 200
    assert post(asgi_gateway, second).status_code == 200
    assert post(asgi_gateway, first).status_code == 429


def test_tokens_per_minute(gateway, asgi_gateway, user):
    gateway()
    _, key = create_key(user, tokens_per_minute=5)
    assert post(asgi_gateway, key).status_code == 200  # more than 5 tokens: counted once recorded
    wait_for(lambda: UsageRecord.objects.filter(status="ok").exists())
    refused = wait_for(lambda: (r := post(asgi_gateway, key)).status_code == 429 and r)
    assert "tokens per minute" in refused.json()["error"]["message"]
    assert int(refused.headers["retry-after"]) >= 1


def test_monthly_token_budget_of_a_key(gateway, asgi_gateway, user):
    gateway()
    _, key = create_key(user, monthly_token_budget=10)
    assert post(asgi_gateway, key).status_code == 200
    wait_for(lambda: UsageRecord.objects.filter(status="ok").exists())
    refused = wait_for(lambda: (r := post(asgi_gateway, key)).status_code == 429 and r)
    assert refused.json()["error"]["code"] == "insufficient_quota"
    assert int(refused.headers["retry-after"]) > 60  # the start of next month


def test_a_budget_counts_what_was_used_before_the_counter_existed(gateway, asgi_gateway, user):
    gateway(USER_MONTHLY_COST_BUDGET="0.01")
    row, key = create_key(user)
    UsageRecord.objects.create(
        user=user,
        endpoint="chat.completions",
        total_tokens=10,
        cost=Decimal("0.02"),
        created_at=row.created_at,
    )
    refused = post(asgi_gateway, key)
    assert refused.status_code == 429 and "your monthly budget" in refused.json()["error"]["message"]

"""The official ``openai`` SDK against the gateway (ASGI mount, and the include mount), upstream
the fake: answers relayed, and one usage row per call equal to what the upstream reported."""

from __future__ import annotations

import json

import openai
import pytest

from django_openai.models import UsageRecord

from .conftest import wait_for

MESSAGES = [{"role": "user", "content": "Tell me about the gateway"}]


def sdk(server, key):
    return openai.OpenAI(api_key=key, base_url=server.url + "/v1", max_retries=0)


def rows(count=1):
    return wait_for(
        lambda: (found := list(UsageRecord.objects.order_by("id"))) and len(found) >= count and found
    )


def direct_usage(fake, **request):
    """What the fake reports for this request when asked directly (its answers are deterministic)."""
    return fake.client().chat.completions.create(**request).usage


@pytest.fixture(params=["asgi", "include"])
def server(request):
    return request.getfixturevalue(f"{request.param}_gateway")


def test_chat_completion(gateway, server, key, user):
    fake = gateway()
    reply = sdk(server, key).chat.completions.with_raw_response.create(
        model="gpt-4.1-mini", messages=MESSAGES
    )
    completion = reply.parse()
    assert "gateway" in completion.choices[0].message.content
    (row,) = rows()
    assert (row.input_tokens, row.output_tokens, row.total_tokens) == (
        completion.usage.prompt_tokens,
        completion.usage.completion_tokens,
        completion.usage.total_tokens,
    )
    assert (row.endpoint, row.model, row.client_alias, row.status, row.http_status) == (
        "chat.completions",
        "gpt-4.1-mini",
        "default",
        "ok",
        200,
    )
    assert row.user_id == user.pk and row.key.prefix == key[: len(row.key.prefix)]
    assert not row.streamed and not row.usage_estimated
    assert row.upstream_request_id and row.upstream_request_id == reply.headers["x-request-id"]
    assert len(fake.requests) == 1
    assert row.latency_ms > 0


def test_chat_stream_asks_upstream_for_usage_and_hides_it(gateway, server, key):
    fake = gateway()
    chunks = list(
        sdk(server, key).chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES, stream=True)
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text and all(c.usage is None and c.choices for c in chunks)  # no usage chunk: not asked for
    assert json.loads(fake.requests[-1].body)["stream_options"] == {"include_usage": True}
    (row,) = rows()
    usage = direct_usage(fake, model="gpt-4.1-mini", messages=MESSAGES)
    assert (row.input_tokens, row.output_tokens, row.total_tokens) == (
        usage.prompt_tokens,
        usage.completion_tokens,
        usage.total_tokens,
    )
    assert row.streamed and not row.usage_estimated and row.status == "ok"
    assert row.time_to_first_token_ms is not None and 0 < row.time_to_first_token_ms <= row.latency_ms


def test_chat_stream_with_usage_asked_for_keeps_the_usage_chunk(gateway, asgi_gateway, key):
    gateway()
    chunks = list(
        sdk(asgi_gateway, key).chat.completions.create(
            model="gpt-4.1-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
    )
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    (row,) = rows()
    assert (
        row.total_tokens == chunks[-1].usage.total_tokens
        and row.output_tokens == chunks[-1].usage.completion_tokens
    )


def test_responses_stream(gateway, server, key):
    gateway()
    events = list(sdk(server, key).responses.create(model="gpt-4.1-mini", input="Hello gateway", stream=True))
    assert events[-1].type == "response.completed"
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == events[-1].response.output_text
    usage = events[-1].response.usage
    (row,) = rows()
    assert (row.endpoint, row.input_tokens, row.output_tokens, row.total_tokens) == (
        "responses",
        usage.input_tokens,
        usage.output_tokens,
        usage.total_tokens,
    )
    assert row.streamed and not row.usage_estimated


def test_embeddings(gateway, asgi_gateway, key):
    gateway()
    result = sdk(asgi_gateway, key).embeddings.create(
        model="text-embedding-3-small", input=["one two", "three"]
    )
    assert len(result.data) == 2 and len(result.data[0].embedding) == 1536
    (row,) = rows()
    assert (row.endpoint, row.input_tokens, row.total_tokens) == (
        "embeddings",
        result.usage.prompt_tokens,
        result.usage.total_tokens,
    )


def test_moderations(gateway, asgi_gateway, key):
    gateway()
    result = sdk(asgi_gateway, key).moderations.create(input="I will attack the castle")
    assert result.results[0].flagged
    (row,) = rows()
    assert (row.endpoint, row.model, row.status) == ("moderations", "omni-moderation-latest", "ok")


def test_models_lists_only_what_the_caller_may_use(gateway, server, key):
    gateway(ROUTES={"gpt-4.1*": "default", "text-embedding-*": "default"})
    names = {m.id for m in sdk(server, key).models.list()}
    assert names == {"gpt-4.1", "gpt-4.1-mini", "text-embedding-3-small", "text-embedding-3-large"}
    assert sdk(server, key).models.retrieve("gpt-4.1").id == "gpt-4.1"
    with pytest.raises(openai.NotFoundError) as raised:
        sdk(server, key).models.retrieve("whisper-1")  # served upstream, but not routed here
    assert raised.value.body["code"] == "model_not_found"


def test_costs_come_from_the_price_table(gateway, asgi_gateway, key):
    gateway(PRICES={"gpt-4.1-mini*": {"input": "0.40", "output": "1.60"}})
    completion = sdk(asgi_gateway, key).chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES)
    (row,) = rows()
    expected = (completion.usage.prompt_tokens * 0.40 + completion.usage.completion_tokens * 1.60) / 1e6
    assert float(row.cost) == pytest.approx(expected, abs=1e-6)


def test_the_include_mount_under_wsgi_records_before_its_loop_ends(gateway, key):
    from django.test import Client

    gateway()
    body = {"model": "gpt-4.1-mini", "messages": MESSAGES}
    response = Client().post(
        "/v1/chat/completions",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200 and json.loads(b"".join(response))["choices"]
    streamed = Client().post(
        "/v1/chat/completions",
        data=json.dumps({**body, "stream": True}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert b"data: [DONE]" in b"".join(streamed)
    # No server loop outlives these requests: the rows were written before each response ended.
    assert [(r.status, r.streamed) for r in UsageRecord.objects.order_by("id")] == [
        ("ok", False),
        ("ok", True),
    ]

"""When things go wrong mid-way: the client leaves, the upstream fails while streaming, the
upstream answers an error. The client gets OpenAI's shapes; the call is recorded with what was seen."""

from __future__ import annotations

import time

import httpx
import openai
import pytest

from django_openai.models import UsageRecord

from .conftest import REAL_KEY, wait_for

STORY = [{"role": "user", "content": "Tell me a long story about the sea and ships, with many words in it"}]


def sdk(server, key):
    return openai.OpenAI(api_key=key, base_url=server.url + "/v1", max_retries=0)


def one_row():
    return wait_for(lambda: UsageRecord.objects.first())


@pytest.fixture(params=["asgi", "include"])
def server(request):
    return request.getfixturevalue(f"{request.param}_gateway")


def test_a_client_leaving_mid_stream_closes_the_upstream_and_is_recorded(gateway, server, key):
    fake = gateway()
    fake.faults.add("POST", "/chat/completions", chunk_delay=0.15)
    started = time.monotonic()
    received = []
    with sdk(server, key).chat.completions.create(
        model="gpt-4.1-mini", messages=STORY, stream=True
    ) as stream:
        for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")
            if len(received) == 4:
                break
    left = time.monotonic() - started
    row = one_row()
    assert row.status == "disconnected" and row.streamed and row.usage_estimated
    words = len([r for r in received if r])
    full = len(
        fake.client()
        .chat.completions.create(model="gpt-4.1-mini", messages=STORY)
        .choices[0]
        .message.content.split()
    )
    # What was relayed until the client left: at least what it read, far from the whole answer.
    assert words <= row.output_tokens < full - 3
    assert row.input_tokens > 0
    # The relay stopped when the client left, not when the upstream would have finished (~full * 0.15 s).
    assert row.latency_ms / 1000 < left + 0.5 < full * 0.15


def test_an_error_event_mid_stream_reaches_the_client_and_the_usage_so_far_is_recorded(gateway, server, key):
    fake = gateway()
    fake.faults.add("POST", "/chat/completions", stream_error_after=4)
    received = []
    with pytest.raises(openai.APIError) as raised:
        for chunk in sdk(server, key).chat.completions.create(
            model="gpt-4.1-mini", messages=STORY, stream=True
        ):
            received.append(chunk.choices[0].delta.content or "")
    assert "error" in str(raised.value).lower()
    row = one_row()
    assert row.status == "interrupted" and row.usage_estimated
    assert row.output_tokens == len([r for r in received if r]) == 3
    assert "server had an error" in row.error


def test_an_upstream_connection_cut_mid_stream_becomes_an_error_event(gateway, asgi_gateway, key):
    fake = gateway()
    fake.faults.add("POST", "/chat/completions", reset_after_bytes=700)
    received = []
    with pytest.raises(openai.APIError) as raised:
        for chunk in sdk(asgi_gateway, key).chat.completions.create(
            model="gpt-4.1-mini", messages=STORY, stream=True
        ):
            received.append(chunk)
    assert "upstream" in raised.value.message.lower()
    assert received  # what came before the cut was relayed
    row = one_row()
    assert row.status == "interrupted" and row.usage_estimated and row.output_tokens >= 1


def test_a_body_cut_mid_way_drops_the_client_connection(gateway, asgi_gateway, key):
    fake = gateway()
    fake.faults.add("POST", "/embeddings", reset_after_bytes=2000)
    with pytest.raises(openai.APIConnectionError):
        sdk(asgi_gateway, key).embeddings.create(model="text-embedding-3-small", input="some text")
    assert one_row().status == "interrupted"


def test_upstream_errors_pass_through_with_their_status_and_body(gateway, server, key):
    fake = gateway()
    fake.faults.add("POST", "/chat/completions", status=429, headers={"retry-after": "7"}, times=1)
    with pytest.raises(openai.RateLimitError) as raised:
        sdk(server, key).chat.completions.create(model="gpt-4.1-mini", messages=STORY)
    assert raised.value.body["message"] == "Injected failure (429)."
    assert raised.value.response.headers["retry-after"] == "7"
    row = one_row()
    assert (row.status, row.http_status) == ("error", 429)
    fake.faults.add(
        "POST",
        "/chat/completions",
        status=400,
        times=1,
        body={
            "error": {
                "message": "Bad temperature",
                "type": "invalid_request_error",
                "param": "temperature",
                "code": None,
            }
        },
    )
    with pytest.raises(openai.BadRequestError) as raised:
        sdk(server, key).chat.completions.create(model="gpt-4.1-mini", messages=STORY, stream=True)
    assert raised.value.body["param"] == "temperature"


def test_the_upstream_refusing_the_servers_key_is_a_502_that_quotes_no_key(gateway, asgi_gateway, key):
    fake = gateway()
    fake.fake.api_key = "sk-some-other-key-0000"  # now the server's key is wrong upstream
    response = httpx.post(
        asgi_gateway.url + "/v1/chat/completions",
        json={"model": "gpt-4.1-mini", "messages": STORY},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "upstream_authentication_error"
    assert REAL_KEY not in response.text and REAL_KEY[-6:] not in response.text


def test_an_unreachable_upstream_is_a_502(gateway, asgi_gateway, key):
    from django.conf import settings
    from django.test import override_settings

    gateway()
    broken = {
        **settings.DJANGO_OPENAI,
        "CLIENTS": {"default": {"API_KEY": REAL_KEY, "BASE_URL": "http://127.0.0.1:9/v1"}},
    }
    with override_settings(DJANGO_OPENAI=broken), pytest.raises(openai.APIStatusError) as raised:
        sdk(asgi_gateway, key).chat.completions.create(model="gpt-4.1-mini", messages=STORY)
    assert raised.value.status_code == 502 and REAL_KEY not in str(raised.value.body)

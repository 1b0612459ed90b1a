"""Every bad request gets OpenAI's error shape and a 4xx, never a 500 or an HTML page."""

from __future__ import annotations

import httpx
import pytest

from django_openai.models import UsageRecord

from .conftest import flush_usage


@pytest.fixture(params=["asgi", "include"])
def server(request):
    return request.getfixturevalue(f"{request.param}_gateway")


def send(server, key, method="POST", path="/v1/chat/completions", **kwargs):
    headers = {"Authorization": f"Bearer {key}", **kwargs.pop("headers", {})}
    return httpx.request(method, server.url + path, headers=headers, **kwargs)


def assert_openai_error(response, status, code=None):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["message"]
    if code is not None:
        assert error["code"] == code


@pytest.mark.parametrize(
    "content",
    [b'{"model": "gpt-4.1-mini", "messages": [', b"", b"[1, 2]", b"\xff\xfe not json"],
    ids=["truncated", "empty", "not an object", "not utf-8"],
)
def test_malformed_json_is_a_400(gateway, server, key, content):
    fake = gateway()
    assert_openai_error(send(server, key, content=content, headers={"content-type": "application/json"}), 400)
    assert fake.requests == []


def test_a_missing_model_is_a_400(gateway, server, key):
    gateway()
    response = send(server, key, json={"messages": [{"role": "user", "content": "hi"}]})
    assert_openai_error(response, 400, "missing_required_parameter")
    assert response.json()["error"]["param"] == "model"


def test_an_oversized_body_is_a_413(gateway, server, key):
    fake = gateway(MAX_BODY_BYTES=2000)
    big = {"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "x" * 5000}]}
    assert_openai_error(send(server, key, json=big), 413, "request_too_large")
    assert fake.requests == []


def test_an_oversized_chunked_body_is_a_413(gateway, asgi_gateway, key):
    gateway(MAX_BODY_BYTES=2000)

    def body():
        yield b'{"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}]}'

    assert_openai_error(send(asgi_gateway, key, content=body()), 413)


def test_unknown_paths_and_methods(gateway, server, key):
    gateway()
    assert_openai_error(send(server, key, path="/v1/assistants", json={}), 404, "unknown_url")
    assert_openai_error(send(server, key, method="GET", path="/v1/chat/completions"), 405)
    assert_openai_error(send(server, key, method="DELETE", path="/v1/models/gpt-4.1"), 405)


def test_a_bad_request_upstream_is_the_upstreams_400(gateway, server, key):
    gateway()
    response = send(server, key, json={"model": "gpt-4.1-mini", "messages": []})
    assert_openai_error(response, 400)
    assert "messages" in response.json()["error"]["message"]


def test_only_authenticated_calls_are_recorded(gateway, asgi_gateway, key):
    gateway()
    httpx.post(asgi_gateway.url + "/v1/chat/completions", content=b"{")
    send(asgi_gateway, key, content=b"{")
    flush_usage()
    assert list(UsageRecord.objects.values_list("status", "http_status")) == [("error", 400)]


def test_the_rest_of_the_site_is_served_by_django(gateway, asgi_gateway):
    gateway()
    response = httpx.get(asgi_gateway.url + "/admin/login/")
    assert response.status_code == 200 and "<form" in response.text

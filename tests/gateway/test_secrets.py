"""The provider key the server uses never leaves it: not in a response, a header, an error or a
log line; nor does a caller's gateway key reach the logs or the upstream."""

from __future__ import annotations

import logging

import httpx
import pytest

from .conftest import REAL_KEY, flush_usage

CHAT = {"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "What is your API key?"}]}


@pytest.fixture(params=["asgi", "include"])
def server(request):
    return request.getfixturevalue(f"{request.param}_gateway")


def test_no_key_in_responses_headers_or_logs(gateway, server, key, caplog):
    fake = gateway()
    caplog.set_level(logging.DEBUG)
    auth = {"Authorization": f"Bearer {key}"}
    url = server.url + "/v1"
    responses = [
        httpx.post(url + "/chat/completions", json=CHAT, headers=auth),
        httpx.post(url + "/chat/completions", json={**CHAT, "stream": True}, headers=auth),
        httpx.post(
            url + "/responses", json={"model": "gpt-4.1-mini", "input": "hi", "stream": True}, headers=auth
        ),
        httpx.post(
            url + "/embeddings", json={"model": "text-embedding-3-small", "input": "hi"}, headers=auth
        ),
        httpx.get(url + "/models", headers=auth),
        httpx.post(url + "/chat/completions", json={"model": "gpt-4.1-mini"}, headers=auth),  # upstream 400
    ]
    fake.faults.add("POST", "/chat/completions", stream_error_after=2, times=1)
    responses.append(httpx.post(url + "/chat/completions", json={**CHAT, "stream": True}, headers=auth))
    fake.fake.api_key = "sk-another-key-entirely"  # the upstream now refuses the server's key
    responses.append(httpx.post(url + "/chat/completions", json=CHAT, headers=auth))
    flush_usage()
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 200, 400, 200, 502]
    secret_part = key[len("sk-dj-") + 8 :]
    for response in responses:
        exposed = response.text + repr(list(response.headers.items()))
        assert REAL_KEY not in exposed and REAL_KEY[-8:] not in exposed
        assert secret_part not in exposed
        assert "openai-organization" not in response.headers
    logged = "\n".join(
        record.getMessage() + str(record.args) + str(record.exc_info) for record in caplog.records
    )
    assert REAL_KEY not in logged and secret_part not in logged
    # The upstream saw the server's key, never the caller's.
    upstream = [r.headers.get("authorization", "") for r in fake.requests]
    assert upstream and all(h == f"Bearer {REAL_KEY}" for h in upstream)

"""Every fault mode, exercised by the client's retry and stream handling, on the real server."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
import urllib.request

import pytest

from django_openai.client import (
    APIConnectionError,
    APIResponseValidationError,
    APIStreamError,
    APITimeoutError,
    InternalServerError,
    RateLimitError,
)

MESSAGES = [{"role": "user", "content": "hi"}]


def test_status_with_retry_after_then_success(openai_fake):
    openai_fake.faults.add("POST", "/chat/completions", status=429, times=2, headers={"retry-after-ms": "20"})
    with openai_fake.client(max_retries=2) as client:
        raw = client.with_raw_response.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES)
    assert raw.retries_taken == 2 and raw.parse().choices
    assert len(openai_fake.requests) == 3
    keys = {r.headers["idempotency-key"] for r in openai_fake.requests}
    assert len(keys) == 1


def test_retry_after_seconds_header_is_honoured(openai_fake):
    openai_fake.faults.add("GET", "/models", status=503, times=1, headers={"retry-after": "1"})
    with openai_fake.client(max_retries=1) as client:
        started = time.monotonic()
        client.models.list()
    assert time.monotonic() - started >= 0.9


def test_x_should_retry_false_stops_retries(openai_fake):
    openai_fake.faults.add("GET", "/models", status=503, headers={"x-should-retry": "false"})
    with openai_fake.client(max_retries=3) as client, pytest.raises(InternalServerError):
        client.models.list()
    assert len(openai_fake.requests) == 1


def test_insufficient_quota_is_final(openai_fake):
    body = {
        "error": {
            "message": "You exceeded your current quota",
            "type": "insufficient_quota",
            "code": "insufficient_quota",
        }
    }
    openai_fake.faults.add("POST", "/embeddings", status=429, body=body)
    with openai_fake.client(max_retries=3) as client, pytest.raises(RateLimitError):
        client.embeddings.create(model="text-embedding-3-small", input="x")
    assert len(openai_fake.requests) == 1


def test_delay_before_first_byte_times_out_then_retries(openai_fake):
    openai_fake.faults.add("GET", "/models", delay=0.5, times=1)
    with openai_fake.client(max_retries=1, timeout={"read": 0.2, "connect": 1}) as client:
        assert client.models.list().data
    assert len(openai_fake.requests) == 2
    openai_fake.faults.add("GET", "/models", delay=0.5)
    with (
        openai_fake.client(max_retries=0, timeout={"read": 0.2, "connect": 1}) as client,
        pytest.raises(APITimeoutError),
    ):
        client.models.list()


def test_chunk_delay_is_streamed_chunk_by_chunk(openai_fake):
    openai_fake.faults.add("POST", "/chat/completions", chunk_delay=0.05)
    with openai_fake.client() as client:
        arrivals = []
        for _ in client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES, stream=True):
            arrivals.append(time.monotonic())
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert len(arrivals) > 5
    # A busy reader may take two chunks in one read now and then; buffered chunks would all come
    # at once, so most gaps must show the delay the server put between them.
    spaced = [gap for gap in gaps if gap >= 0.03]
    assert len(spaced) >= 0.75 * len(gaps), f"chunks arrive one by one, not buffered: {gaps}"


def test_reset_mid_body_is_retried_for_plain_requests(openai_fake):
    openai_fake.faults.add("GET", "/models", reset_after_bytes=10, times=1)
    with openai_fake.client(max_retries=1) as client:
        assert client.models.list().data
    assert len(openai_fake.requests) == 2


def test_reset_mid_stream_raises_and_is_not_retried(openai_fake):
    openai_fake.faults.add("POST", "/chat/completions", reset_after_bytes=400)
    with openai_fake.client(max_retries=3) as client:
        stream = client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES, stream=True)
        with pytest.raises(APIConnectionError):
            list(stream)
    assert len(openai_fake.requests) == 1


def test_stream_cut_without_done(openai_fake):
    openai_fake.faults.add("POST", "/chat/completions", cut_stream_after=3)
    with openai_fake.client() as client:
        stream = client.chat.completions.create(
            model="gpt-4.1-mini", messages=MESSAGES, stream=True, require_stream_end=False
        )
        assert len(list(stream)) == 3
        assert stream.done is False


def test_error_event_mid_stream(openai_fake):
    openai_fake.faults.add("POST", "/chat/completions", stream_error_after=2)
    seen = []
    with openai_fake.client() as client, pytest.raises(APIStreamError) as info:
        for chunk in client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES, stream=True):
            seen.append(chunk)
    assert len(seen) == 2 and info.value.type == "server_error"


def test_malformed_json(openai_fake):
    openai_fake.faults.add("GET", "/models/gpt-4.1", malformed_json=True)
    with openai_fake.client() as client, pytest.raises(APIResponseValidationError):
        client.models.retrieve("gpt-4.1")


def test_slow_drip_one_byte_at_a_time(openai_fake):
    openai_fake.faults.add("POST", "/chat/completions", drip=True)
    with openai_fake.client() as client:
        dripped = client.chat.completions.stream(
            model="gpt-4.1-mini", messages=MESSAGES
        ).get_final_completion()
        plain = client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES)
    assert dripped.choices[0].message.content == plain.choices[0].message.content


async def test_async_client_against_faults(openai_fake):
    openai_fake.faults.add("POST", "/chat/completions", status=500, times=1)
    async with openai_fake.async_client(max_retries=1) as client:
        stream = await client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES, stream=True)
        chunks = [c async for c in stream]
    assert chunks and len(openai_fake.requests) == 2


def test_in_process_mode_injects_the_same_faults(openai_fake_inprocess):
    openai_fake_inprocess.faults.add("POST", "/chat/completions", reset_after_bytes=300)
    with openai_fake_inprocess.client() as client, pytest.raises(APIConnectionError):
        list(client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES, stream=True))
    openai_fake_inprocess.faults.clear()
    openai_fake_inprocess.faults.add("POST", "/chat/completions", stream_error_after=1)
    with openai_fake_inprocess.client() as client, pytest.raises(APIStreamError):
        list(client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES, stream=True))


def test_control_api_over_http(openai_fake):
    def call(method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            openai_fake.base_url + path,
            data=data,
            method=method,
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())

    call("POST", "/_fake/faults", {"method": "GET", "path": "/models", "status": 418, "times": 1})
    assert call("GET", "/_fake/faults")["data"][0]["status"] == 418
    before = openai_fake.clock.now()
    call("POST", "/_fake/clock/advance", {"seconds": 30})
    assert openai_fake.clock.now() - before == pytest.approx(30, abs=1)
    with openai_fake.client() as client, pytest.raises(Exception) as info:
        client.models.list()
    assert getattr(info.value, "status_code", None) == 418
    assert call("GET", "/_fake/requests")["data"][-1]["path"] == "/models"


def test_cli_server_with_a_fault(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django_openai.testing",
            "--port",
            str(port),
            "--fault",
            "GET /v1/models status=503 times=1 retry-after-ms=10",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "fake OpenAI API on" in proc.stdout.readline()
        from django_openai.client import OpenAI

        with OpenAI(
            api_key="sk-any-0123456789", base_url=f"http://127.0.0.1:{port}/v1", max_retries=1
        ) as client:
            raw = client.with_raw_response.models.list()
        assert raw.retries_taken == 1 and raw.parse().data
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_strict_mode_answers_like_openai(openai_fake):
    from tests.spec import SPEC_PATH

    if not SPEC_PATH.exists():
        pytest.skip(f"the OpenAPI spec is not at {SPEC_PATH}")
    assert openai_fake.fake.strict, "our own suite runs the fake in strict mode"
    with openai_fake.client() as client:
        with pytest.raises(Exception) as info:
            client.request(
                "POST",
                "/chat/completions",
                body={
                    "model": "gpt-4.1",
                    "messages": [{"role": "user", "content": "x"}],
                    "temperature": "hot",
                },
            )
        assert info.value.status_code == 400
        assert info.value.param == "temperature" and info.value.type == "invalid_request_error"
        with pytest.raises(Exception) as info2:
            client.request("POST", "/embeddings", body={"input": "x"})
        assert info2.value.status_code == 400 and info2.value.param == "model"

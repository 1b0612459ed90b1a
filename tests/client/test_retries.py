"""The retry policy (docs/architecture.md, "Retries"), as pure rules and through the send loop, sync and async."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from django_openai.client import (
    APIConnectionError,
    APITimeoutError,
    AsyncOpenAI,
    InternalServerError,
    OpenAI,
    RateLimitError,
)
from django_openai.client._retries import retry_delay, server_requested_delay, should_retry

from .conftest import BASE, KEY, parse_multipart


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 529])
def test_retryable_statuses(status):
    assert should_retry(status, {})


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_final_statuses(status):
    assert not should_retry(status, {})


def test_x_should_retry_wins_both_ways():
    assert should_retry(400, {"x-should-retry": "true"})
    assert not should_retry(503, {"x-should-retry": "false"})
    quota = {"error": {"code": "insufficient_quota"}}
    assert should_retry(429, {"x-should-retry": "true"}, quota)


def test_insufficient_quota_is_not_retried():
    assert not should_retry(429, {}, {"error": {"code": "insufficient_quota", "message": "x"}})
    assert not should_retry(429, {}, {"error": {"type": "insufficient_quota"}})
    assert should_retry(429, {}, {"error": {"code": "rate_limit_exceeded"}})


@pytest.mark.parametrize(
    ("retries", "expected"), [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]
)
def test_backoff_without_jitter(retries, expected):
    assert retry_delay(retries, {}, rand=0.0) == expected


def test_jitter_takes_off_at_most_a_quarter():
    assert retry_delay(0, {}, rand=1.0) == pytest.approx(0.375)
    for _ in range(200):
        assert 0.375 <= retry_delay(0, {}) <= 0.5


def test_retry_after_ms_beats_retry_after():
    assert server_requested_delay({"retry-after-ms": "250", "retry-after": "9"}) == 0.25


def test_retry_after_seconds_and_http_date():
    assert server_requested_delay({"retry-after": "3"}) == 3.0
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 20, usegmt=True)
    assert server_requested_delay({"retry-after": date}, now=now) == pytest.approx(20, abs=1)


def test_unreasonable_server_delays_fall_back_to_backoff():
    assert server_requested_delay({"retry-after": "121"}) is None
    assert server_requested_delay({"retry-after": "-1"}) is None
    assert server_requested_delay({"retry-after": "soon"}) is None
    assert retry_delay(1, {"retry-after": "500"}, rand=0.0) == 1.0


def _flaky(router, path, failures, *, status=503, headers=None, json_ok=None):
    responses = [
        httpx.Response(status, json={"error": {"message": "busy"}}, headers=headers or {})
    ] * failures
    responses.append(httpx.Response(200, json=json_ok or {"id": "m"}))
    return (
        router.get(path).mock(side_effect=responses)
        if path.startswith("/models")
        else router.post(path).mock(side_effect=responses)
    )


def test_send_loop_retries_then_succeeds(router, _fast_retries):
    route = _flaky(router, "/models/m", 2, headers={"retry-after-ms": "10"})
    with OpenAI(api_key=KEY, base_url=BASE, max_retries=2) as c:
        raw = c.with_raw_response.models.retrieve("m")
    assert raw.parse().id == "m"
    assert raw.retries_taken == 2
    assert route.call_count == 3
    assert _fast_retries == [0.01, 0.01]


def test_send_loop_gives_up_after_max_retries(router):
    route = _flaky(router, "/models/m", 5)
    with OpenAI(api_key=KEY, base_url=BASE, max_retries=2) as c, pytest.raises(InternalServerError):
        c.models.retrieve("m")
    assert route.call_count == 3


def test_per_call_max_retries(router):
    route = _flaky(router, "/models/m", 5)
    with OpenAI(api_key=KEY, base_url=BASE, max_retries=5) as c, pytest.raises(InternalServerError):
        c.models.retrieve("m", max_retries=1)
    assert route.call_count == 2


def test_quota_429_fails_at_once(router):
    route = router.get("/models/m").respond(
        429, json={"error": {"message": "no credit", "code": "insufficient_quota"}}
    )
    with OpenAI(api_key=KEY, base_url=BASE, max_retries=3) as c, pytest.raises(RateLimitError) as info:
        c.models.retrieve("m")
    assert route.call_count == 1
    assert info.value.code == "insufficient_quota"


def test_one_idempotency_key_across_tries(router):
    route = _flaky(router, "/chat/completions", 2, json_ok={"id": "c", "choices": []})
    with OpenAI(api_key=KEY, base_url=BASE, max_retries=2) as c:
        c.chat.completions.create(model="m", messages=[])
    keys = {call.request.headers["idempotency-key"] for call in route.calls}
    assert len(keys) == 1 and route.call_count == 3


def test_multipart_body_is_rebuilt_for_each_try(router, tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_bytes(b'{"messages": []}\n' * 1000)
    route = _flaky(router, "/files", 2, json_ok={"id": "file-1"})
    with OpenAI(api_key=KEY, base_url=BASE, max_retries=2) as c:
        c.files.create(file=path, purpose="fine-tune")
    bodies = [
        parse_multipart(call.request.read(), call.request.headers["content-type"]) for call in route.calls
    ]
    assert len(bodies) == 3
    for body in bodies:
        assert body["file"]["content"] == path.read_bytes()
        assert body["purpose"] == "fine-tune"


def test_file_object_is_rewound_between_tries(router):
    import io

    stream = io.BytesIO(b"HEADER" + b"payload")
    stream.read(6)  # the caller already consumed a header: we send from where it stood
    route = _flaky(router, "/files", 1, json_ok={"id": "file-1"})
    with OpenAI(api_key=KEY, base_url=BASE, max_retries=1) as c:
        c.files.create(file=stream, purpose="batch")
    for call in route.calls:
        body = parse_multipart(call.request.read(), call.request.headers["content-type"])
        assert body["file"]["content"] == b"payload"


def test_connection_errors_and_timeouts_are_retried_then_raised(router):
    route = router.get("/models/m").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(200, json={"id": "m"})]
    )
    with OpenAI(api_key=KEY, base_url=BASE, max_retries=1) as c:
        assert c.models.retrieve("m").id == "m"
    assert route.call_count == 2
    router.get("/models/t").mock(side_effect=httpx.ReadTimeout("slow"))
    with OpenAI(api_key=KEY, base_url=BASE, max_retries=1) as c, pytest.raises(APITimeoutError):
        c.models.retrieve("t")
    router.get("/models/r").mock(side_effect=httpx.ConnectError("refused"))
    with OpenAI(api_key=KEY, base_url=BASE, max_retries=0) as c, pytest.raises(APIConnectionError) as info:
        c.models.retrieve("r")
    assert not isinstance(info.value, APITimeoutError)


def test_streams_are_not_retried_once_the_response_started(router):
    # The status line arrived (200): a cut after that must surface, not resend the request.
    def body():
        yield b'data: {"id":"c","choices":[]}\n\n'
        raise httpx.ReadError("reset")

    route = router.post("/chat/completions").mock(
        return_value=httpx.Response(
            200,
            stream=httpx.ByteStream(b"") if False else _Gen(body),
            headers={"content-type": "text/event-stream"},
        )
    )
    with OpenAI(api_key=KEY, base_url=BASE, max_retries=3) as c:
        stream = c.chat.completions.create(model="m", messages=[], stream=True)
        with pytest.raises(APIConnectionError, match="cut off"):
            list(stream)
    assert route.call_count == 1


class _Gen(httpx.SyncByteStream):
    def __init__(self, factory):
        self._factory = factory

    def __iter__(self):
        yield from self._factory()


async def test_async_send_loop_retries(router, _fast_retries):
    route = router.get("/models/m").mock(
        side_effect=[httpx.Response(429, headers={"retry-after": "2"}), httpx.Response(200, json={"id": "m"})]
    )
    async with AsyncOpenAI(api_key=KEY, base_url=BASE, max_retries=1) as c:
        assert (await c.models.retrieve("m")).id == "m"
    assert route.call_count == 2
    assert 2.0 in _fast_retries

"""Every request the client builds is one the official OpenAPI spec accepts.

And the other way round: every operation of the spec is either built by the client (and checked
here) or listed, with its reason, as left out on purpose in ``docs/coverage.md``.
"""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.spec import ROOT, spec  # noqa: F401 - fixture

from .calls import CALLS, RESPONSE, Call
from .conftest import parse_multipart

STREAM_CALLS = [
    Call(
        "chat.create(stream)",
        lambda c: list(
            c.chat.completions.create(
                model="gpt-4.1-mini",
                messages=[{"role": "user", "content": "x"}],
                stream=True,
                stream_options={"include_usage": True},
            )
        ),
        "POST",
        "/chat/completions",
    ),
    Call(
        "chat.stream",
        lambda c: c.chat.completions.stream(
            model="gpt-4.1-mini",
            messages=[{"role": "user", "content": "x"}],
            tools=[
                {
                    "type": "function",
                    "function": {"name": "f", "parameters": {"type": "object", "properties": {}}},
                }
            ],
        ).get_final_completion(),
        "POST",
        "/chat/completions",
    ),
    Call(
        "responses.stream",
        lambda c: c.responses.stream(
            model="gpt-4.1",
            input=[{"role": "user", "content": "Hi"}],
            conversation="conv_1",
        ).get_final_response(),
        "POST",
        "/responses",
    ),
    Call(
        "responses.retrieve(stream)",
        lambda c: list(c.responses.retrieve("resp_1", stream=True, starting_after=3)),
        "GET",
        "/responses/resp_1",
    ),
    Call(
        "responses.create(tools)",
        lambda c: c.responses.create(
            model="gpt-4.1",
            input="Hi",
            previous_response_id="resp_0",
            tools=[
                {
                    "type": "function",
                    "name": "f",
                    "parameters": {"type": "object", "properties": {}},
                    "strict": True,
                }
            ],
            text={
                "format": {"type": "json_schema", "name": "x", "schema": {"type": "object", "properties": {}}}
            },
        ),
        "POST",
        "/responses",
        RESPONSE,
    ),
    Call(
        "completions.create(stream)",
        lambda c: list(c.completions.create(model="m", prompt="x", stream=True)),
        "POST",
        "/completions",
    ),
]


def _capture(call: Call) -> list[httpx.Request]:
    from django_openai.client import OpenAI

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers.get("accept") == "text/event-stream":
            # Each stream ends as its API ends it: Responses with a final event, the rest with [DONE].
            end = b"data: [DONE]\n\n"
            if request.url.path.startswith("/v1/responses"):
                event = {"type": "response.completed", "sequence_number": 0, "response": RESPONSE}
                end = b"event: response.completed\ndata: " + json.dumps(event).encode() + b"\n\n"
            return httpx.Response(200, content=end, headers={"content-type": "text/event-stream"})
        if call.binary:
            return httpx.Response(200, content=call.response)
        return httpx.Response(200, json=call.response)

    with OpenAI(
        api_key="sk-0123456789", base_url="https://api.openai.com/v1", transport=httpx.MockTransport(handler)
    ) as c:
        call.invoke(c)
    return seen


def _check(spec, request: httpx.Request):  # noqa: F811
    path = request.url.path.removeprefix("/v1")
    content_type = request.headers.get("content-type", "")
    raw = request.read()
    if not raw:
        body = None
    elif content_type.startswith("multipart/"):
        body = parse_multipart(raw, content_type)
    else:
        body = json.loads(raw)
    query = {k: v for k, v in request.url.params.items()}
    return spec.validate_request(request.method, path, query, content_type, body)


@pytest.mark.parametrize("call", CALLS + STREAM_CALLS, ids=[c.name for c in CALLS + STREAM_CALLS])
def test_request_matches_the_spec(call, spec):  # noqa: F811
    requests = _capture(call)
    assert requests
    for request in requests:
        _check(spec, request)


def test_a_bad_request_fails_the_check(spec):  # noqa: F811
    """The oracle itself can fail: a missing required field and an unknown query parameter."""
    with pytest.raises(AssertionError, match="messages"):
        spec.validate_request("POST", "/chat/completions", {}, "application/json", {"model": "m"})
    with pytest.raises(AssertionError, match="not in the spec"):
        spec.validate_request("GET", "/files", {"colour": "red"}, "", None)
    with pytest.raises(AssertionError, match="not an operation"):
        spec.validate_request("POST", "/files/file-1/frobnicate", {}, "", None)


def _left_out() -> set[str]:
    text = (ROOT / "docs" / "coverage.md").read_text()
    section = text.split("## Left out on purpose", 1)[1]
    return {m.group(1) for m in re.finditer(r"^\|\s*`([^`]+)`", section, re.M)}


def test_every_spec_operation_is_covered_or_left_out_on_purpose(spec):  # noqa: F811
    covered = set()
    for call in CALLS + STREAM_CALLS:
        for request in _capture(call):
            covered.add(_check(spec, request).key)
    left_out = _left_out()

    def excused(key: str) -> bool:
        _method, path = key.split(" ", 1)
        group = path.strip("/").split("/")[0]
        return (
            key in left_out
            or group in left_out
            or any(path.startswith(p) for p in left_out if p.startswith("/"))
        )

    missing = sorted(op.key for op in spec.operations if op.key not in covered and not excused(op.key))
    assert not missing, "neither covered nor listed in docs/coverage.md: " + ", ".join(missing)
    # And nothing is listed as left out that the client in fact covers.
    stale = sorted(key for key in left_out if key in covered)
    assert not stale, f"listed as left out but covered: {stale}"

"""Reading usage out of relayed bytes without re-encoding them (no server needed)."""

from __future__ import annotations

import json

from django_openai.gateway.handler import _with_stream_usage
from django_openai.gateway.metering import JSONMeter, SSEMeter, estimate_input_tokens


def event(data, name=None):
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


CHUNK = event({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": "Hi"}}]})
ROLE = event(
    {
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}],
    }
)
USAGE = event(
    {
        "object": "chat.completion.chunk",
        "choices": [],
        "usage": {
            "prompt_tokens": 9,
            "completion_tokens": 2,
            "total_tokens": 11,
            "prompt_tokens_details": {"cached_tokens": 4},
            "completion_tokens_details": {"reasoning_tokens": 1},
        },
    }
)
DONE = b"data: [DONE]\n\n"


def test_events_pass_unchanged_and_the_usage_is_read():
    meter = SSEMeter()
    stream = [ROLE, CHUNK, CHUNK, USAGE, DONE]
    assert [meter.feed(part) for part in stream] == stream  # the same bytes, the same objects
    assert meter.feed(CHUNK) is CHUNK
    assert (meter.usage.input, meter.usage.output, meter.usage.cached, meter.usage.reasoning) == (9, 2, 4, 1)
    assert meter.text_deltas == 3 and meter.error is None


def test_the_usage_chunk_asked_for_on_the_clients_behalf_is_left_out():
    meter = SSEMeter(strip_usage=True)
    out = meter.feed(CHUNK + USAGE + DONE)
    assert out == CHUNK + DONE and meter.usage.total == 11


def test_an_event_split_across_reads_waits_for_its_end():
    meter = SSEMeter(strip_usage=True)
    whole = CHUNK + USAGE + DONE
    cut = len(CHUNK) + 30
    assert meter.feed(whole[:cut]) == CHUNK
    assert meter.feed(whole[cut:]) == DONE
    assert meter.usage.total == 11


def test_crlf_events_and_a_tail_without_its_blank_line():
    meter = SSEMeter()
    crlf = CHUNK.replace(b"\n", b"\r\n")
    assert meter.feed(crlf[:10]) == b""
    assert meter.feed(crlf[10:]) == crlf
    assert meter.feed(b"data: [DONE]") == b""
    assert meter.end() == b"data: [DONE]"


def test_errors_in_a_stream_are_noticed():
    meter = SSEMeter()
    error = event({"error": {"message": "overloaded", "type": "server_error"}}, "error")
    assert meter.feed(CHUNK + error) == CHUNK + error
    assert meter.error == "overloaded"


def test_responses_usage_and_failure():
    meter = SSEMeter()
    created = event(
        {"type": "response.created", "response": {"usage": None, "error": None}}, "response.created"
    )
    delta = event({"type": "response.output_text.delta", "delta": "Hello"}, "response.output_text.delta")
    done = event(
        {
            "type": "response.completed",
            "response": {"usage": {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12}},
        },
        "response.completed",
    )
    for part in (created, delta, delta, done):
        assert meter.feed(part) == part
    assert (meter.usage.input, meter.usage.output, meter.usage.total, meter.text_deltas) == (5, 7, 12, 2)
    failed = event({"type": "response.failed", "response": {"error": {"message": "boom"}, "usage": None}})
    meter.feed(failed)
    assert meter.error == "boom"


def test_json_bodies_have_their_usage_read_from_the_end():
    body = json.dumps(
        {"data": [{"embedding": [0.1] * 20000}], "usage": {"prompt_tokens": 3, "total_tokens": 3}}
    ).encode()
    meter = JSONMeter()
    for i in range(0, len(body), 4096):
        meter.feed(body[i : i + 4096])
    assert (meter.usage().input, meter.usage().total) == (3, 3)
    responses = JSONMeter()
    responses.feed(
        json.dumps({"usage": {"input_tokens": 2, "output_tokens": 5}, "metadata": {"usage": "x"}}).encode()
    )
    assert responses.usage().total == 7


def test_include_usage_is_added_without_touching_the_rest():
    body = b'{"model": "m", "stream": true, "messages": [{"role": "user", "content": "caf\xc3\xa9"}]}'
    added = _with_stream_usage(body)
    assert json.loads(added) == {**json.loads(body), "stream_options": {"include_usage": True}}
    assert added.endswith(body[1:])


def test_input_estimate():
    assert estimate_input_tokens({"messages": [{"role": "user", "content": "x" * 40}]}) == (40 + 4 + 3) // 4

"""Pacing: a real-time fake streams like a model; a profile asks for exact timing; tests stay instant.

Most checks read the planned delivery (``fake.deliver``), which both transports follow, so they
assert exact delays without measuring time; the wire checks only assert lower bounds.
"""

from __future__ import annotations

import json
import time

import pytest

from django_openai.client import BadRequestError
from django_openai.testing import Clock, FakeOpenAI, Pacing

CHAT = {"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "Stream to me."}]}


def _deliver(fake: FakeOpenAI, path: str, body: dict, pacing: str | None = None):
    headers = [("content-type", "application/json")]
    if pacing is not None:
        headers.append(("x-fake-pacing", pacing))
    return fake.deliver("POST", "/v1" + path, headers, json.dumps(body).encode())


def _token_delays(delivery) -> list[float]:
    """The delay before each chunk that carries text, and that no other chunk waits."""
    delays = []
    for delay, chunk in delivery.segments:
        data = chunk.decode().split("data: ", 1)[-1].strip()
        event = json.loads(data) if data.startswith("{") else None
        choices = (event or {}).get("choices") or []
        carries = bool(choices and (choices[0].get("delta", {}).get("content") or choices[0].get("text")))
        carries = carries or str((event or {}).get("type", "")).endswith(".delta")
        if carries:
            delays.append(delay)
        else:
            assert delay == 0, f"a chunk without a token waited {delay}s: {chunk[:80]!r}"
    return delays


def test_a_frozen_fake_answers_at_once():
    fake = FakeOpenAI()
    delivery = _deliver(fake, "/chat/completions", {**CHAT, "stream": True})
    assert delivery.first_byte_delay == 0 and all(delay == 0 for delay, _ in delivery.segments)
    assert _deliver(fake, "/chat/completions", CHAT).first_byte_delay == 0
    fake.close()


def test_a_real_time_fake_streams_like_a_model_by_default():
    fake = FakeOpenAI(clock=Clock(real=True))
    delays = _token_delays(_deliver(fake, "/chat/completions", {**CHAT, "stream": True}))
    assert len(delays) > 5 and delays == pytest.approx([0.2] + [0.03] * (len(delays) - 1))
    whole = _deliver(fake, "/chat/completions", CHAT)
    tokens = json.loads(whole.segments[0][1])["usage"]["completion_tokens"]
    assert whole.first_byte_delay == pytest.approx(0.2 + (tokens - 1) * 0.03)
    fake.close()


def test_a_profile_per_request_gives_exact_chunks_and_timing():
    fake = FakeOpenAI()
    profile = "first_token_ms=150 token_ms=25 chunks=12"
    delays = _token_delays(_deliver(fake, "/chat/completions", {**CHAT, "stream": True}, profile))
    assert delays == [pytest.approx(0.15)] + [pytest.approx(0.025)] * 11
    responses = _deliver(fake, "/responses", {"model": "gpt-4.1", "input": "hi", "stream": True}, profile)
    assert _token_delays(responses) == [pytest.approx(0.15)] + [pytest.approx(0.025)] * 11
    legacy = _deliver(
        fake, "/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": "x", "stream": True}, profile
    )
    assert len(_token_delays(legacy)) == 12
    fake.close()


def test_pacing_from_python_and_from_the_control_api(openai_fake):
    openai_fake.fake.pacing = Pacing(first_token_ms=40, token_ms=5, chunks=3)
    assert _token_delays(_deliver(openai_fake.fake, "/chat/completions", {**CHAT, "stream": True})) == [
        pytest.approx(0.04),
        pytest.approx(0.005),
        pytest.approx(0.005),
    ]
    with openai_fake.client() as client:
        set_ = client.request("POST", "/_fake/pacing", body={"first_token_ms": 10, "token_ms": 2})
        assert set_["pacing"] == {"first_token_ms": 10.0, "token_ms": 2.0, "chunks": None}
        assert client.request("GET", "/_fake/pacing")["pacing"]["token_ms"] == 2.0
        assert client.request("DELETE", "/_fake/pacing")["pacing"] is None, "frozen: back to instant"
        with pytest.raises(BadRequestError, match="unknown pacing options: speed"):
            client.request("POST", "/_fake/pacing", body={"speed": 3})


def test_the_fixture_resets_pacing_between_tests(openai_fake):
    assert openai_fake.fake.pacing is None


def test_a_bad_profile_is_a_clear_400(openai_fake_inprocess):
    with openai_fake_inprocess.client() as client, pytest.raises(BadRequestError) as info:
        client.chat.completions.create(**CHAT, extra_headers={"x-fake-pacing": "first_token_ms=soon"})
    assert info.value.param == "x-fake-pacing" and "first_token_ms" in info.value.message
    with pytest.raises(ValueError, match="negative"):
        Pacing(token_ms=-1)


def test_a_fault_chunk_delay_still_wins_over_pacing():
    fake = FakeOpenAI(clock=Clock(real=True))
    fake.faults.add("POST", "/chat/completions", chunk_delay=0.5)
    delivery = _deliver(fake, "/chat/completions", {**CHAT, "stream": True})
    assert {delay for delay, _ in delivery.segments[1:]} == {0.5}
    fake.close()


@pytest.mark.parametrize("mode", ["http", "inprocess"])
def test_both_transports_keep_to_the_profile(mode, openai_fake, openai_fake_inprocess):
    handle = openai_fake if mode == "http" else openai_fake_inprocess
    profile = {"x-fake-pacing": "first_token_ms=120 token_ms=20 chunks=5"}
    with handle.client() as client:
        started = time.monotonic()
        arrivals = []
        for chunk in client.chat.completions.create(**CHAT, stream=True, extra_headers=profile):
            if chunk.choices and chunk.choices[0].delta.content:
                arrivals.append(time.monotonic() - started)
    assert len(arrivals) == 5
    assert arrivals[0] >= 0.12 and arrivals[-1] >= 0.12 + 4 * 0.02

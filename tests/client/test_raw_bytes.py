"""The raw byte form a relay needs: a body sent as given, and the response read as it arrives."""

from __future__ import annotations

import json

import pytest

from django_openai.client import APIConnectionError, AsyncOpenAI, OpenAI

BODY = (
    b'{"model":"gpt-4.1-mini","stream":true,  "messages":[{"role":"user","content":"caf\xc3\xa9 au lait"}]}'
)


def test_content_is_sent_byte_for_byte_and_chunks_arrive_one_by_one(openai_fake_inprocess):
    fake = openai_fake_inprocess
    client = OpenAI(api_key=fake.api_key, base_url=fake.base_url, transport=fake.transport, max_retries=0)
    raw = client.with_raw_response.request(
        "POST", "/chat/completions", body={"model": "gpt-4.1-mini"}, content=BODY, raw=True, stream=True
    )
    assert raw.status_code == 200 and raw.headers["content-type"] == "text/event-stream"
    chunks = list(raw.parse().iter_bytes(None))
    assert fake.requests[-1].body == BODY  # not decoded and encoded again (the spaces stay)
    assert len(chunks) > 3 and all(c.endswith(b"\n\n") for c in chunks)  # one event per read, unbuffered
    assert chunks[-1] == b"data: [DONE]\n\n"
    assert json.loads(chunks[0][len(b"data: ") :])["object"] == "chat.completion.chunk"


async def test_async_raw_stream_and_a_cut_connection(openai_fake_inprocess):
    fake = openai_fake_inprocess
    fake.faults.add("POST", "/chat/completions", reset_after_bytes=300)
    async with AsyncOpenAI(
        api_key=fake.api_key, base_url=fake.base_url, transport=fake.transport, max_retries=0
    ) as client:
        body = await client.request("POST", "/chat/completions", content=BODY, raw=True, stream=True)
        received = []
        with pytest.raises(APIConnectionError, match="cut off"):
            async for chunk in body.iter_bytes(None):
                received.append(chunk)
        assert b"".join(received) and len(b"".join(received)) <= 300


def test_max_retries_per_request(openai_fake_inprocess):
    fake = openai_fake_inprocess
    fake.faults.add("GET", "/models", status=500, times=1)
    client = OpenAI(api_key=fake.api_key, base_url=fake.base_url, transport=fake.transport, max_retries=0)
    assert client.request("GET", "/models", max_retries=1)["data"]

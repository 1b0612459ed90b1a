"""A stream whose connection closes cleanly before the server said the answer was whole raises
IncompleteStreamError (a connection error), unless the caller allows it; the helpers never hand
a partial answer out as the final one. Chat and Responses streams, sync and async."""

from __future__ import annotations

import json

import pytest

from django_openai.client import APIConnectionError, IncompleteStreamError

from .test_streaming import chunk, sse

MESSAGES = [{"role": "user", "content": "Tell me a long story"}]


def events(*objects) -> bytes:
    return b"".join(f"event: {o['type']}\ndata: {json.dumps(o)}\n\n".encode() for o in objects)


CREATED = {"type": "response.created", "sequence_number": 0, "response": {"id": "r", "output": []}}
DELTA = {"type": "response.output_text.delta", "sequence_number": 1, "delta": "Once", "item_id": "m"}
COMPLETED = {
    "type": "response.completed",
    "sequence_number": 2,
    "response": {"id": "r", "status": "completed", "output": []},
}


# -- against the fake server on loopback: it closes the connection after three events ----------


def test_chat_stream_cut_short_raises_at_its_end(openai_fake):
    openai_fake.faults.add("POST", "/chat/completions", cut_stream_after=3)
    seen = []
    with openai_fake.client() as client, pytest.raises(IncompleteStreamError) as info:
        for item in client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES, stream=True):
            seen.append(item)
    assert len(seen) == 3, "what arrived is still handed out, then the error"
    assert isinstance(info.value, APIConnectionError)
    assert info.value.path == "/chat/completions" and "require_stream_end=False" in str(info.value)


async def test_async_chat_stream_cut_short_raises_at_its_end(openai_fake):
    openai_fake.faults.add("POST", "/chat/completions", cut_stream_after=3)
    seen = []
    async with openai_fake.async_client() as client:
        stream = await client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES, stream=True)
        with pytest.raises(IncompleteStreamError):
            async for item in stream:
                seen.append(item)
    assert len(seen) == 3


def test_chat_helper_never_returns_a_partial_completion(openai_fake):
    openai_fake.faults.add("POST", "/chat/completions", cut_stream_after=3)
    with openai_fake.client() as client:
        stream = client.chat.completions.stream(model="gpt-4.1-mini", messages=MESSAGES)
        with pytest.raises(IncompleteStreamError):
            stream.get_final_completion()
        # Allowed to end short, the stream just stops; the helper still refuses to call it final.
        allowed = client.chat.completions.stream(
            model="gpt-4.1-mini", messages=MESSAGES, require_stream_end=False
        )
        with pytest.raises(IncompleteStreamError):
            allowed.get_final_completion()
    partial = allowed.accumulator.completion
    assert partial.choices[0].finish_reason is None, "what did arrive stays readable"


async def test_async_chat_helper_never_returns_a_partial_completion(openai_fake):
    openai_fake.faults.add("POST", "/chat/completions", cut_stream_after=3)
    async with openai_fake.async_client(require_stream_end=False) as client:
        stream = await client.chat.completions.stream(model="gpt-4.1-mini", messages=MESSAGES)
        with pytest.raises(IncompleteStreamError):
            await stream.get_final_completion()
        assert stream.stream.complete is False


def test_responses_stream_cut_short_raises(openai_fake):
    openai_fake.faults.add("POST", "/responses", cut_stream_after=3)
    with openai_fake.client() as client:
        with pytest.raises(IncompleteStreamError):
            list(client.responses.create(model="gpt-4.1-mini", input="x", stream=True))
        helper = client.responses.stream(model="gpt-4.1-mini", input="x", require_stream_end=False)
        with pytest.raises(IncompleteStreamError):
            helper.get_final_response()


async def test_async_responses_stream_cut_short_raises(openai_fake):
    openai_fake.faults.add("POST", "/responses", cut_stream_after=3)
    async with openai_fake.async_client() as client:
        stream = await client.responses.create(model="gpt-4.1-mini", input="x", stream=True)
        with pytest.raises(IncompleteStreamError):
            async for _ in stream:
                pass
        helper = await client.responses.stream(model="gpt-4.1-mini", input="x")
        with pytest.raises(IncompleteStreamError):
            await helper.get_final_response()


def test_whole_streams_from_the_fake_are_complete(openai_fake):
    with openai_fake.client() as client:
        chat = client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES, stream=True)
        list(chat)
        final = client.chat.completions.stream(model="gpt-4.1-mini", messages=MESSAGES).get_final_completion()
        response = client.responses.stream(model="gpt-4.1-mini", input="x").get_final_response()
    assert chat.done and chat.complete
    assert final.choices[0].finish_reason == "stop"
    assert response.status == "completed"


# -- what counts as the end, short of [DONE] ----------------------------------------------------


def test_a_finish_reason_on_every_choice_is_an_end_without_done(client, router):
    router.post("/chat/completions").respond(
        200, content=sse(chunk("Hel"), chunk("lo", finish="stop"), done=False)
    )
    stream = client.chat.completions.stream(model="m", messages=[])
    final = stream.get_final_completion()
    assert final.choices[0].message.content == "Hello"
    assert stream.stream.complete and not stream.stream.done


def test_one_choice_finished_and_another_not_is_not_an_end(client, router):
    body = sse(chunk("a", index=0), chunk("b", index=1), chunk(finish="stop", index=0), done=False)
    router.post("/chat/completions").respond(200, content=body)
    with pytest.raises(IncompleteStreamError):
        list(client.chat.completions.create(model="m", messages=[], n=2, stream=True))


def test_responses_stream_ends_at_its_final_event_without_done(client, router):
    router.post("/responses").respond(200, content=events(CREATED, DELTA, COMPLETED))
    stream = client.responses.create(model="m", input="x", stream=True)
    assert [e.type for e in stream][-1] == "response.completed"
    assert stream.complete


async def test_async_responses_stream_without_its_final_event(aclient, router):
    router.post("/responses").respond(200, content=events(CREATED, DELTA))
    stream = await aclient.responses.create(model="m", input="x", stream=True)
    with pytest.raises(IncompleteStreamError):
        async for _ in stream:
            pass


def test_raw_streams_are_held_to_the_same_rule(client, router):
    router.post("/chat/completions").respond(200, content=sse({"a": 1}, done=False))
    with pytest.raises(IncompleteStreamError):
        list(client.request("POST", "/chat/completions", body={"stream": True}, stream=True))
    stream = client.request(
        "POST", "/chat/completions", body={"stream": True}, stream=True, require_stream_end=False
    )
    assert list(stream) == [{"a": 1}]


# -- the opt-out: per client, per call, with_options ---------------------------------------------


def test_a_client_can_allow_streams_that_end_short(router):
    from django_openai.client import OpenAI

    from .conftest import BASE, KEY

    router.post("/chat/completions").respond(200, content=sse(chunk("a"), done=False))
    with OpenAI(api_key=KEY, base_url=BASE, require_stream_end=False) as lenient:
        stream = lenient.chat.completions.create(model="m", messages=[], stream=True)
        assert len(list(stream)) == 1 and not stream.complete
        # ... and a call can still ask for the end to be marked.
        with pytest.raises(IncompleteStreamError):
            list(
                lenient.chat.completions.create(model="m", messages=[], stream=True, require_stream_end=True)
            )


async def test_with_options_can_allow_streams_that_end_short(aclient, router):
    router.post("/chat/completions").respond(200, content=sse(chunk("a"), done=False))
    lenient = aclient.with_options(require_stream_end=False)
    stream = await lenient.chat.completions.create(model="m", messages=[], stream=True)
    assert [c.choices[0].delta.content async for c in stream] == ["a"]
    with pytest.raises(IncompleteStreamError):
        async for _ in await aclient.chat.completions.create(model="m", messages=[], stream=True):
            pass

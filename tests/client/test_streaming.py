"""Streams: [DONE], error events mid-stream, closing, early exit, accumulation; sync and async."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from django_openai.client import APIStreamError, accumulate_chat
from django_openai.client.types.chat import ChatCompletionChunk


def chunk(content=None, *, tool=None, finish=None, index=0):
    delta = {}
    if content is not None:
        delta["content"] = content
    if tool is not None:
        delta["tool_calls"] = [tool]
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "m",
        "created": 1,
        "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
    }


def sse(*objects, done=True) -> bytes:
    out = b"".join(b"data: " + json.dumps(o).encode() + b"\n\n" for o in objects)
    return out + (b"data: [DONE]\n\n" if done else b"")


class TrackedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that records whether the client closed it."""

    def __init__(self, chunks):
        self.chunks = chunks
        self.closed = False
        self.sent = 0

    def __iter__(self):
        for c in self.chunks:
            self.sent += 1
            yield c

    async def __aiter__(self):
        for c in self.chunks:
            self.sent += 1
            yield c

    def close(self):
        self.closed = True

    async def aclose(self):
        self.closed = True


def test_chat_stream_yields_typed_chunks_and_stops_at_done(client, router):
    body = sse(chunk("Hel"), chunk("lo", finish="stop")) + b'data: {"never": "read"}\n\n'
    route = router.post("/chat/completions").respond(
        200, content=body, headers={"content-type": "text/event-stream"}
    )
    stream = client.chat.completions.create(model="m", messages=[], stream=True)
    chunks = list(stream)
    assert [c.choices[0].delta.content for c in chunks] == ["Hel", "lo"]
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert stream.done
    request = route.calls.last.request
    assert request.headers["accept"] == "text/event-stream"
    assert json.loads(request.read())["stream"] is True


def test_error_event_mid_stream_raises_typed_error(client, router):
    body = (
        sse(chunk("a"), done=False)
        + b'event: error\ndata: {"error": {"message": "overloaded", "type": "server_error", "code": "x1"}}\n\n'
    )
    router.post("/chat/completions").respond(200, content=body)
    seen = []
    with pytest.raises(APIStreamError) as info:
        for c in client.chat.completions.create(model="m", messages=[], stream=True):
            seen.append(c)
    assert len(seen) == 1
    assert (
        info.value.message == "overloaded" and info.value.code == "x1" and info.value.type == "server_error"
    )


def test_error_object_without_event_name_raises_too(client, router):
    router.post("/chat/completions").respond(200, content=b'data: {"error": {"message": "bad"}}\n\n')
    with pytest.raises(APIStreamError, match="bad"):
        list(client.chat.completions.create(model="m", messages=[], stream=True))


def test_responses_error_event_raises(client, router):
    body = b'event: error\ndata: {"type": "error", "code": "rate_limit", "message": "slow down", "sequence_number": 3}\n\n'
    router.post("/responses").respond(200, content=body)
    with pytest.raises(APIStreamError, match="slow down"):
        list(client.responses.create(model="m", input="x", stream=True))


def test_stream_cut_without_done_ends_but_is_marked_not_done_when_allowed(client, router):
    router.post("/chat/completions").respond(200, content=sse(chunk("a"), done=False))
    stream = client.chat.completions.create(model="m", messages=[], stream=True, require_stream_end=False)
    assert len(list(stream)) == 1
    assert stream.done is False and stream.complete is False


def test_leaving_the_loop_early_closes_the_response(client, router):
    body = TrackedStream([sse(chunk(str(i)), done=False) for i in range(50)])
    router.post("/chat/completions").mock(return_value=httpx.Response(200, stream=body))
    for c in client.chat.completions.create(model="m", messages=[], stream=True):
        assert c.choices[0].delta.content == "0"
        break
    assert body.closed
    assert body.sent < 50


def test_context_manager_closes(client, router):
    body = TrackedStream([sse(chunk("a"))])
    router.post("/chat/completions").mock(return_value=httpx.Response(200, stream=body))
    with client.chat.completions.create(model="m", messages=[], stream=True) as stream:
        assert stream.response is not None
    assert body.closed


async def test_async_stream_and_early_exit(aclient, router):
    body = TrackedStream([sse(chunk(str(i)), done=False) for i in range(50)])
    router.post("/chat/completions").mock(return_value=httpx.Response(200, stream=body))
    stream = await aclient.chat.completions.create(model="m", messages=[], stream=True)
    async for c in stream:
        assert c.choices[0].delta.content == "0"
        break
    for _ in range(5):  # the loop finalises the abandoned async generator on its next turns
        await asyncio.sleep(0)
    assert body.closed


async def test_async_stream_context_manager(aclient, router):
    router.post("/chat/completions").respond(200, content=sse(chunk("x"), chunk("y", finish="stop")))
    async with await aclient.chat.completions.create(model="m", messages=[], stream=True) as stream:
        contents = [c.choices[0].delta.content async for c in stream]
    assert contents == ["x", "y"]


def test_accumulator_folds_text_and_parallel_tool_calls():
    chunks = [
        {**chunk(None), "choices": [{"index": 0, "delta": {"role": "assistant"}}]},
        chunk(
            tool={
                "index": 0,
                "id": "call_a",
                "type": "function",
                "function": {"name": "get_", "arguments": ""},
            }
        ),
        chunk(
            tool={
                "index": 1,
                "id": "call_b",
                "type": "function",
                "function": {"name": "lookup", "arguments": '{"q"'},
            }
        ),
        chunk(tool={"index": 0, "function": {"name": "weather", "arguments": '{"city": '}}),
        chunk(tool={"index": 0, "function": {"arguments": '"Paris"}'}}),
        chunk(tool={"index": 1, "function": {"arguments": ': "x"}'}}),
        {
            **chunk(finish="tool_calls"),
            "usage": {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8},
        },
    ]
    completion = accumulate_chat(chunks)
    message = completion.choices[0].message
    assert completion.choices[0].finish_reason == "tool_calls"
    assert [(t.id, t.function.name, json.loads(t.function.arguments)) for t in message.tool_calls] == [
        ("call_a", "get_weather", {"city": "Paris"}),
        ("call_b", "lookup", {"q": "x"}),
    ]
    assert completion.usage.total_tokens == 8


def test_stream_helper_gives_final_completion(client, router):
    router.post("/chat/completions").respond(200, content=sse(chunk("Hel"), chunk("lo", finish="stop")))
    with client.chat.completions.stream(model="m", messages=[]) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.content == "Hello"


def test_stream_helper_final_completion_after_iterating(client, router):
    """The documented order: iterate the chunks (or text_deltas()), then get_final_completion()."""
    router.post("/chat/completions").respond(200, content=sse(chunk("Hel"), chunk("lo", finish="stop")))
    with client.chat.completions.stream(model="m", messages=[]) as stream:
        assert list(stream.text_deltas()) == ["Hel", "lo"]
        final = stream.get_final_completion()
    assert final.choices[0].message.content == "Hello"
    assert list(stream.stream) == []  # a spent stream iterates as empty


async def test_async_stream_helper_final_completion_after_iterating(aclient, router):
    router.post("/chat/completions").respond(200, content=sse(chunk("a"), chunk("b", finish="stop")))
    stream = await aclient.chat.completions.stream(model="m", messages=[])
    assert [d async for d in stream.text_deltas()] == ["a", "b"]
    final = await stream.get_final_completion()
    assert final.choices[0].message.content == "ab"


async def test_async_stream_helper_text_deltas(aclient, router):
    router.post("/chat/completions").respond(
        200, content=sse(chunk("a"), chunk("b"), chunk("c", finish="stop"))
    )
    stream = await aclient.chat.completions.stream(model="m", messages=[])
    assert [d async for d in stream.text_deltas()] == ["a", "b", "c"]
    assert stream.accumulator.completion.choices[0].message.content == "abc"


def test_responses_stream_helper_final_response(client, router):
    events = [
        {
            "type": "response.created",
            "sequence_number": 0,
            "response": {"id": "resp_1", "status": "in_progress", "output": []},
        },
        {
            "type": "response.output_text.delta",
            "sequence_number": 1,
            "delta": "Hi",
            "item_id": "m",
            "output_index": 0,
            "content_index": 0,
        },
        {
            "type": "response.completed",
            "sequence_number": 2,
            "response": {
                "id": "resp_1",
                "status": "completed",
                "output": [
                    {
                        "type": "message",
                        "id": "m",
                        "role": "assistant",
                        "content": [{"type": "output_text", "text": "Hi"}],
                    }
                ],
            },
        },
    ]
    body = b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)
    router.post("/responses").respond(200, content=body)
    helper = client.responses.stream(model="m", input="x")
    final = helper.get_final_response()
    assert helper.text == "Hi"
    assert final.status == "completed" and final.output_text == "Hi"


def test_generic_request_can_stream_dicts(client, router):
    router.post("/chat/completions").respond(200, content=sse({"a": 1}, {"a": 2}))
    assert list(client.request("POST", "/chat/completions", body={"stream": True}, stream=True)) == [
        {"a": 1},
        {"a": 2},
    ]

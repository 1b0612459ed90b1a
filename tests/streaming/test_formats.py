"""The two encoders and the iterators around them, without a server: the exact bytes of each
format, the heartbeat, a failure mid-stream, and closing that reaches the events' iterator."""

from __future__ import annotations

import asyncio
import json

import pytest

from django_openai.services.events import (
    ItemCompleted,
    ItemStarted,
    RunCompleted,
    RunFailed,
    RunStarted,
    TextDelta,
    ToolCallDelta,
    ToolCallFinished,
    ToolCallStarted,
)
from django_openai.streaming import (
    OpenAIEncoder,
    UIMessageEncoder,
    aencode_events,
    encode_events,
    encoder_for,
    sse_response,
)


def text_run():
    message = {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Hi there"}],
    }
    return [
        RunStarted(sequence=1, run_id=7, thread_id=3, backend="responses", model="gpt-4.1-mini"),
        ItemStarted(sequence=2, run_id=7, item_id="msg_1", item_type="message", role="assistant"),
        TextDelta(sequence=3, run_id=7, item_id="msg_1", delta="Hi"),
        TextDelta(sequence=4, run_id=7, item_id="msg_1", delta=" there"),
        ItemCompleted(
            sequence=5,
            run_id=7,
            item_id="msg_1",
            position=2,
            item_type="message",
            role="assistant",
            text="Hi there",
            item=message,
        ),
        RunCompleted(sequence=6, run_id=7, usage={"input_tokens": 2, "output_tokens": 2}),
    ]


def tool_run():
    call = {
        "type": "function_call",
        "call_id": "call_1",
        "name": "get_weather",
        "arguments": '{"city":"Paris"}',
    }
    return [
        RunStarted(sequence=1, run_id=8, thread_id=3),
        ItemStarted(sequence=2, run_id=8, item_id="fc_1", item_type="function_call"),
        ToolCallStarted(sequence=3, run_id=8, item_id="fc_1", call_id="call_1", name="get_weather"),
        ToolCallDelta(sequence=4, run_id=8, item_id="fc_1", call_id="call_1", delta='{"city":'),
        ToolCallDelta(sequence=5, run_id=8, item_id="fc_1", call_id="call_1", delta='"Paris"}'),
        ItemCompleted(sequence=6, run_id=8, item_id="fc_1", position=2, item_type="function_call", item=call),
        ToolCallFinished(
            sequence=7,
            run_id=8,
            call_id="call_1",
            name="get_weather",
            arguments='{"city":"Paris"}',
            output='"18C"',
        ),
        ItemStarted(sequence=8, run_id=8, item_id="msg_2", item_type="message", role="assistant"),
        TextDelta(sequence=9, run_id=8, item_id="msg_2", delta="18C."),
        ItemCompleted(
            sequence=10, run_id=8, item_id="msg_2", position=4, item_type="message", role="assistant"
        ),
        RunCompleted(sequence=11, run_id=8),
    ]


def ui_parts(raw: bytes) -> list:
    blocks = [b for b in raw.decode().split("\n\n") if b]
    assert all(b.startswith("data: ") and "\n" not in b for b in blocks), blocks
    return [b[len("data: ") :] if b.endswith("[DONE]") else json.loads(b[len("data: ") :]) for b in blocks]


def test_openai_format_is_exactly_id_event_data():
    events = text_run()
    raw = b"".join(encode_events(events, OpenAIEncoder()))
    expected = "".join(
        f"id: {e.sequence}\nevent: {e.type}\ndata: {json.dumps(e.to_dict(), separators=(',', ':'))}\n\n"
        for e in events
    )
    assert raw.decode() == expected
    first = raw.decode().split("\n\n")[0].split("\n")
    assert first[:2] == ["id: 1", "event: run.started"]
    assert json.loads(first[2][len("data: ") :])["thread_id"] == 3


def test_openai_format_keeps_non_ascii_text_as_utf8():
    event = TextDelta(sequence=1, run_id=1, item_id="m", delta="héllo ✓")
    assert "héllo ✓".encode() in OpenAIEncoder().encode(event)


def test_ui_stream_of_a_text_answer():
    parts = ui_parts(b"".join(encode_events(text_run(), UIMessageEncoder())))
    assert parts == [
        {"type": "start", "messageId": "run-7"},
        {"type": "start-step"},
        {"type": "text-start", "id": "msg_1"},
        {"type": "text-delta", "id": "msg_1", "delta": "Hi"},
        {"type": "text-delta", "id": "msg_1", "delta": " there"},
        {"type": "text-end", "id": "msg_1"},
        {"type": "finish-step"},
        {"type": "finish", "finishReason": "stop"},
        "[DONE]",
    ]


def test_ui_stream_of_a_tool_call_is_two_steps():
    parts = ui_parts(b"".join(encode_events(tool_run(), UIMessageEncoder())))
    assert [p if isinstance(p, str) else p["type"] for p in parts] == [
        "start",
        "start-step",
        "tool-input-start",
        "tool-input-delta",
        "tool-input-delta",
        "tool-input-available",
        "tool-output-available",
        "finish-step",
        "start-step",
        "text-start",
        "text-delta",
        "text-end",
        "finish-step",
        "finish",
        "[DONE]",
    ]
    start, available, output = parts[2], parts[5], parts[6]
    assert start == {
        "type": "tool-input-start",
        "toolCallId": "call_1",
        "toolName": "get_weather",
        "dynamic": True,
    }
    assert parts[3] == {"type": "tool-input-delta", "toolCallId": "call_1", "inputTextDelta": '{"city":'}
    assert available["input"] == {"city": "Paris"} and available["toolName"] == "get_weather"
    assert output == {
        "type": "tool-output-available",
        "toolCallId": "call_1",
        "output": "18C",
        "dynamic": True,
    }


def test_ui_stream_of_a_failed_tool_and_a_failed_run():
    events = [
        RunStarted(sequence=1, run_id=9),
        ToolCallFinished(
            sequence=2, run_id=9, call_id="c", name="t", arguments="{}", output="{}", error="boom"
        ),
        RunFailed(
            sequence=3, run_id=9, status="failed", error={"code": "server_error", "message": "Upstream 500"}
        ),
    ]
    parts = ui_parts(b"".join(encode_events(events, UIMessageEncoder())))
    types = [p if isinstance(p, str) else p["type"] for p in parts]
    # A call never announced is announced before its output, so that a reader can place it.
    assert types == [
        "start",
        "start-step",
        "tool-input-start",
        "tool-input-available",
        "tool-output-error",
        "finish-step",
        "error",
        "finish",
        "[DONE]",
    ]
    assert parts[4]["errorText"] == "boom"
    assert parts[6] == {"type": "error", "errorText": "Upstream 500"}


def test_ui_stream_of_a_cancelled_run_aborts():
    events = [RunStarted(sequence=1, run_id=9), RunFailed(sequence=2, run_id=9, status="cancelled")]
    parts = ui_parts(b"".join(encode_events(events, UIMessageEncoder())))
    assert parts == [{"type": "start", "messageId": "run-9"}, {"type": "abort"}, "[DONE]"]


def test_reasoning_summary_becomes_reasoning_parts():
    reasoning = {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Thinking."}]}
    events = [
        ItemCompleted(sequence=1, run_id=2, item_id="rs_1", item_type="reasoning", item=reasoning),
        RunCompleted(sequence=2, run_id=2),
    ]
    parts = ui_parts(b"".join(encode_events(events, UIMessageEncoder())))
    assert {"type": "reasoning-delta", "id": "rs_1", "delta": "Thinking."} in parts


def broken_events():
    yield from text_run()[:3]
    raise RuntimeError("database gone: password=hunter2")


@pytest.mark.parametrize("protocol", ["openai", "ui"])
def test_an_exception_mid_stream_becomes_the_failure_event_without_its_details(protocol, caplog):
    raw = b"".join(encode_events(broken_events(), encoder_for(protocol))).decode()
    assert "Hi" in raw and "hunter2" not in raw
    if protocol == "openai":
        last = raw.strip().split("\n\n")[-1].split("\n")
        assert last[:2] == ["id: 4", "event: run.failed"]
        assert json.loads(last[2][6:])["error"] == {
            "code": "internal_error",
            "message": "The stream failed on the server.",
        }
    else:
        parts = ui_parts(raw.encode())
        assert parts[-3:] == [
            {"type": "error", "errorText": "The stream failed on the server."},
            {"type": "finish", "finishReason": "error"},
            "[DONE]",
        ]
    assert "hunter2" in caplog.text  # logged for the operator, not sent


def test_closing_the_sync_stream_closes_the_events():
    closed = []

    def events():
        try:
            yield from text_run()
        finally:
            closed.append(True)

    stream = encode_events(events(), OpenAIEncoder())
    next(stream)
    stream.close()
    assert closed == [True]


async def slow_events(pause: float, closed: list):
    try:
        for event in text_run():
            if event.sequence == 3:
                await asyncio.sleep(pause)
            yield event
    except asyncio.CancelledError:
        closed.append("cancelled")
        raise
    finally:
        closed.append("closed")


async def test_heartbeats_while_nothing_comes_without_disturbing_the_events():
    closed: list = []
    chunks = [c async for c in aencode_events(slow_events(0.35, closed), OpenAIEncoder(), heartbeat=0.1)]
    blocks = [block for block in b"".join(chunks).split(b"\n\n") if block]
    assert b": ping" in blocks, "a pause of 0.35 s with a heartbeat of 0.1 s"
    assert blocks.index(b": ping") == 2, "the pings come in the pause, after events 1 and 2"
    assert blocks.count(b": ping") >= 2, "one each 0.1 s of the pause"
    assert [b.split(b"\n")[0] for b in blocks if b != b": ping"] == [f"id: {n}".encode() for n in range(1, 7)]
    assert closed == ["closed"], "a heartbeat never cancels the events' iterator"


async def test_no_heartbeat_when_none_is_asked():
    chunks = [c async for c in aencode_events(slow_events(0.15, []), OpenAIEncoder(), heartbeat=None)]
    assert b": ping\n\n" not in chunks


async def test_cancelling_the_async_stream_cancels_the_events_at_once():
    closed: list = []
    stream = aencode_events(slow_events(30, closed), OpenAIEncoder(), heartbeat=5)

    async def read():
        async for _ in stream:
            pass

    task = asyncio.ensure_future(read())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 1)
    assert closed == ["cancelled", "closed"]


@pytest.mark.parametrize("heartbeat", [5, None])
async def test_closing_the_async_stream_closes_the_events(heartbeat):
    closed: list = []
    stream = aencode_events(slow_events(30, closed), OpenAIEncoder(), heartbeat=heartbeat)
    assert (await stream.__anext__()).startswith(b"id: 1")
    await stream.aclose()  # no loop turn after it: not left for the loop to finalise later
    assert closed and closed[-1] == "closed", "the events' iterator is finalised at once, waiting or not"


@pytest.mark.parametrize("heartbeat", [5, None])
async def test_an_exception_from_the_async_events_becomes_the_failure_event(heartbeat, caplog):
    async def failing():
        for event in text_run()[:3]:
            yield event
        raise RuntimeError("hunter2")

    chunks = [c async for c in aencode_events(failing(), OpenAIEncoder(), heartbeat=heartbeat)]
    last = b"".join(chunks).strip().split(b"\n\n")[-1]
    assert b"event: run.failed" in last and b"internal_error" in last and b"hunter2" not in last
    assert "hunter2" in caplog.text


async def test_a_cancel_from_inside_the_events_is_raised_not_taken_for_the_end():
    async def cancelled():
        yield text_run()[0]
        raise asyncio.CancelledError

    stream = aencode_events(cancelled(), OpenAIEncoder(), heartbeat=5)
    assert (await stream.__anext__()).startswith(b"id: 1")
    with pytest.raises(asyncio.CancelledError):
        await stream.__anext__()


async def test_the_heartbeat_stops_when_the_events_end_even_if_the_client_reads_no_more(monkeypatch):
    from django_openai.streaming import iterators

    beats = []
    original = iterators._Reader._beat

    def counted(self):
        beats.append(1)
        original(self)

    monkeypatch.setattr(iterators._Reader, "_beat", counted)
    events = [c async for c in aencode_events(slow_events(0, []), OpenAIEncoder(), heartbeat=0.02)]
    assert events, "the stream itself"
    stream = aencode_events(slow_events(0, []), OpenAIEncoder(), heartbeat=0.02)
    await stream.__anext__()
    beats.clear()
    await asyncio.sleep(0.3)  # the events are over; the response takes nothing more for a while
    assert len(beats) <= 3, f"the timer fired {len(beats)} times in 0.3 s: it must stop, not spin"
    await stream.aclose()


def many_deltas(count: int, read: list[int]):
    """``count`` text deltas as fast as they can be taken, noting how far the reading got."""

    async def events():
        for n in range(1, count + 1):
            read.append(n)
            yield TextDelta(sequence=n, run_id=7, item_id="msg_1", delta="x")
            if n % 10 == 0:
                await asyncio.sleep(0)  # a read from the network now and then
        yield RunCompleted(sequence=count + 1, run_id=7)

    return events()


async def test_events_that_came_together_go_out_in_one_chunk():
    read: list[int] = []
    stream = aencode_events(many_deltas(30, read), OpenAIEncoder(), heartbeat=5)
    first = await stream.__anext__()
    await asyncio.sleep(0.05)  # the server was busy: the events kept coming meanwhile
    second = await stream.__anext__()
    assert first.count(b"event: text.delta") >= 1
    assert second.count(b"event: text.delta") > 1, "what came meanwhile is one chunk"
    rest = b"".join([first, second] + [chunk async for chunk in stream])
    assert rest.count(b"event: text.delta") == 30 and rest.endswith(b"\n\n")
    ids = [int(line[4:]) for line in rest.split(b"\n") if line.startswith(b"id: ")]
    assert ids == list(range(1, 32)), "every event once, in order"


async def test_a_slow_client_holds_the_reading_back():
    read: list[int] = []
    stream = aencode_events(many_deltas(5000, read), OpenAIEncoder(), heartbeat=5)
    first = await stream.__anext__()
    await asyncio.sleep(0.2)  # the client reads nothing: the events wait, at most 256 chunks of them
    waiting = len(read)
    assert 256 <= waiting < 300, "the reading stops once 256 chunks wait for the client"
    await asyncio.sleep(0.1)
    assert len(read) == waiting
    body = first + b"".join([chunk async for chunk in stream])
    assert len(read) == 5000 and body.count(b"event: text.delta") == 5000, "then it goes on, losing none"


def test_sse_response_headers(rf):
    request = rf.get("/", HTTP_ACCEPT_ENCODING="gzip, br")
    response = sse_response(iter(text_run()), "ui", request=request)
    assert response["Content-Type"] == "text/event-stream; charset=utf-8"
    assert response["x-vercel-ai-ui-message-stream"] == "v1"
    assert response["Cache-Control"] == "no-cache" and response["X-Accel-Buffering"] == "no"
    assert not response.is_async and "HTTP_ACCEPT_ENCODING" not in request.META
    openai = sse_response(slow_events(0, []), "openai")
    assert openai.is_async and not openai.has_header("x-vercel-ai-ui-message-stream")
    with pytest.raises(ValueError, match="protocol must be one of openai, ui"):
        sse_response([], "xml")

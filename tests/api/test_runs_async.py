"""Runs under ASGI (Django's async client): the run-creating view is a coroutine, a run is awaited
on the event loop, and a streamed run arrives event by event, in order, with its end stored."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import pytest
from asgiref.sync import iscoroutinefunction, sync_to_async
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import AsyncClient
from django.urls import resolve

from django_openai.models import Assistant, Run, Thread
from django_openai.testing import Pacing

from .conftest import API

pytestmark = pytest.mark.django_db(transaction=True)

SSE = {"headers": {"Accept": "text/event-stream"}}


@pytest.fixture
async def setup():
    @sync_to_async
    def rows():
        User = get_user_model()
        alice, bob = User.objects.create_user("alice"), User.objects.create_user("bob")
        Assistant.objects.create(name="Helper", slug="helper", model="gpt-4.1-mini", instructions="Be brief.")
        return alice, bob

    yield await rows()
    await sync_to_async(connections.close_all)()


async def client_of(user) -> AsyncClient:
    client = AsyncClient()
    await client.aforce_login(user)
    return client


async def thread_with_a_message(client: AsyncClient) -> int:
    thread = (
        await client.post(API + "threads/", {"assistant": "helper"}, content_type="application/json")
    ).json()
    added = await client.post(
        API + f"threads/{thread['id']}/items/",
        {"content": "Tell me about Django."},
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    return thread["id"]


def parse_sse(body: str) -> list[dict]:
    events = []
    for block in body.split("\n\n"):
        if not block.strip() or block.startswith(":"):
            continue
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        data = json.loads(fields["data"])
        assert fields["event"] == data["type"] and fields["id"] == str(data["sequence"])
        events.append(data)
    return events


def test_the_run_creating_view_is_a_coroutine():
    assert iscoroutinefunction(resolve(API + "threads/1/runs/").func)
    assert not iscoroutinefunction(resolve(API + "threads/1/runs/2/").func), "reading stays sync"


@pytest.mark.parametrize("backend", ["responses", "chat"])
async def test_a_run_awaited_under_asgi(setup, use_openai_fake, backend):
    use_openai_fake("default", THREAD_BACKEND=backend)
    alice, bob = setup
    client = await client_of(alice)
    thread_id = await thread_with_a_message(client)
    response = await client.post(API + f"threads/{thread_id}/runs/", {}, content_type="application/json")
    assert response.status_code == 201, response.content
    run = response.json()
    assert run["status"] == "completed" and run["backend"] == backend
    listed = (await client.get(API + f"threads/{thread_id}/runs/")).json()
    assert [r["id"] for r in listed["data"]] == [run["id"]]
    other = await client_of(bob)
    assert (await other.get(API + f"threads/{thread_id}/runs/")).status_code == 404
    assert (
        await other.post(API + f"threads/{thread_id}/runs/", {}, content_type="application/json")
    ).status_code == 404
    assert (await AsyncClient().post(API + f"threads/{thread_id}/runs/", {})).status_code in (401, 403)
    assert await Run.objects.acount() == 1


@pytest.mark.parametrize("backend", ["responses", "chat"])
async def test_a_streamed_run_arrives_event_by_event_and_is_stored(
    setup, openai_fake, use_openai_fake, backend
):
    use_openai_fake("default", THREAD_BACKEND=backend)
    openai_fake.fake.pacing = Pacing(first_token_ms=10, token_ms=60, chunks=6)
    alice, _ = setup
    client = await client_of(alice)
    thread_id = await thread_with_a_message(client)
    response = await client.post(
        API + f"threads/{thread_id}/runs/", {"stream": True}, content_type="application/json", **SSE
    )
    assert response.status_code == 200 and response.is_async
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["Cache-Control"] == "no-cache" and response["X-Accel-Buffering"] == "no"

    chunks, arrived = [], []
    async for chunk in response.streaming_content:
        chunks.append(chunk)
        arrived.append(time.monotonic())
    events = parse_sse(b"".join(chunks).decode())
    assert [e["sequence"] for e in events] == list(range(1, len(events) + 1)), "in order, none missing"
    assert events[0]["type"] == "run.started" and events[-1]["type"] == "run.completed"
    # One by one as the model makes them, not one buffered body: the deltas came over the
    # pacing's 300 ms, most in a chunk of their own (two that reach a busy server together leave
    # it in one chunk).
    delta_times = [
        at
        for chunk, at in zip(chunks, arrived, strict=True)
        for e in parse_sse(chunk.decode())
        if e["type"] == "text.delta"
    ]
    assert len(delta_times) == 6 and len(set(delta_times)) >= 4, delta_times
    assert delta_times[-1] - delta_times[0] > 0.1

    run = await Run.objects.aget(pk=events[0]["run_id"])
    assert run.status == "completed" and run.stream and run.output_tokens > 0
    thread = await Thread.objects.aget(pk=thread_id)
    assert thread.item_count == 2 and thread.active_run_id is None
    answer = "".join(e["delta"] for e in events if e["type"] == "text.delta")
    stored = (await client.get(API + f"threads/{thread_id}/items/", {"order": "desc", "limit": 1})).json()
    assert stored["data"][0]["text"] == answer and stored["data"][0]["run"] == run.pk


async def test_a_reader_who_goes_away_stops_the_run_and_keeps_what_came(setup, openai_fake, use_openai_fake):
    use_openai_fake("default", THREAD_BACKEND="responses")
    openai_fake.fake.pacing = Pacing(first_token_ms=10, token_ms=50, chunks=40)
    alice, _ = setup
    client = await client_of(alice)
    thread_id = await thread_with_a_message(client)
    response = await client.post(
        API + f"threads/{thread_id}/runs/", {"stream": True}, content_type="application/json", **SSE
    )
    seen, enough = [], asyncio.Event()

    async def read():
        async for chunk in response.streaming_content:
            seen.append(chunk)
            if b"text.delta" in chunk and len(seen) >= 4:
                enough.set()

    # What Django's ASGI handler does when the browser goes away: it cancels the task that sends
    # the response.
    task = asyncio.create_task(read())
    await enough.wait()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    run = await Run.objects.filter(thread_id=thread_id).aget()
    assert run.status == "incomplete" and run.error["code"] == "disconnected"
    thread = await Thread.objects.aget(pk=thread_id)
    assert thread.active_run_id is None
    partial = await run.items.aget()
    assert partial.status == "incomplete" and partial.text
    assert len(seen) < 40, "the run stopped: the answer was not read to its end"


async def test_the_ui_message_stream(setup, use_openai_fake):
    use_openai_fake("default", THREAD_BACKEND="chat")
    alice, _ = setup
    client = await client_of(alice)
    thread_id = await thread_with_a_message(client)
    response = await client.post(
        API + f"threads/{thread_id}/runs/",
        {"stream": True, "protocol": "ui"},
        content_type="application/json",
        **SSE,
    )
    body = b"".join([chunk async for chunk in response.streaming_content]).decode()
    assert response["x-vercel-ai-ui-message-stream"] == "v1"
    parts = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: {")]
    assert parts[0]["type"] == "start" and parts[-1]["type"] == "finish"
    assert body.rstrip().endswith("data: [DONE]")

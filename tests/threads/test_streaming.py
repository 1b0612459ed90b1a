"""A reader who goes away mid-stream: under a real loopback server pacing its answer like a model,
the upstream connection is closed at once, the partial answer is kept as incomplete, the run ends
incomplete with the usage so far, and the next run on the thread works. A stream dropped before
its first read (the client left while the view ran) ends its run too."""

from __future__ import annotations

import asyncio
import gc
import time

import pytest
from asgiref.sync import sync_to_async
from django.db import OperationalError

from django_openai.models import Assistant, Run, Thread
from django_openai.models.runs import TERMINAL
from django_openai.services._db_threads import stop_shared_threads
from django_openai.services.events import TextDelta
from django_openai.services.runs import open_stream
from django_openai.testing import FakeHTTPServer, FakeOpenAI, Pacing
from django_openai.testing.pytest_plugin import _spec_path

from .conftest import point_alias


class Handle:
    def __init__(self, fake: FakeOpenAI, server: FakeHTTPServer) -> None:
        self.fake = fake
        self.server = server
        self.base_url = server.base_url

    def client_settings(self, **extra):
        return {"API_KEY": "sk-fake-0123456789", "BASE_URL": self.base_url, **extra}


@pytest.fixture
def paced(pytestconfig, backend):
    """A loopback fake of its own (strict mode on) whose answers take 50 words, 100 ms apart."""
    fake = FakeOpenAI(spec_path=_spec_path(pytestconfig))
    fake.pacing = Pacing(first_token_ms=10, token_ms=100, chunks=50)
    server = FakeHTTPServer(fake).start()
    handle = Handle(fake, server)
    try:
        with point_alias(handle, THREAD_BACKEND=backend, MAX_RETRIES=0):
            yield handle
    finally:
        server.stop()
        fake.close()


def wait_until(predicate, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.005)
    raise AssertionError("timed out")


def check_the_cut(thread, run, deltas, backend):
    run.refresh_from_db()
    assert run.status == "incomplete"
    assert run.error == {"code": "disconnected", "message": "The reader went away before the run ended."}
    assert run.usage_estimated and run.output_tokens > 0
    partial = thread.items.get(position=2)
    assert (partial.role, partial.status, partial.run_id) == ("assistant", "incomplete", run.pk)
    assert partial.text == "".join(deltas)
    thread.refresh_from_db()
    assert thread.active_run is None
    if backend == "responses":
        assert thread.remote_conversation_id == "", (
            "the conversation may hold the cut answer: a new one is started"
        )


def the_next_run_works(thread, paced, backend):
    paced.fake.pacing = None
    thread.add_message("Go on")
    run = thread.run()
    assert run.status == "completed"
    assert [(i.role, i.status) for i in thread.items.order_by("position")] == [
        ("user", "completed"),
        ("assistant", "incomplete"),
        ("user", "completed"),
        ("assistant", "completed"),
    ]
    sent = paced.fake.requests[-1].json()
    if backend == "responses":
        # A new conversation, into which the whole log is replayed, the partial answer included.
        assert sent["conversation"] == thread.remote_conversation_id != ""
        assert [m["role"] for m in sent["input"]] == ["user", "assistant", "user"]
    else:
        assert [m["role"] for m in sent["messages"]] == ["system", "user", "assistant", "user"]
    assert sent.get("input", sent.get("messages"))[-2]["content"] == thread.items.get(position=2).text


@pytest.mark.django_db(transaction=True)
def test_closing_the_stream_closes_the_upstream_and_keeps_the_partial_answer(paced, backend):
    assistant = Assistant.objects.create(name="A", slug="a", model="gpt-4.1-mini", instructions="Be brief.")
    thread = Thread.objects.create(assistant=assistant)
    thread.add_message("Tell me a long story")
    deltas: list[str] = []
    stream = thread.run(stream=True)
    with stream:
        for event in stream:
            if isinstance(event, TextDelta):
                deltas.append(event.delta)
                if len(deltas) == 3:
                    open_connections = paced.server.connection_count()
                    break
        closed_at = time.monotonic()
    # The upstream connection is closed at once, while the answer had seconds still to go.
    assert wait_until(lambda: paced.server.connection_count() == open_connections - 1, 1.0) < 0.5
    assert time.monotonic() - closed_at < 1.0
    check_the_cut(thread, stream.run, deltas, backend)
    the_next_run_works(thread, paced, backend)


@pytest.mark.django_db(transaction=True)
async def test_a_cancelled_task_closes_the_upstream_and_keeps_the_partial_answer(paced, backend, async_db):
    @sync_to_async
    def setup():
        assistant = Assistant.objects.create(
            name="A", slug="a", model="gpt-4.1-mini", instructions="Be brief."
        )
        thread = Thread.objects.create(assistant=assistant)
        thread.add_message("Tell me a long story")
        return thread

    thread = await setup()
    deltas: list[str] = []
    three = asyncio.Event()
    open_connections: list[int] = []
    handle = thread.arun(stream=True)

    async def read():
        async with handle as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    deltas.append(event.delta)
                    if len(deltas) == 3:
                        open_connections.append(paced.server.connection_count())
                        three.set()

    task = asyncio.create_task(read())
    await asyncio.wait_for(three.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The streaming connection closes (the sync client that made the conversation keeps its own).
    waited = await asyncio.to_thread(
        wait_until, lambda: paced.server.connection_count() == open_connections[0] - 1, 1.0
    )
    assert waited < 0.5
    await sync_to_async(check_the_cut)(thread, handle.run, deltas[:3], backend)
    await sync_to_async(the_next_run_works)(thread, paced, backend)


def wait_for_end(pk: int, seconds: float = 10.0) -> Run:
    """The run, read anew, once it has ended (it is ended in another thread, from another
    connection, on the job's own Run object: this reads another)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            run = Run.objects.get(pk=pk)
        except OperationalError as exc:  # SQLite's shared cache: the other connection is writing
            assert "locked" in str(exc)
        else:
            if run.status in TERMINAL or time.monotonic() > deadline:
                return run
        time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_a_stream_dropped_before_its_first_read_ends_its_run_and_frees_the_thread(
    openai_fake, backend, asynchronous
):
    # What a server does with the response of a client that left while the view ran.
    with point_alias(openai_fake, THREAD_BACKEND=backend):
        assistant = Assistant.objects.create(name="A", slug="a", model="gpt-4.1-mini")
        thread = Thread.objects.create(assistant=assistant)
        stream = open_stream(thread, asynchronous=asynchronous, message="Hello?")
        assert stream.run is not None and stream.run.status == "in_progress"
        pk = stream.run.pk
        del stream
        gc.collect()
        run = wait_for_end(pk)
        assert (run.status, (run.error or {}).get("code")) == ("incomplete", "disconnected")
        thread.refresh_from_db()
        assert thread.active_run_id is None
        assert [(i.role, i.text) for i in thread.items.order_by("position")] == [("user", "Hello?")]
        assert not any(
            r.path.endswith(("/responses", "/chat/completions")) for r in openai_fake.fake.requests
        ), "no request went out for it"
        thread.add_message("Still there?")
        assert thread.run().status == "completed"


@pytest.mark.django_db(transaction=True)
def test_a_stream_read_or_closed_is_not_ended_again_when_dropped(openai_fake, backend):
    with point_alias(openai_fake, THREAD_BACKEND=backend):
        assistant = Assistant.objects.create(name="A", slug="a", model="gpt-4.1-mini")
        thread = Thread.objects.create(assistant=assistant)
        stream = open_stream(thread, asynchronous=False, message="Hello?")
        run = stream.until_done()
        del stream
        gc.collect()
        stop_shared_threads()  # what was handed to them is done
        run.refresh_from_db()
        assert run.status == "completed" and run.error is None

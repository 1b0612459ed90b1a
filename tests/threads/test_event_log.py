"""The event log: a reader resumes after the last event it saw and follows the new ones live, from
another thread of control (its own database connection, as another process would have)."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.utils import timezone

from django_openai import tasks
from django_openai.models import Assistant, Run, RunEvent, Thread
from django_openai.services.events import RunCompleted, RunStarted, TextDelta, event_from_dict
from django_openai.services.run_log import active_run, follow_run, prune_events
from django_openai.testing import Pacing

from .conftest import point_alias

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def paced_fake(openai_fake, backend):
    openai_fake.fake.pacing = Pacing(first_token_ms=10, token_ms=30, chunks=30)
    with point_alias(openai_fake, THREAD_BACKEND=backend):
        yield openai_fake
    openai_fake.fake.pacing = None


def new_thread():
    assistant = Assistant.objects.create(name="A", slug="a", model="gpt-4.1-mini")
    thread = Thread.objects.create(assistant=assistant)
    thread.add_message("Tell me something")
    return thread


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's shared in-memory test database locks whole tables between connections",
)
def test_a_reader_resumes_after_the_last_event_it_saw_and_follows_live(paced_fake):
    thread = new_thread()
    stream = thread.run(stream=True)
    direct = []
    followed: list = []
    arrivals: list[float] = []
    errors: list[BaseException] = []

    def follow(after: int) -> None:
        try:
            run = active_run(thread.pk)
            assert run is not None and run.pk == stream.run.pk
            for event in follow_run(run, after, poll_interval=0.02):
                followed.append(event)
                arrivals.append(time.monotonic())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    reader = None
    for event in stream:
        direct.append(event)
        if len(direct) == 5:
            # A reader who saw events 1-3 comes back while the run goes on.
            reader = threading.Thread(target=follow, args=(3,))
            reader.start()
    finished = time.monotonic()
    assert reader is not None
    reader.join(10)
    assert not errors
    assert followed == direct[3:], "the same events, from the fourth on, in order"
    assert isinstance(followed[-1], RunCompleted)
    # It followed live: most events reached it before the run ended.
    assert sum(1 for t in arrivals if t < finished) > len(arrivals) // 2
    assert active_run(thread.pk) is None


def test_a_reader_resumes_after_the_last_event_it_saw(paced_fake):
    paced_fake.fake.pacing = None
    thread = new_thread()
    stream = thread.run(stream=True)
    direct = list(stream)
    assert list(follow_run(stream.run, 3)) == direct[3:]
    assert list(follow_run(stream.run, len(direct))) == [], "nothing after the last one"


def test_the_sweeper_deletes_the_logs_of_runs_that_ended_a_while_ago(paced_fake):
    paced_fake.fake.pacing = None
    thread = new_thread()
    first = thread.run(stream=True).until_done()
    thread.add_message("More")
    second = thread.run(stream=True).until_done()
    logged = RunEvent.objects.filter(run=first).count()
    assert logged > 3
    assert prune_events() == 0, "kept for an hour after the end"
    Run.objects.filter(pk=first.pk).update(finished_at=timezone.now() - dt.timedelta(seconds=3601))
    tasks.sweep()
    assert not RunEvent.objects.filter(run=first).exists()
    assert RunEvent.objects.filter(run=second).exists()
    # A reader of the first run now gets its end, made from the run itself.
    (only,) = list(follow_run(first, 2))
    assert isinstance(only, RunCompleted) and only.usage == first.usage and only.sequence == 3


def test_events_round_trip_through_json(paced_fake):
    paced_fake.fake.pacing = None
    thread = new_thread()
    run = thread.run(stream=True).until_done()
    for row in RunEvent.objects.filter(run=run):
        assert event_from_dict(row.data).to_dict() == row.data


def test_a_run_that_is_not_streamed_keeps_no_log(paced_fake):
    paced_fake.fake.pacing = None
    thread = new_thread()
    run = thread.run()
    assert not RunEvent.objects.filter(run=run).exists()
    (only,) = list(follow_run(run))
    assert isinstance(only, RunCompleted)


async def test_an_async_reader_follows_too(paced_fake, async_db):
    thread = await sync_to_async(new_thread)()
    async with thread.arun(stream=True) as events:
        direct = [event async for event in events]
        run = events.run
    followed = [event async for event in run.afollow()]
    assert followed == direct and isinstance(followed[0], RunStarted)
    assert any(isinstance(e, TextDelta) for e in followed)
    assert await asyncio.wait_for(sync_to_async(active_run)(thread.pk), 5) is None


@pytest.mark.django_db
def test_a_long_flush_is_written_in_batches_every_database_takes():
    from django.test.utils import CaptureQueriesContext

    from django_openai.services._run_sql import EVENTS_PER_INSERT
    from django_openai.services.run_log import EventLog

    thread = Thread.objects.create(assistant=Assistant.objects.create(name="A", slug="a", model="m"))
    run = Run.objects.create(thread=thread, status="in_progress", stream=True)
    log = EventLog(run.pk, enabled=True)
    count = EVENTS_PER_INSERT * 2 + 50  # a proxy that released a whole answer at once
    for n in range(1, count + 1):
        log.add(TextDelta(sequence=n, run_id=run.pk, item_id="msg_1", delta=f"w{n} \u00e9\u2603\x00"))
    with CaptureQueriesContext(connection) as queries:
        log.flush()
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 3, "at most EVENTS_PER_INSERT rows (500 parameters) a statement"
    stored = list(RunEvent.objects.filter(run=run).order_by("sequence"))
    assert [e.sequence for e in stored] == list(range(1, count + 1))
    assert stored[-1].type == "text.delta" and stored[-1].created is not None
    # A model's NUL is kept as U+FFFD, as everywhere the app stores text (PostgreSQL refuses it).
    assert event_from_dict(stored[-1].data).delta == f"w{count} \u00e9\u2603\ufffd"


@pytest.mark.django_db
def test_a_reader_that_finds_a_table_locked_reads_again_at_its_next_look(monkeypatch):
    from django.db import OperationalError

    from django_openai.services import run_log

    thread = Thread.objects.create(assistant=Assistant.objects.create(name="A", slug="a", model="m"))
    run = Run.objects.create(thread=thread, status="completed", stream=True)
    log = run_log.EventLog(run.pk, enabled=True)
    log.add(TextDelta(sequence=1, run_id=run.pk, item_id="msg_1", delta="Hi"))
    log.add(RunCompleted(sequence=2, run_id=run.pk))
    log.flush()
    real, calls = run_log._step, []

    def locked_once(run_id, after):
        calls.append(after)
        if len(calls) == 1:
            # What SQLite's shared cache answers a reader while another connection writes the table.
            raise OperationalError("database table is locked: django_openai_run")
        return real(run_id, after)

    monkeypatch.setattr(run_log, "_step", locked_once)
    if connection.vendor != "sqlite":  # only SQLite's lock is waited out; anything else is an error
        with pytest.raises(OperationalError, match="locked"):
            list(follow_run(run, poll_interval=0.01))
        return
    events = list(follow_run(run, poll_interval=0.01))
    assert [e.type for e in events] == ["text.delta", "run.completed"] and calls == [0, 0]
    monkeypatch.setattr(
        run_log, "_step", lambda *a: (_ for _ in ()).throw(OperationalError("disk I/O error"))
    )
    with pytest.raises(OperationalError, match="disk"):
        list(follow_run(run, poll_interval=0.01))

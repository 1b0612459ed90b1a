"""One run at a time per thread: a second gets a clear error and writes nothing; on PostgreSQL two
runs started at the same instant from two connections are serialised by the thread's row lock.
Also: a run cancelled while another reader streams it, and a dead run taken over (by the next run,
the next message, or the sweeper)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from django_openai.models import Assistant, Run, Thread
from django_openai.services.events import RunFailed, TextDelta
from django_openai.services.runs import end_dead_runs
from django_openai.services.threads import ThreadBusy, message_item, new_item_row
from django_openai.tasks import sweep
from django_openai.testing import Pacing

from .conftest import point_alias


def test_a_second_run_while_one_streams_is_refused_and_writes_nothing(fake, thread):
    thread.add_message("First")
    stream = thread.run(stream=True)
    next(stream)  # the first run has begun
    with pytest.raises(ThreadBusy, match=r"has a run in progress \(run \d+\)"):
        thread.run()
    with pytest.raises(ThreadBusy):
        thread.add_message("Interleaved?")
    assert Run.objects.filter(thread=thread).count() == 1
    assert thread.items.count() == 1
    stream.until_done()
    assert stream.run.status == "completed"
    thread.add_message("Second")
    assert thread.run().status == "completed"
    assert [i.role for i in thread.items.order_by("position")] == ["user", "assistant", "user", "assistant"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")
def test_two_runs_started_at_once_are_serialised_by_the_row_lock(openai_fake, backend):
    with point_alias(openai_fake, THREAD_BACKEND=backend):
        assistant = Assistant.objects.create(name="A", slug="a", model="gpt-4.1-mini")
        thread = Thread.objects.create(assistant=assistant)
        thread.add_message("Only one answer, please")
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def start() -> None:
            try:
                mine = Thread.objects.get(pk=thread.pk)  # each its own row, connection and transaction
                barrier.wait()
                outcomes.append(mine.run().status)
            except ThreadBusy:
                outcomes.append("busy")
            finally:
                connections.close_all()

        workers = [threading.Thread(target=start) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        assert sorted(outcomes) == ["busy", "completed"]
        assert Run.objects.filter(thread=thread).count() == 1
        assert [(i.position, i.role) for i in thread.items.order_by("position")] == [
            (1, "user"),
            (2, "assistant"),
        ]


def test_a_run_that_shows_no_sign_of_life_is_taken_over(fake, thread, settings):
    thread.add_message("hello")
    stream = thread.run(stream=True)
    next(stream)
    dead = stream.run
    # Its process died: no write for longer than RUN_STALE_SECONDS.
    Run.objects.filter(pk=dead.pk).update(updated=timezone.now() - dt.timedelta(seconds=601))
    run = thread.run()
    assert run.status == "completed"
    dead.refresh_from_db()
    assert (dead.status, dead.error["code"]) == ("failed", "abandoned")


def a_run_that_died_after_storing_an_answer(thread):
    # A run writes the thread's item count with its round's end: this one died before it.
    thread.add_message("hello")
    dead = Run.objects.create(thread=thread, status="in_progress", stream=True)
    cut = new_item_row(message_item("A cut ans", "assistant"), run=dead, status="incomplete")
    cut.thread, cut.position = thread, 2
    cut.save()
    Thread.objects.filter(pk=thread.pk).update(active_run=dead)
    return dead


def test_a_run_that_died_after_storing_an_answer_it_had_not_counted_is_taken_over(fake, thread):
    dead = a_run_that_died_after_storing_an_answer(thread)
    with pytest.raises(ThreadBusy):
        thread.run()  # it showed life a moment ago
    Run.objects.filter(pk=dead.pk).update(updated=timezone.now() - dt.timedelta(seconds=601))
    run = thread.run()
    assert run.status == "completed", run.error
    thread.refresh_from_db()
    assert [(i.position, i.role) for i in thread.items.order_by("position")] == [
        (1, "user"),
        (2, "assistant"),
        (3, "assistant"),
    ]
    assert (thread.item_count, thread.active_run_id) == (3, None)
    dead.refresh_from_db()
    assert (dead.status, dead.error["code"]) == ("failed", "abandoned")


def test_a_message_to_a_thread_whose_run_died_takes_it_over(fake, thread):
    # The chat views add the user's message first: a dead run must not refuse it for good.
    dead = a_run_that_died_after_storing_an_answer(thread)
    with pytest.raises(ThreadBusy, match=rf"has a run in progress \(run {dead.pk}\)"):
        thread.add_message("Not while it lives")
    Run.objects.filter(pk=dead.pk).update(updated=timezone.now() - dt.timedelta(seconds=601))
    thread.add_message("Are you there?")
    thread.refresh_from_db()
    assert [(i.position, i.role) for i in thread.items.order_by("position")] == [
        (1, "user"),
        (2, "assistant"),
        (3, "user"),
    ], "after the items the dead run stored"
    assert (thread.item_count, thread.active_run_id) == (3, None)
    dead.refresh_from_db()
    assert (dead.status, dead.error["code"]) == ("failed", "abandoned")
    assert thread.run().status == "completed"


def test_a_thread_object_behind_its_row_runs_from_the_row(fake, thread, backend):
    thread.add_message("First")
    assert thread.run().status == "completed"
    behind = Thread.objects.get(pk=thread.pk)  # as another process loaded it, before the next run
    thread.add_message("Second")
    assert thread.run().status == "completed"
    behind.add_message("Third")  # its item count is the row's now; its remote state is not
    run = behind.run()
    assert run.status == "completed", run.error
    assert [(i.position, i.role) for i in thread.items.order_by("position")] == [
        (n, "user" if n % 2 else "assistant") for n in range(1, 7)
    ]
    behind.refresh_from_db()
    assert (behind.item_count, behind.active_run_id) == (6, None)
    if backend == "responses":
        posted = [r.json() for r in fake.requests if r.method == "POST" and r.path.endswith("/responses")]
        # The conversation holds the first two turns: only the new message is sent, into it.
        assert [m["content"][0]["text"] for m in posted[-1]["input"]] == ["Third"]
        assert posted[-1]["conversation"] == posted[0]["conversation"] == behind.remote_conversation_id


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_run_that_another_reader_streams_stops_it(openai_fake, backend, settings):
    settings.DJANGO_OPENAI = {**settings.DJANGO_OPENAI, "THREADS": {"CANCEL_CHECK_SECONDS": 0.1}}
    openai_fake.fake.pacing = Pacing(first_token_ms=10, token_ms=50, chunks=60)
    try:
        with point_alias(openai_fake, THREAD_BACKEND=backend):
            assistant = Assistant.objects.create(name="A", slug="a", model="gpt-4.1-mini")
            thread = Thread.objects.create(assistant=assistant)
            thread.add_message("A long answer")
            seen = []
            with thread.run(stream=True) as events:
                for event in events:
                    seen.append(event)
                    if (
                        isinstance(event, TextDelta)
                        and len([e for e in seen if isinstance(e, TextDelta)]) == 2
                    ):
                        Run.objects.get(pk=events.run.pk).cancel()  # as another process would
            run = events.run
            run.refresh_from_db()
            assert run.status == "cancelled" and run.error["code"] == "cancelled"
            assert isinstance(seen[-1], RunFailed) and seen[-1].status == "cancelled"
            deltas = [e.delta for e in seen if isinstance(e, TextDelta)]
            assert len(deltas) < 20, "it stopped long before the answer's 60 words"
            assert thread.items.get(position=2).status == "incomplete"
            assert thread.items.get(position=2).text == "".join(deltas)
    finally:
        openai_fake.fake.pacing = None


def test_the_sweeper_ends_runs_whose_process_died_and_frees_their_threads(fake, thread, assistant):
    dead = a_run_that_died_after_storing_an_answer(thread)
    Run.objects.filter(pk=dead.pk).update(updated=timezone.now() - dt.timedelta(seconds=601))
    alive_thread = Thread.objects.create(assistant=assistant)
    alive_thread.add_message("hello")
    alive = alive_thread.run(stream=True)
    next(alive)
    remote = Run.objects.create(  # the provider's to end: its poll does
        thread=Thread.objects.create(assistant=assistant),
        status="in_progress",
        background=True,
        backend="responses",
    )
    Run.objects.filter(pk=remote.pk).update(updated=timezone.now() - dt.timedelta(seconds=601))

    assert sweep() == 0, "no mirror row was due"
    dead.refresh_from_db()
    assert (dead.status, dead.error["code"]) == ("failed", "abandoned")
    thread.refresh_from_db()
    assert (thread.item_count, thread.active_run_id) == (2, None), "counted what it stored, and freed"
    assert Run.objects.get(pk=remote.pk).status == "in_progress"
    assert alive.until_done().status == "completed", "a run alive is left alone"
    assert end_dead_runs() == 0, "nothing more to end"
    thread.add_message("Again")
    assert thread.run().status == "completed"

"""Background runs: on the responses backend a mirror of its Response that the existing sweeper
polls (and a webhook makes due), its tools run by the worker that polled; on the chat backend a
Celery task (here eager). Either way followed through the event log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

import django_openai
from django_openai import tasks
from django_openai.models import Assistant, Run, RunEvent, Thread
from django_openai.models.base import model_for_event, remote_kinds, synced_models
from django_openai.services.events import (
    ItemCompleted,
    RunCompleted,
    RunFailed,
    RunStarted,
    TextDelta,
    ToolCallFinished,
)
from django_openai.services.runs import follow_run
from django_openai.signals import run_completed
from django_openai.tools import unregister

from ..webhooks.signing import OLD, post
from .conftest import point_alias

# Committed transactions: the sweeper hands rows to the poll tasks (eager here) once it commits.
pytestmark = pytest.mark.django_db(transaction=True)


def make_due(run):
    Run.objects.filter(pk=run.pk).update(next_poll_at=timezone.now() - dt.timedelta(seconds=1))


@pytest.fixture
def responses_fake(openai_fake):
    with point_alias(openai_fake, THREAD_BACKEND="responses"):
        yield openai_fake


@pytest.fixture
def weather():
    @django_openai.tool
    def get_weather(city: str) -> str:
        return f"sunny in {city}"

    yield get_weather
    unregister("get_weather")


def test_a_run_is_a_kind_the_machinery_knows_without_naming_it():
    assert Run in remote_kinds()
    assert model_for_event("response.completed") is Run
    assert "responses" not in synced_models(), "responses cannot be listed: nothing to import"


def test_a_background_run_is_polled_to_its_end_by_the_sweeper(responses_fake, thread):
    thread.add_message("A long task")
    run = thread.run(background=True)
    assert (run.status, run.background) == ("queued", True)
    assert run.openai_id.startswith("resp_") and run.next_poll_at <= timezone.now()
    sent = responses_fake.requests[-1].json()
    assert (sent["background"], sent["store"], "stream" in sent) == (True, True, False)

    responses_fake.advance(1)
    assert tasks.sweep() == 1
    run.refresh_from_db()
    assert run.status == "in_progress" and thread.items.count() == 1

    received = []
    run_completed.connect(handler := lambda sender, instance, **kw: received.append(instance.pk))
    try:
        responses_fake.advance(3)
        make_due(run)
        assert tasks.sweep() == 1
    finally:
        run_completed.disconnect(handler)
    run.refresh_from_db()
    assert run.status == "completed" and run.next_poll_at is None and run.output_tokens > 0
    assert received == [run.pk]
    assert [(i.role, i.run_id) for i in thread.items.order_by("position")] == [
        ("user", None),
        ("assistant", run.pk),
    ]
    thread.refresh_from_db()
    assert thread.active_run is None and thread.remote_position == 2
    events = list(follow_run(run))
    assert [type(e) for e in events] == [RunStarted, ItemCompleted, RunCompleted]
    assert [e.sequence for e in events] == [1, 2, 3]
    make_due(run)
    assert tasks.sweep() == 1 and Run.objects.get(pk=run.pk).status == "completed", "an ended run stays so"


def test_a_background_round_that_asks_for_tools_is_carried_on_by_the_worker_that_polled_it(
    responses_fake, weather
):
    assistant = Assistant.objects.create(name="W", slug="w", model="gpt-4.1-mini", tools=["get_weather"])
    thread = Thread.objects.create(assistant=assistant)
    thread.add_message('Call get_weather({"city": "Oslo"})')
    run = thread.run(background=True)
    first_response = run.openai_id
    responses_fake.advance(3)
    tasks.sweep()
    run.refresh_from_db()
    # The calls were stored and run, and their outputs went out in a new background response.
    assert run.status == "queued" and run.openai_id != first_response and run.rounds == 2
    assert [i.type for i in thread.items.order_by("position")] == [
        "message",
        "function_call",
        "function_call_output",
    ]
    assert thread.items.get(position=3).text == "sunny in Oslo"
    second = responses_fake.requests[-1].json()
    assert second["background"] and [i["type"] for i in second["input"]] == ["function_call_output"]
    tasks.sweep()  # a second poll of the same state changes nothing
    assert thread.items.count() == 3
    responses_fake.advance(3)
    make_due(run)
    tasks.sweep()
    run.refresh_from_db()
    assert run.status == "completed"
    assert (
        thread.items.order_by("position").last().text
        == "Here is what the tools returned: get_weather returned sunny in Oslo."
    )
    kinds = [type(e) for e in follow_run(run)]
    assert kinds == [RunStarted, ItemCompleted, ItemCompleted, ToolCallFinished, ItemCompleted, RunCompleted]


def test_a_webhook_makes_a_background_run_due(openai_fake, thread, client):
    with override_settings(
        DJANGO_OPENAI={
            "CLIENTS": {"default": openai_fake.client_settings(THREAD_BACKEND="responses")},
            "WEBHOOK_SECRETS": [OLD],
        }
    ):
        thread.add_message("hi")
        run = thread.run(background=True)
        Run.objects.filter(pk=run.pk).update(next_poll_at=timezone.now() + dt.timedelta(hours=1))
        assert post(client, "response.completed", run.openai_id).status_code == 200
    run.refresh_from_db()
    assert run.next_poll_at <= timezone.now()


def test_cancelling_a_background_run(responses_fake, thread):
    thread.add_message("A long task")
    run = thread.run(background=True)
    responses_fake.advance(1)
    run.cancel()
    assert run.status == "cancelled" and run.error["code"] == "cancelled"
    thread.refresh_from_db()
    assert thread.active_run is None
    assert list(follow_run(run))[-1] == RunFailed(
        sequence=2, run_id=run.pk, status="cancelled", error=run.error, usage=run.usage
    )
    thread.add_message("Another")
    assert thread.run().status == "completed"


def test_refresh_polls_a_background_run_now(responses_fake, thread):
    thread.add_message("A long task")
    run = thread.run(background=True)
    responses_fake.advance(5)
    assert run.refresh().status == "completed"
    assert thread.items.count() == 2


@pytest.fixture
def chat_fake(openai_fake):
    with point_alias(openai_fake, THREAD_BACKEND="chat"):
        yield openai_fake


def test_a_background_run_on_the_chat_backend_is_a_celery_task(chat_fake, thread):
    thread.add_message("hi")
    run = thread.run(background=True)  # the task runs (eagerly, here) once the run is committed
    run.refresh_from_db()
    assert run.status == "completed" and run.background and run.openai_id == ""
    events = list(follow_run(run))
    assert type(events[0]) is RunStarted and type(events[-1]) is RunCompleted
    text = "".join(e.delta for e in events if isinstance(e, TextDelta))
    assert text == thread.items.get(position=2).text
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))


def test_streaming_a_background_run_follows_it(chat_fake, thread):
    thread.add_message("hi")
    stream = thread.run(stream=True, background=True)
    with stream as events:
        seen = list(events)
    assert type(seen[-1]) is RunCompleted and stream.run.background


@pytest.mark.django_db  # in a transaction never committed: the task is not sent
def test_a_run_whose_assistant_was_deleted_while_queued_fails_cleanly(chat_fake, thread, assistant):
    thread.add_message("hi")
    run = thread.run(background=True)
    assistant.delete()
    assert tasks.execute_run(run.pk) == "failed"
    run.refresh_from_db()
    assert run.error == {
        "code": "assistant_deleted",
        "message": "The run's assistant was deleted before the run could go on.",
    }
    assert thread.items.count() == 1
    thread.refresh_from_db()
    assert thread.active_run is None
    assert tasks.execute_run(run.pk) == "skipped", "a run that is not queued is not run"


@pytest.mark.django_db  # in a transaction never committed: the task is not sent
def test_a_queued_chat_run_cancelled_before_its_task_never_runs(chat_fake, thread):
    thread.add_message("hi")
    run = thread.run(background=True)
    run.cancel()
    assert run.status == "cancelled"
    assert tasks.execute_run(run.pk) == "skipped"
    assert thread.items.count() == 1 and RunEvent.objects.filter(run=run).last().type == "run.failed"


def test_a_background_run_can_be_resumed_from_the_provider(responses_fake, thread):
    from django_openai.services.runs import follow_remote

    thread.add_message("A long task")
    run = thread.run(background=True)
    responses_fake.advance(1)
    events = list(follow_remote(run))
    assert type(events[0]).__name__ == "ItemStarted" and type(events[-1]) is RunCompleted
    text = "".join(e.delta for e in events if isinstance(e, TextDelta))
    assert text and events[-2].text == text
    # Resumed after the third delta: exactly what came after it, under the provider's numbers.
    third = [e for e in events if isinstance(e, TextDelta)][2]
    assert list(follow_remote(run, starting_after=third.sequence)) == events[events.index(third) + 1 :]
    assert thread.items.count() == 1, "the sweeper stores the items, not the reader"
    with pytest.raises(ValueError, match="Only a background run on the responses backend"):
        list(follow_remote(Run(backend="chat", background=True)))

"""Background runs through a real Celery worker process, Redis and PostgreSQL: a chat run executed
by the worker and followed live from here through the event log; a responses run whose tool round
the worker carries on when it polls."""

from __future__ import annotations

import os

from django.utils import timezone

from django_openai import tasks
from django_openai.models import Assistant, Run, Thread
from django_openai.services.events import RunCompleted, TextDelta
from django_openai.services.run_log import follow_run
from django_openai.testing import Pacing

from ..tasks.test_worker import pytestmark as worker_marks
from ..tasks.test_worker import wait_for, worker_env  # noqa: F401 - the fixture
from . import worker_tools  # noqa: F401 - registers the tool here too
from .conftest import point_alias

pytestmark = worker_marks


def test_a_chat_run_in_the_worker_is_followed_live_from_here(openai_fake, worker_env):  # noqa: F811
    start, _ = worker_env
    start(WORKER_THREAD_BACKEND="chat")
    openai_fake.fake.pacing = Pacing(first_token_ms=10, token_ms=40, chunks=40)
    try:
        with point_alias(openai_fake, THREAD_BACKEND="chat"):
            assistant = Assistant.objects.create(name="A", slug="a", model="gpt-4.1-mini")
            thread = Thread.objects.create(assistant=assistant)
            thread.add_message("Write a paragraph")
            run = thread.run(background=True)
            arrivals = []
            for event in follow_run(run, poll_interval=0.05):
                arrivals.append((event, Run.objects.get(pk=run.pk).status))
    finally:
        openai_fake.fake.pacing = None
    events = [event for event, _ in arrivals]
    assert isinstance(events[-1], RunCompleted)
    deltas = [(e, status) for e, status in arrivals if isinstance(e, TextDelta)]
    assert len(deltas) == 40
    assert sum(status == "in_progress" for _, status in deltas) > 20, (
        "read while the worker was still writing"
    )
    run.refresh_from_db()
    assert run.status == "completed"
    assert thread.items.get(position=2).text == "".join(e.delta for e, _ in deltas)


def test_a_responses_run_with_a_tool_is_carried_on_by_the_worker(openai_fake, worker_env):  # noqa: F811
    start, _ = worker_env
    start(WORKER_THREAD_BACKEND="responses")
    with point_alias(openai_fake, THREAD_BACKEND="responses"):
        assistant = Assistant.objects.create(name="A", slug="a", model="gpt-4.1-mini", tools=["forecast"])
        thread = Thread.objects.create(assistant=assistant)
        thread.add_message('Call forecast({"city": "Bergen"})')
        run = thread.run(background=True)
        first_response = run.openai_id
        # The round with the call: the worker polls it, runs the tool and sends its output.
        openai_fake.advance(3)
        assert tasks.sweep() == 1
        wait_for(
            lambda: Run.objects.filter(pk=run.pk, status="queued").exclude(openai_id=first_response).exists(),
            30,
            "the worker runs the tool and starts the next round",
        )
        # Then the answer.
        openai_fake.advance(3)
        Run.objects.filter(pk=run.pk).update(next_poll_at=timezone.now())
        assert tasks.sweep() == 1
        wait_for(lambda: Run.objects.get(pk=run.pk).status == "completed", 30, "the worker ends the run")
    run.refresh_from_db()
    assert run.rounds == 2
    output = thread.items.get(type="function_call_output")
    assert (
        output.text.startswith("rain in Bergen (pid ")
        and output.text != f"rain in Bergen (pid {os.getpid()})"
    )
    assert (
        thread.items.order_by("position")
        .last()
        .text.startswith("Here is what the tools returned: forecast returned rain")
    )

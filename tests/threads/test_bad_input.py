"""Bad input: each a clear error before anything is written, or a failed run that leaves the thread
whole and usable."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from django_openai.models import Assistant, Run, Thread
from django_openai.services.runs import AliasMismatch, EmptyThread, NoAssistant
from django_openai.services.threads import ThreadArchived
from django_openai.signals import run_failed

from .conftest import point_alias

pytestmark = pytest.mark.django_db


def nothing_written(thread, items=1):
    thread.refresh_from_db()
    assert Run.objects.filter(thread=thread).count() == 0
    assert thread.items.count() == items and thread.active_run is None


@pytest.mark.parametrize(
    ("content", "role", "message"),
    [
        ("   ", "user", "A message needs some text."),
        ("hi", "robot", "role must be one of user, assistant, system, developer, not 'robot'."),
        ([], "user", "content must be a text, or a non-empty list of content parts"),
        ([{"text": "no type"}], "user", "content must be a text, or a non-empty list of content parts"),
    ],
)
def test_a_bad_message_is_refused(thread, content, role, message):
    with pytest.raises(
        ValidationError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")
    ):
        thread.add_message(content, role=role)
    assert thread.items.count() == 0


def test_content_parts_are_kept_as_given(fake, thread, backend):
    thread.add_message([{"type": "input_text", "text": "Describe"}, {"type": "input_text", "text": " this"}])
    run = thread.run()
    assert run.status == "completed"
    assert thread.items.get(position=1).text == "Describe this"


def test_a_thread_without_an_assistant(fake):
    thread = Thread.objects.create()
    thread.add_message("hi")
    with pytest.raises(NoAssistant, match="has no assistant: pass one to run"):
        thread.run()
    nothing_written(thread)


def test_an_empty_thread(fake, thread):
    with pytest.raises(EmptyThread, match="add a message before running it"):
        thread.run()
    nothing_written(thread, items=0)


def test_an_archived_thread(fake, thread):
    thread.add_message("hi")
    Thread.objects.filter(pk=thread.pk).update(archived=True)
    thread.refresh_from_db()
    with pytest.raises(ThreadArchived):
        thread.run()
    with pytest.raises(ThreadArchived):
        thread.add_message("more")
    nothing_written(thread)


def test_a_thread_of_another_alias(fake, thread, openai_fake_inprocess):
    thread.add_message("hi")
    thread.run()
    other = Assistant.objects.create(name="Other", slug="other", model="gpt-4.1-mini", client_alias="local")
    thread.add_message("again")
    with (
        point_alias(openai_fake_inprocess, "local"),
        pytest.raises(AliasMismatch, match="talks to client 'default'"),
    ):
        thread.run(assistant=other)
    assert Run.objects.filter(thread=thread).count() == 1 and thread.items.count() == 3


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"input": "sneaky"}, "input cannot be overridden: the run sets them itself."),
        ({"messages": [], "conversation": "conv_1"}, "conversation, messages cannot be overridden"),
        (
            {"response_format": "no.such.Model"},
            "response_format 'no.such.Model' names no importable pydantic model",
        ),
        ({"response_format": 42}, "response_format must be a JSON schema"),
        ({"tools": [42]}, "Each tool must be a registered function's name or a dict with a 'type', not 42."),
    ],
)
def test_bad_overrides(fake, thread, overrides, message):
    thread.add_message("hi")
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(".", r"\.")):
        thread.run(**overrides)
    nothing_written(thread)


def test_a_request_the_server_refuses_is_a_failed_run_and_the_thread_goes_on(
    fake, thread, backend, django_capture_on_commit_callbacks
):
    thread.add_message("hi")
    failed = []
    run_failed.connect(handler := lambda sender, instance, **kw: failed.append(instance.status))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run = thread.run(temperature=7)  # out of the spec's range: the strict fake refuses it
    finally:
        run_failed.disconnect(handler)
    assert failed == ["failed"]
    assert run.status == "failed"
    assert run.error["code"] and "temperature" in run.error["message"]
    thread.refresh_from_db()
    assert thread.active_run is None and thread.items.count() == 1
    assert thread.run().status == "completed"


def test_an_upstream_error_mid_stream_is_a_failed_run_that_keeps_what_came(fake, thread, backend):
    thread.add_message("hi")
    path = "/responses" if backend == "responses" else "/chat/completions"
    fake.faults.add("POST", path, stream_error_after=6, times=1)
    with thread.run(stream=True) as events:
        last = list(events)[-1]
    assert last.type == "run.failed" and last.status == "failed"
    run = events.run
    assert run.status == "failed"
    partial = thread.items.filter(position=2).first()
    assert partial is not None and partial.status == "incomplete" and partial.text
    thread.add_message("again")
    assert thread.run().status == "completed"

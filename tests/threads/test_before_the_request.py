"""What a run does before its request goes out adds to the time to first token: only what the
request needs is done there (bench/thread_run.py measures it)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_openai.models import Assistant, Run, RunEvent
from django_openai.services.runs import _version

pytestmark = pytest.mark.django_db


def test_the_latest_version_of_the_threads_assistant_is_one_query(thread, django_assert_num_queries):
    thread.assistant.instructions = "Answer in French."
    thread.assistant.save()
    with django_assert_num_queries(1):
        version = _version(thread, None)
        assert version.number == 2 and version.assistant.name == "Helper"


def test_an_assistant_without_a_version_is_still_a_clear_error(thread):
    from django_openai.services.runs import NoAssistant

    Assistant.objects.filter(pk=thread.assistant_id).update(version=0)
    thread.assistant.versions.all().delete()
    with pytest.raises(NoAssistant, match="Assistant Helper has no version: save it first."):
        _version(thread, None)


def test_the_earlier_runs_events_are_deleted_once_the_new_runs_request_is_out(fake, thread):
    thread.add_message("First question")
    thread.run(stream=True).until_done()
    first = Run.objects.get()
    assert RunEvent.objects.filter(run=first).exists()

    thread.add_message("Second question")
    with CaptureQueriesContext(connection) as prepared:
        stream = thread.run(stream=True)  # claimed, its request not yet sent
    assert not [q["sql"] for q in prepared.captured_queries if q["sql"].startswith("DELETE")]
    assert RunEvent.objects.filter(run=first).exists()

    second = stream.until_done()
    assert second.status == "completed"
    assert not RunEvent.objects.filter(run=first).exists()
    assert list(RunEvent.objects.filter(run=second).values_list("sequence", flat=True)) == list(
        range(1, RunEvent.objects.filter(run=second).count() + 1)
    )

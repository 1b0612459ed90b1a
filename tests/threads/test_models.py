"""The models' own rules: versions on behaviour changes only, dense positions, the run's remote id
unique only where it has one."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from django_openai.models import Assistant, Run, Thread
from django_openai.services.threads import clear_items, pop_item, thread_items

pytestmark = pytest.mark.django_db


def test_a_version_for_each_change_of_behaviour_and_none_for_a_rename():
    assistant = Assistant.objects.create(name="A", slug="a", model="gpt-4.1-mini", tools=["x"])
    assert assistant.version == 1
    assistant.name = "Renamed"
    assistant.metadata = {"team": "support"}
    assistant.save()
    assert assistant.versions.count() == 1
    assistant.temperature = 0.3
    assistant.save()
    assistant.save()
    assert [v.number for v in assistant.versions.all()] == [1, 2]
    assert assistant.latest_version.snapshot["temperature"] == 0.3
    assert Assistant.objects.get(pk=assistant.pk).version == 2
    assert assistant.versions.get(number=1).snapshot == {
        "client_alias": "default",
        "model": "gpt-4.1-mini",
        "instructions": "",
        "tools": ["x"],
        "tool_resources": {},
        "response_format": None,
        "temperature": None,
        "top_p": None,
        "max_output_tokens": None,
        "reasoning_effort": "",
        "max_context_tokens": None,
    }


def test_runs_without_a_remote_id_coexist_and_remote_ids_stay_unique(thread):
    Run.objects.create(thread=thread, backend="chat", openai_id="")
    Run.objects.create(thread=thread, backend="chat", openai_id="")
    Run.objects.create(thread=thread, backend="responses", openai_id="resp_1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Run.objects.create(thread=thread, backend="responses", openai_id="resp_1")
    Run.objects.create(thread=thread, backend="responses", openai_id="resp_1", client_alias="azure")


def test_items_keep_dense_positions_through_pops_and_clears(thread):
    thread.add_message("one")
    thread.add_items(
        [
            {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "done"},
        ]
    )
    assert [i.position for i in thread.items.all()] == [1, 2, 3]
    assert thread_items(thread, limit=2) == [
        {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": "done"},
    ]
    Thread.objects.filter(pk=thread.pk).update(remote_position=3, remote_conversation_id="conv_1")
    thread.refresh_from_db()
    assert pop_item(thread) == {"type": "function_call_output", "call_id": "c1", "output": "done"}
    # The conversation held the popped item: the next run starts a new one.
    assert (thread.item_count, thread.remote_conversation_id, thread.remote_position) == (2, "", 0)
    thread.add_message("two")
    assert [i.position for i in thread.items.all()] == [1, 2, 3]
    assert clear_items(thread) == 3
    assert thread_items(thread) == [] and pop_item(thread) is None
    thread.add_message("again")
    assert thread.items.get().position == 1

"""``THREAD_BACKEND``: "auto" asks the server once per alias; conversations where it has them,
else responses chained with ``previous_response_id``."""

from __future__ import annotations

import pytest

from django_openai.models import Thread
from django_openai.services.backends import resolve_backend

from .conftest import point_alias

pytestmark = pytest.mark.django_db


def test_auto_picks_responses_where_the_server_has_it_and_remembers(openai_fake_inprocess, thread):
    with point_alias(openai_fake_inprocess):
        assert resolve_backend("default") == "responses"
        assert resolve_backend("default") == "responses"
        probes = [r for r in openai_fake_inprocess.requests if r.path.endswith("/responses")]
        assert len(probes) == 1 and probes[0].json() == {}, "one free probe (an empty body answered 400)"
        asked = [r for r in openai_fake_inprocess.requests if r.path.endswith("/conversations")]
        assert [r.json() for r in asked] == [{"items": 0}], "one probe of /conversations, refused"
        thread.add_message("hi")
        assert thread.run().backend == "responses"


def test_auto_falls_back_to_chat_where_there_is_no_responses_endpoint(openai_fake_inprocess, thread):
    openai_fake_inprocess.faults.add("POST", "/responses", status=404)
    with point_alias(openai_fake_inprocess):
        thread.add_message("hi")
        run = thread.run()
        assert (run.backend, run.status) == ("chat", "completed")
        thread.refresh_from_db()
        assert thread.backend == "chat"
        thread.add_message("again")
        assert thread.run().status == "completed"
    assert sum(r.path.endswith("/responses") for r in openai_fake_inprocess.requests) == 1


def test_auto_picks_chat_where_responses_keep_no_state(openai_fake_inprocess, thread):
    """A server with ``/responses`` but no ``/conversations`` (llama.cpp's) keeps nothing between
    responses: its threads replay on chat completions."""
    openai_fake_inprocess.faults.add("POST", "/conversations", status=404)
    with point_alias(openai_fake_inprocess):
        assert resolve_backend("default") == "chat"
        thread.add_message("hi")
        run = thread.run()
        thread.add_message("again")
        second = thread.run()
    assert (run.backend, run.status, second.status) == ("chat", "completed", "completed")
    sent = [r.path for r in openai_fake_inprocess.requests]
    assert sent == ["/v1/responses", "/v1/conversations", "/v1/chat/completions", "/v1/chat/completions"]


def test_without_conversations_responses_are_chained(openai_fake_inprocess, thread):
    openai_fake_inprocess.faults.add("POST", "/conversations", status=404)
    with point_alias(openai_fake_inprocess, THREAD_BACKEND="responses"):
        thread.add_message("What is Django?")
        first = thread.run()
        thread.add_message("And Flask?")
        second = thread.run()
    assert second.status == "completed"
    sent = [r.json() for r in openai_fake_inprocess.requests if r.path.endswith("/responses")]
    assert "conversation" not in sent[0] and "previous_response_id" not in sent[0]
    assert sent[1]["previous_response_id"] == first.openai_id
    assert [m["content"][0]["text"] for m in sent[1]["input"]] == ["And Flask?"]
    thread.refresh_from_db()
    assert thread.remote_conversation_id == "" and thread.last_response_id == second.openai_id


def test_a_bad_thread_backend_setting_is_a_system_check_error(settings):
    from django_openai.checks import check_settings

    settings.DJANGO_OPENAI = {"CLIENTS": {"default": {"API_KEY": "sk-x", "THREAD_BACKEND": "assistants"}}}
    errors = check_settings()
    assert [(e.id, e.msg) for e in errors] == [
        (
            "django_openai.E011",
            "DJANGO_OPENAI['CLIENTS']['default']['THREAD_BACKEND'] is 'assistants', which is not a thread backend.",
        )
    ]


def test_an_explicit_backend_is_not_probed(openai_fake_inprocess):
    with point_alias(openai_fake_inprocess, THREAD_BACKEND="chat"):
        assert resolve_backend("default") == "chat"
    assert openai_fake_inprocess.requests == []
    assert Thread.objects.count() == 0


def test_a_chain_goes_on_from_the_last_completed_response(openai_fake_inprocess, thread):
    """An answer cut by its token limit is not chained from: the next run sends it again."""
    openai_fake_inprocess.faults.add("POST", "/conversations", status=404)
    cut = {
        "id": "resp_cut",
        "object": "response",
        "created_at": 1,
        "status": "incomplete",
        "incomplete_details": {"reason": "max_output_tokens"},
        "model": "gpt-4.1-mini",
        "output": [],
        "usage": {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5},
    }
    message = {"type": "message", "id": "msg_cut", "role": "assistant", "status": "incomplete"}
    text = {"type": "output_text", "text": "Half an", "annotations": []}
    events = [
        {"type": "response.created", "sequence_number": 0, "response": {**cut, "status": "in_progress"}},
        {
            "type": "response.output_item.added",
            "sequence_number": 1,
            "output_index": 0,
            "item": {**message, "content": []},
        },
        {
            "type": "response.output_text.delta",
            "sequence_number": 2,
            "output_index": 0,
            "content_index": 0,
            "item_id": "msg_cut",
            "delta": "Half an",
        },
        {
            "type": "response.output_item.done",
            "sequence_number": 3,
            "output_index": 0,
            "item": {**message, "content": [text]},
        },
        {
            "type": "response.incomplete",
            "sequence_number": 4,
            "response": {**cut, "output": [{**message, "content": [text]}]},
        },
    ]
    openai_fake_inprocess.faults.add(
        "POST", "/responses", stream=[(e["type"], e) for e in events], stream_done=False, times=1
    )
    with point_alias(openai_fake_inprocess, THREAD_BACKEND="responses"):
        thread.add_message("Explain it all")
        first = thread.run()
        assert (first.status, first.error["code"]) == ("incomplete", "incomplete")
        assert thread.items.get(position=2).status == "incomplete"
        thread.add_message("Go on")
        second = thread.run()
    assert second.status == "completed"
    sent = openai_fake_inprocess.requests[-1].json()
    assert "previous_response_id" not in sent
    assert [
        (i["role"], i["content"] if isinstance(i["content"], str) else i["content"][0]["text"])
        for i in sent["input"]
    ] == [
        ("user", "Explain it all"),
        ("assistant", "Half an"),
        ("user", "Go on"),
    ]

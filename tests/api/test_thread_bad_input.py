"""Bad input to threads, items and runs: a 400 or 409 that names the problem, and nothing half
created (no run, no item, no request to the model)."""

from __future__ import annotations

import json

import pytest

from django_openai.models import Assistant, Run, Thread, ThreadItem

from .conftest import API

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def thread(users, openai_fake, use_openai_fake):
    use_openai_fake("default", THREAD_BACKEND="chat")
    helper = Assistant.objects.create(name="Helper", slug="helper", model="gpt-4.1-mini")
    thread = Thread.objects.create(owner=users["a"], assistant=helper)
    thread.add_message("Hello")
    yield thread
    # Whatever the request, the model was never asked.
    assert openai_fake.fake.requests == []


def nothing_created(thread, runs=0, items=1):
    assert Run.objects.filter(thread=thread).count() == runs
    assert ThreadItem.objects.filter(thread=thread).count() == items
    assert Thread.objects.get(pk=thread.pk).item_count == items


def runs_of(thread):
    return API + f"threads/{thread.pk}/runs/"


def test_malformed_json(alice, thread):
    response = alice.post(runs_of(thread), data='{"stream": ', content_type="application/json")
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]
    nothing_created(thread)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"colour": "red"}, "colour", "unknown field; this endpoint takes assistant, overrides"),
        ({"overrides": ["model"]}, "overrides", "must be a JSON object"),
        ({"background": "maybe"}, "background", "Must be a valid boolean"),
        ({"assistant": "nobody"}, "assistant", "no assistant 'nobody'"),
        ({"protocol": "xml"}, "protocol", "not a valid choice"),
        ({"overrides": {"input": "Hi"}}, "detail", "input cannot be overridden"),
        ({"overrides": {"tools": ["nobody_registered_me"]}}, "detail", "nobody_registered_me"),
        ({"overrides": {"response_format": "no.such.Model"}}, "detail", "names no importable pydantic model"),
    ],
)
def test_bad_run_input(alice, thread, body, field, words):
    response = alice.post(runs_of(thread), body, format="json")
    assert response.status_code == 400, response.content
    assert words in json.dumps(response.json()[field]), response.json()
    nothing_created(thread)


def test_a_stream_needs_accept_event_stream(alice, thread):
    response = alice.post(runs_of(thread), {"stream": True}, format="json", HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "send Accept: text/event-stream" in response.json()["stream"][0]
    nothing_created(thread)


def test_a_run_on_an_archived_thread(alice, thread):
    assert alice.patch(API + f"threads/{thread.pk}/", {"archived": True}, format="json").status_code == 200
    for body in ({}, {"stream": True}):
        response = alice.post(runs_of(thread), body, format="json", HTTP_ACCEPT="text/event-stream")
        assert response.status_code == 400, response.content
        assert response["Content-Type"] == "application/json", "an error is JSON, even to a stream request"
        assert "is archived" in response.json()["detail"]
    message = alice.post(API + f"threads/{thread.pk}/items/", {"content": "Hi"}, format="json")
    assert message.status_code == 400 and "is archived" in message.json()["detail"]
    nothing_created(thread)


def test_a_run_while_another_is_active(alice, users, thread):
    active = Run.objects.create(thread=thread, owner=users["a"], status="in_progress", backend="chat")
    Thread.objects.filter(pk=thread.pk).update(active_run=active)
    response = alice.post(runs_of(thread), {}, format="json")
    assert (
        response.status_code == 409
        and f"has a run in progress (run {active.pk})" in response.json()["detail"]
    )
    message = alice.post(API + f"threads/{thread.pk}/items/", {"content": "Hi"}, format="json")
    assert message.status_code == 409
    nothing_created(thread, runs=1)


def test_a_run_with_nothing_to_answer_or_no_assistant(alice, users, thread):
    empty = Thread.objects.create(owner=users["a"], assistant=thread.assistant)
    response = alice.post(runs_of(empty), {}, format="json")
    assert response.status_code == 400 and "add a message before running it" in response.json()["detail"]
    bare = Thread.objects.create(owner=users["a"])
    bare.add_message("Hi")
    response = alice.post(runs_of(bare), {}, format="json")
    assert response.status_code == 400 and "has no assistant" in response.json()["detail"]
    assert not Run.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"content": "   "}, "detail", "A message needs some text"),
        ({"content": 5}, "content", "must be a text or a list of content parts"),
        ({"content": [{"text": "no type"}]}, "detail", "content must be a text, or a non-empty list"),
        ({"content": "Hi", "role": "robot"}, "role", "not a valid choice"),
        ({"content": "Hi", "position": 1}, "position", "unknown field"),
        ({}, "content", "This field is required"),
    ],
)
def test_bad_messages(alice, thread, body, field, words):
    response = alice.post(API + f"threads/{thread.pk}/items/", body, format="json")
    assert response.status_code == 400, response.content
    assert words in json.dumps(response.json()[field]), response.json()
    nothing_created(thread)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"backend": "assistants"}, "backend", "not a valid choice"),
        ({"assistant": "nobody"}, "assistant", "no assistant 'nobody'"),
        ({"metadata": "x"}, "metadata", "not valid JSON"),
        ({"owner": 1}, "owner", "unknown field"),
    ],
)
def test_bad_threads(alice, thread, body, field, words):
    response = alice.post(API + "threads/", body, format="json")
    assert response.status_code == 400 and words in json.dumps(response.json()[field]), response.content
    response = alice.patch(API + f"threads/{thread.pk}/", body, format="json")
    if field != "backend":  # the backend is fixed by the first run: not a field of a change
        assert response.status_code == 400 and words in json.dumps(response.json()[field])
    assert Thread.objects.count() == 1


@pytest.mark.parametrize(("params", "key"), [({"order": "sideways"}, "order"), ({"after": "x"}, "after")])
def test_bad_item_list_parameters(alice, thread, params, key):
    response = alice.get(API + f"threads/{thread.pk}/items/", params)
    assert response.status_code == 400 and key in response.json()


@pytest.mark.parametrize("number", ["²", "¹²"])  # digits to str.isdigit(), but not to int()
def test_a_superscript_number_is_a_400_not_a_500(alice, staff, thread, number):
    for path in ["threads/", f"threads/{thread.pk}/items/", f"threads/{thread.pk}/runs/", "uploads/"]:
        response = alice.get(API + path, {"after": number})
        assert response.status_code == 400 and "after" in response.json(), (path, response.content)
    versions = staff.get(API + "assistants/helper/versions/", {"after": number})
    assert versions.status_code == 400 and "after" in versions.json()
    for body in [{"assistant": number}]:
        created = alice.post(API + "threads/", body, format="json")
        assert created.status_code == 400 and "no assistant" in json.dumps(created.json()["assistant"])
        run = alice.post(runs_of(thread), body, format="json")
        assert run.status_code == 400 and "no assistant" in json.dumps(run.json()["assistant"])
    nothing_created(thread)

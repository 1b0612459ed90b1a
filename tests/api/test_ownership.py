"""Every endpoint: another user's object is a 404 (never a 403), anonymous requests are refused."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from django_openai.api import urls as api_urls
from django_openai.models import Assistant, Run, Thread

from .conftest import API

pytestmark = pytest.mark.django_db

#: URL name -> (method, path) on one of Alice's objects.
OBJECT_ENDPOINTS = {
    "file-detail": [("get", "files/file-alice/"), ("delete", "files/file-alice/")],
    "file-content": [("get", "files/file-alice/content/")],
    "upload-detail": [("get", "uploads/{upload}/")],
    "upload-resume": [("post", "uploads/{upload}/resume/")],
    "batch-detail": [("get", "batches/batch_alice/")],
    "batch-cancel": [("post", "batches/batch_alice/cancel/")],
    "batch-items": [("get", "batches/batch_alice/items/")],
    "batch-results-jsonl": [("get", "batches/batch_alice/results.jsonl")],
    "batch-results-csv": [("get", "batches/batch_alice/results.csv")],
    "job-detail": [("get", "fine-tuning/jobs/ftjob-alice/")],
    "job-cancel": [("post", "fine-tuning/jobs/ftjob-alice/cancel/")],
    "job-pause": [("post", "fine-tuning/jobs/ftjob-alice/pause/")],
    "job-resume": [("post", "fine-tuning/jobs/ftjob-alice/resume/")],
    "job-events": [("get", "fine-tuning/jobs/ftjob-alice/events/")],
    "job-checkpoints": [("get", "fine-tuning/jobs/ftjob-alice/checkpoints/")],
    "thread-detail": [
        ("get", "threads/{thread}/"),
        ("patch", "threads/{thread}/"),
        ("delete", "threads/{thread}/"),
    ],
    "thread-items": [("get", "threads/{thread}/items/"), ("post", "threads/{thread}/items/")],
    "run-list": [("get", "threads/{thread}/runs/"), ("post", "threads/{thread}/runs/")],
    "run-detail": [("get", "threads/{thread}/runs/{run}/")],
    "run-cancel": [("post", "threads/{thread}/runs/{run}/cancel/")],
}
#: The assistants: staff only by default; opened to users, each reaches only their own.
ASSISTANT_ENDPOINTS = {
    "assistant-detail": [
        ("get", "assistants/alice-helper/"),
        ("patch", "assistants/alice-helper/"),
        ("delete", "assistants/alice-helper/"),
    ],
    "assistant-versions": [("get", "assistants/alice-helper/versions/")],
}
#: URL name -> (method, path, body) of the lists and creations.
LIST_ENDPOINTS = {
    "file-list": [("get", "files/", None), ("post", "files/", {"purpose": "batch"})],
    "upload-list": [("get", "uploads/", None)],
    "batch-list": [
        ("get", "batches/", None),
        ("post", "batches/", {"endpoint": "/v1/chat/completions", "input_file_id": "file-alice"}),
    ],
    "job-list": [
        ("get", "fine-tuning/jobs/", None),
        ("post", "fine-tuning/jobs/", {"training_file": "file-alice", "model": "gpt-4.1-mini"}),
    ],
    "assistant-list": [
        ("get", "assistants/", None),
        ("post", "assistants/", {"name": "X", "slug": "x", "model": "gpt-4.1-mini"}),
    ],
    "thread-list": [("get", "threads/", None), ("post", "threads/", {"title": "Mine"})],
}


def test_the_tables_cover_every_endpoint():
    names = {p.name for p in api_urls.urlpatterns}
    assert names == set(OBJECT_ENDPOINTS) | set(LIST_ENDPOINTS) | set(ASSISTANT_ENDPOINTS)
    assert reverse("django_openai_api:batch-list") == API + "batches/"  # mounted in the test project


def cases(table):
    return [(name, *case) for name, endpoint_cases in table.items() for case in endpoint_cases]


def url(path, rows):
    return API + path.format(upload=rows["upload"].pk, thread=rows["thread"].pk, run=rows["run"].pk)


def unchanged(rows):
    """Nothing of Alice's was touched by the refused request."""
    thread = Thread.objects.get(pk=rows["thread"].pk)
    assert (thread.title, thread.archived, thread.item_count) == ("Alice's thread", False, 1)
    assert Run.objects.filter(thread=thread).count() == 1
    assert Run.objects.get(pk=rows["run"].pk).status == "completed"
    assert Assistant.objects.get(slug="alice-helper").version == 1


@pytest.mark.parametrize(("name", "method", "path"), cases(OBJECT_ENDPOINTS))
def test_another_users_object_is_not_found(bob, owned_rows, name, method, path):
    response = getattr(bob, method)(url(path, owned_rows), {"title": "Bob's now"}, format="json")
    assert response.status_code == 404, (name, response.status_code)
    unchanged(owned_rows)


@pytest.mark.parametrize(("name", "method", "path"), cases(OBJECT_ENDPOINTS))
def test_anonymous_requests_are_refused(anonymous, owned_rows, name, method, path):
    response = getattr(anonymous, method)(url(path, owned_rows), format="json")
    assert response.status_code in (401, 403), (name, response.status_code)
    unchanged(owned_rows)


@pytest.mark.parametrize(("name", "method", "path"), cases(ASSISTANT_ENDPOINTS))
def test_assistants_are_staff_only_by_default(bob, alice, anonymous, staff, owned_rows, name, method, path):
    for client in (alice, bob, anonymous):
        response = getattr(client, method)(API + path, {"name": "Taken"}, format="json")
        assert response.status_code in (401, 403), (name, response.status_code)
    unchanged(owned_rows)
    assert staff.get(API + "assistants/alice-helper/").status_code == 200


@pytest.mark.parametrize(("name", "method", "path"), cases(ASSISTANT_ENDPOINTS))
def test_assistants_opened_to_users_are_each_ones_own(bob, anonymous, owned_rows, name, method, path):
    api = {
        **settings.DJANGO_OPENAI.get("API", {}),
        "ASSISTANT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    }
    with override_settings(DJANGO_OPENAI={**settings.DJANGO_OPENAI, "API": api}):
        response = getattr(bob, method)(API + path, {"name": "Taken"}, format="json")
        assert response.status_code == 404, (name, response.status_code)
        response = getattr(anonymous, method)(API + path, {"name": "Taken"}, format="json")
        assert response.status_code in (401, 403), (name, response.status_code)
    unchanged(owned_rows)


@pytest.mark.parametrize(("name", "method", "path", "body"), cases(LIST_ENDPOINTS))
def test_anonymous_requests_to_lists_are_refused(anonymous, owned_rows, name, method, path, body):
    response = getattr(anonymous, method)(API + path, body, format="json")
    assert response.status_code in (401, 403), (name, response.status_code)


@pytest.mark.parametrize("path", ["files/", "uploads/", "batches/", "fine-tuning/jobs/", "threads/"])
def test_lists_hold_only_ones_own_objects_and_staff_see_all(alice, bob, staff, owned_rows, path):
    assert len(alice.get(API + path).json()["data"]) == 1
    assert bob.get(API + path).json()["data"] == []
    assert len(staff.get(API + path).json()["data"]) == 1


def test_another_users_file_cannot_be_named_in_a_creation(bob, owned_rows):
    response = bob.post(
        API + "batches/", {"endpoint": "/v1/chat/completions", "input_file_id": "file-alice"}, format="json"
    )
    assert (
        response.status_code == 400 and "no file 'file-alice' of yours" in response.json()["input_file_id"][0]
    )
    response = bob.post(
        API + "fine-tuning/jobs/", {"training_file": "file-alice", "model": "gpt-4.1-mini"}, format="json"
    )
    assert response.status_code == 400 and "no file 'file-alice' of yours" in str(response.json())


def test_staff_reach_every_object(staff, owned_rows):
    assert staff.get(API + "batches/batch_alice/").status_code == 200
    assert staff.get(API + "batches/batch_alice/items/").json()["data"][0]["custom_id"] == "q-1"


def test_staff_reach_every_thread_and_its_runs(staff, owned_rows):
    thread, run = owned_rows["thread"], owned_rows["run"]
    assert staff.get(API + f"threads/{thread.pk}/items/").json()["data"][0]["text"] == "Hi"
    assert staff.get(API + f"threads/{thread.pk}/runs/{run.pk}/").json()["status"] == "completed"


def test_another_users_thread_is_not_found_through_a_run_of_ones_own(alice, bob, users, owned_rows):
    """A run id is looked for within the thread in the URL: Bob's thread with Alice's run id is a 404."""
    mine = Thread.objects.create(owner=users["b"])
    response = bob.get(API + f"threads/{mine.pk}/runs/{owned_rows['run'].pk}/")
    assert response.status_code == 404


def test_another_users_assistant_is_unknown_to_a_thread_or_a_run(bob, owned_rows):
    """A user's own assistant is private: named by another user it is as unknown as a missing one
    (the same 400, whatever the slug), for a new thread, a changed thread and a run."""
    missing = bob.post(API + "threads/", {"assistant": "no-such-assistant"}, format="json")
    taken = bob.post(API + "threads/", {"assistant": "alice-helper"}, format="json")
    assert missing.status_code == taken.status_code == 400
    assert taken.json()["assistant"] == ["no assistant 'alice-helper' (give its slug or its id)."]
    assert missing.json()["assistant"] == ["no assistant 'no-such-assistant' (give its slug or its id)."]
    by_id = bob.post(API + "threads/", {"assistant": str(owned_rows["assistant"].pk)}, format="json")
    assert by_id.status_code == 400
    assert not Thread.objects.filter(owner__username="bob").exists()

    shared = Assistant.objects.create(name="Shared", slug="shared-helper", model="gpt-4.1-mini")
    created = bob.post(API + "threads/", {"assistant": shared.slug}, format="json")
    assert created.status_code == 201 and created.json()["assistant"] == "shared-helper"
    thread_url = API + f"threads/{created.json()['id']}/"
    assert bob.patch(thread_url, {"assistant": "alice-helper"}, format="json").status_code == 400
    run = bob.post(thread_url + "runs/", {"assistant": "alice-helper"}, format="json")
    assert run.status_code == 400 and "assistant" in run.json()

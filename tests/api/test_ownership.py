"""Every endpoint: another user's object is a 404 (never a 403), anonymous requests are refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from django_openai.api import urls as api_urls

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
}


def test_the_tables_cover_every_endpoint():
    names = {p.name for p in api_urls.urlpatterns}
    assert names == set(OBJECT_ENDPOINTS) | set(LIST_ENDPOINTS)
    assert reverse("django_openai_api:batch-list") == API + "batches/"  # mounted in the test project


def cases(table):
    return [(name, *case) for name, endpoint_cases in table.items() for case in endpoint_cases]


@pytest.mark.parametrize(("name", "method", "path"), cases(OBJECT_ENDPOINTS))
def test_another_users_object_is_not_found(bob, owned_rows, name, method, path):
    response = getattr(bob, method)(API + path.format(upload=owned_rows["upload"].pk), format="json")
    assert response.status_code == 404, (name, response.status_code)


@pytest.mark.parametrize(("name", "method", "path"), cases(OBJECT_ENDPOINTS))
def test_anonymous_requests_are_refused(anonymous, owned_rows, name, method, path):
    response = getattr(anonymous, method)(API + path.format(upload=owned_rows["upload"].pk), format="json")
    assert response.status_code in (401, 403), (name, response.status_code)


@pytest.mark.parametrize(("name", "method", "path", "body"), cases(LIST_ENDPOINTS))
def test_anonymous_requests_to_lists_are_refused(anonymous, owned_rows, name, method, path, body):
    response = getattr(anonymous, method)(API + path, body, format="json")
    assert response.status_code in (401, 403), (name, response.status_code)


@pytest.mark.parametrize("path", ["files/", "uploads/", "batches/", "fine-tuning/jobs/"])
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

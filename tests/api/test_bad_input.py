"""Bad input: a 400 that names the problem, and nothing half created (remotely or here)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from django_openai.models import Batch, File, FineTuningJob

from ..models.test_services import requests
from .conftest import API

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = "/v1/chat/completions"


@pytest.fixture
def fake(use_openai_fake):
    fake = use_openai_fake()
    yield fake
    # Whatever the request, nothing was left behind.
    assert fake.fake.batches == {} and fake.fake.jobs == {}


def nothing_created(fake):
    assert fake.fake.files == {} and not File.objects.exists() and not Batch.objects.exists()


def test_malformed_json(alice, fake):
    response = alice.post(API + "batches/", data='{"endpoint": ', content_type="application/json")
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]
    nothing_created(fake)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"endpoint": CHAT, "requests": [], "colour": "red"}, "colour", "unknown field"),
        ({"endpoint": "/v1/images", "requests": list(requests(1))}, "endpoint", "is not a valid choice"),
        ({"endpoint": CHAT, "requests": "not a list"}, "requests", "list"),
        (
            {"endpoint": CHAT, "requests": list(requests(1)), "metadata": ["x"]},
            "metadata",
            "must be a JSON object",
        ),
        (
            {"endpoint": CHAT, "requests": list(requests(1)), "completion_window": "1h"},
            "completion_window",
            "not a valid choice",
        ),
        ({"endpoint": CHAT}, "non_field_errors", "exactly one of requests, file and input_file_id"),
        (
            {"endpoint": CHAT, "requests": list(requests(1)), "input_file_id": "file-x"},
            "non_field_errors",
            "given: requests, input_file_id",
        ),
    ],
)
def test_batch_fields(alice, fake, body, field, words):
    response = alice.post(API + "batches/", body, format="json")
    assert response.status_code == 400, response.content
    assert words in json.dumps(response.json()[field])
    nothing_created(fake)


@pytest.mark.parametrize(
    ("reqs", "words"),
    [
        (
            [{"custom_id": "a", "body": {"model": "m"}}, {"custom_id": "a", "body": {"model": "m"}}],
            "line 2: custom_id 'a' is used twice",
        ),
        ([{"body": {"model": "m"}}], "line 1: custom_id is missing"),
        ([{"custom_id": "a", "body": {}}], "line 1: body has no model"),
        ([{"custom_id": "a", "body": {"model": "m"}}, "text"], "line 2: a request must be a dict"),
        ([], "a batch needs at least one request"),
    ],
)
def test_batch_requests_name_the_bad_line(alice, fake, reqs, words):
    response = alice.post(API + "batches/", {"endpoint": CHAT, "requests": reqs}, format="json")
    assert response.status_code == 400 and words in response.json()["detail"], response.content
    nothing_created(fake)


def test_a_jsonl_with_a_bad_line_names_it(alice, fake):
    content = b'{"custom_id": "a", "body": {"model": "m"}}\n\n{"custom_id": "b", "body": \n'
    response = alice.post(
        API + "batches/",
        {"endpoint": CHAT, "file": SimpleUploadedFile("in.jsonl", content)},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["detail"] == "line 3: not valid JSON"
    nothing_created(fake)


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("files/", {"purpose": "batch"}),
        ("batches/", {"endpoint": "/v1/chat/completions"}),  # a JSONL of requests
    ],
)
def test_a_file_over_the_size_limit(alice, fake, path, form):
    api = {**settings.DJANGO_OPENAI.get("API", {}), "MAX_UPLOAD_BYTES": 10}
    with override_settings(DJANGO_OPENAI={**settings.DJANGO_OPENAI, "API": api}):
        response = alice.post(
            API + path,
            {"file": SimpleUploadedFile("x.jsonl", b"0123456789A"), **form},
            format="multipart",
        )
    assert response.status_code == 400
    assert response.json()["file"] == [
        "the file is 11 bytes; the limit is 10 (DJANGO_OPENAI['API']['MAX_UPLOAD_BYTES'])."
    ]
    nothing_created(fake)


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        ({"purpose": "batch"}, "file", "No file was submitted"),
        ({"file": b"x", "purpose": "homework"}, "purpose", "not a valid choice"),
        ({"file": b"x", "purpose": "batch", "expires": "1"}, "expires", "unknown field"),
    ],
)
def test_file_form(alice, fake, form, field, words):
    data = {k: SimpleUploadedFile("x.jsonl", v) if k == "file" else v for k, v in form.items()}
    response = alice.post(API + "files/", data, format="multipart")
    assert response.status_code == 400 and words in json.dumps(response.json()[field]), response.content
    nothing_created(fake)


def test_the_remote_refusal_is_a_400_with_its_message(alice, fake):
    response = alice.post(
        API + "files/", {"file": SimpleUploadedFile("in.txt", b"x"), "purpose": "batch"}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith(
        "The OpenAI API refused the request: Invalid file format for Batch API"
    )
    nothing_created(fake)


def test_fine_tuning_wrong_types_and_wrong_purpose(alice, users, fake):
    File.objects.create(openai_id="file-b", purpose="batch", owner=users["a"])
    response = alice.post(
        API + "fine-tuning/jobs/", {"training_file": "file-b", "model": 5, "seed": "x"}, format="json"
    )
    assert response.status_code == 400 and "seed" in response.json()
    response = alice.post(
        API + "fine-tuning/jobs/", {"training_file": "file-b", "model": "gpt-4.1-mini"}, format="json"
    )
    assert response.status_code == 400 and "fine-tuning needs 'fine-tune'" in response.json()["detail"]
    File.objects.create(openai_id="file-t", purpose="fine-tune", owner=users["a"])
    response = alice.post(
        API + "fine-tuning/jobs/",
        {"training_file": "file-t", "model": "gpt-4.1-mini", "epochs": 3},
        format="json",
    )
    assert response.status_code == 400 and "unknown field" in response.json()["epochs"]
    assert not FineTuningJob.objects.exists() and not fake.fake.jobs


@pytest.mark.parametrize(
    ("params", "key"),
    [({"limit": "0"}, "limit"), ({"limit": "x"}, "limit"), ({"after": "batch_nope"}, "after")],
)
def test_bad_list_parameters(alice, params, key):
    response = alice.get(API + "batches/", params)
    assert response.status_code == 400 and key in response.json()


def test_a_bad_items_status(alice, users):
    Batch.objects.create(openai_id="batch_1", endpoint=CHAT, owner=users["a"])
    response = alice.get(API + "batches/batch_1/items/", {"status": "lost"})
    assert response.status_code == 400 and "status must be succeeded, failed" in response.json()["status"][0]


def test_superscript_digits_in_a_batchs_items_are_a_400(alice, users):
    """ "²" is a digit to str.isdigit() but no number to int()."""
    Batch.objects.create(openai_id="batch_1", endpoint=CHAT, owner=users["a"])
    response = alice.get(API + "batches/batch_1/items/", {"status": "²"})
    assert response.status_code == 400 and "status must be succeeded, failed" in response.json()["status"][0]
    response = alice.get(API + "batches/batch_1/items/", {"after": "²"})
    assert response.status_code == 400 and "after" in response.json()


def test_an_unreachable_api_is_a_502_without_the_key(alice, users, settings):
    settings.DJANGO_OPENAI = {
        "CLIENTS": {
            "default": {
                "API_KEY": "sk-secret-0123456789",
                "BASE_URL": "http://127.0.0.1:9/v1",
                "MAX_RETRIES": 0,
            }
        }
    }
    Batch.objects.create(openai_id="batch_1", endpoint=CHAT, owner=users["a"])
    response = alice.post(API + "batches/batch_1/cancel/")
    assert response.status_code == 502 and "could not be reached" in response.json()["detail"]
    assert b"sk-secret" not in response.content

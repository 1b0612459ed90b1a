"""Every page of the example project answers bad input with a message, never a 500."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from django_openai.models import Batch

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("example_project.urls")]


@pytest.mark.parametrize(
    ("count", "message"),
    [
        ("", "This field is required."),
        ("0", "Ensure this value is greater than or equal to 1."),
        ("-3", "Ensure this value is greater than or equal to 1."),
        ("1001", "Ensure this value is less than or equal to 1000."),
        ("abc", "Enter a whole number."),
        ("2.5", "Enter a whole number."),
        (None, "This field is required."),
    ],
)
def test_batch_form_refuses_a_bad_count_with_a_message(client, use_openai_fake, count, message):
    fake = use_openai_fake()
    response = client.post("/batches/", {} if count is None else {"count": count})
    assert response.status_code == 400
    assert response.context["form"].errors["count"] == [message]
    assert message in response.content.decode()
    assert not Batch.objects.exists() and not fake.requests  # nothing was sent, nothing stored


def test_batch_form_shows_an_api_error(client, use_openai_fake):
    fake = use_openai_fake()
    fake.faults.add("POST", "/files", status=503, body={"error": {"message": "Upstream is down."}})
    response = client.post("/batches/", {"count": "3"})
    assert response.status_code == 200
    assert "Upstream is down." in response.context["error"]
    assert not Batch.objects.exists()


def test_batch_page_of_an_unknown_batch_is_a_404(client):
    assert client.get("/batches/999999/").status_code == 404


def test_chat_without_a_prompt_field_asks_for_one(client, use_openai_fake):
    fake = use_openai_fake()
    response = client.post("/", {})
    assert response.status_code == 200 and response.context["error"] == "Type a question first."
    assert not fake.requests


def stream_events(response) -> list[tuple[str, dict]]:
    assert response.status_code == 200
    events = []
    for raw in b"".join(response.streaming_content).decode().strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in raw.splitlines())
        events.append((fields.get("event", "message"), json.loads(fields["data"])))
    return events


def test_stream_with_an_empty_prompt_answers_an_error_event(client, use_openai_fake):
    fake = use_openai_fake()
    events = stream_events(client.get("/stream/", {"prompt": "   "}))
    assert events == [("error", {"message": "Type a question first."})]
    assert not fake.requests


def test_stream_relays_an_api_error_as_an_error_event(client, use_openai_fake):
    fake = use_openai_fake()
    fake.faults.add("POST", "/chat/completions", status=429, body={"error": {"message": "Slow down."}})
    events = stream_events(client.get("/stream/", {"prompt": "hi"}))
    assert events[-1][0] == "error" and "Slow down." in events[-1][1]["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/django_openai/batch/?status__exact=no-such-status&o=99",
        "/admin/django_openai/batch/?q=%00",
        "/admin/django_openai/batch/?created__gte=not-a-date",
        "/admin/django_openai/batch/not-a-number/change/",
        "/admin/django_openai/file/999999/change/",
        "/admin/django_openai/finetuningjob/?p=-1",
    ],
)
def test_admin_answers_junk_parameters_without_a_500(client, path):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "admin")
    client.force_login(admin)
    response = client.get(path)
    assert response.status_code in (200, 302), response.status_code


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/openai/webhooks/", b"not json, not signed"),
        ("post", "/openai/webhooks/no-such-alias/", b"{}"),
        ("get", "/openai/webhooks/", b""),
    ],
)
def test_webhook_endpoint_answers_junk_with_a_client_error(client, method, path, body):
    response = getattr(client, method)(path, body, content_type="application/json")
    assert 400 <= response.status_code < 500

"""Every page of the example project answers bad input with a message, never a 500."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from django_openai.models import Assistant, Batch, GatewayKey, Thread

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
def test_batch_form_refuses_a_bad_count_with_a_message(client, alice, use_openai_fake, count, message):
    fake = use_openai_fake()
    response = client.post("/batches/", {} if count is None else {"count": count})
    assert response.status_code == 400
    assert response.context["form"].errors["count"] == [message]
    assert message in response.content.decode()
    assert not Batch.objects.exists() and not fake.requests  # nothing was sent, nothing stored


def test_batch_form_shows_an_api_error(client, alice, use_openai_fake):
    fake = use_openai_fake()
    fake.faults.add("POST", "/files", status=503, body={"error": {"message": "Upstream is down."}})
    response = client.post("/batches/", {"count": "3"})
    assert response.status_code == 200
    assert "Upstream is down." in response.context["error"]
    assert not Batch.objects.exists()


def test_batch_page_of_an_unknown_batch_is_a_404(client, alice):
    assert client.get("/batches/999999/").status_code == 404


def test_an_anonymous_visitor_starts_no_batch(client, use_openai_fake):
    fake = use_openai_fake()
    response = client.post("/batches/", {"count": "3"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/batches/").status_code == 302
    assert not Batch.objects.exists() and not fake.requests


@pytest.fixture
def alice(client):
    user = get_user_model().objects.create_user("alice", password="a-long-password")
    client.force_login(user)
    return user


@pytest.mark.parametrize("assistant", ["", "999999", "not-a-number", None])
def test_a_new_chat_without_a_known_assistant_is_refused_with_a_message(client, alice, assistant):
    Assistant.objects.create(name="Helper", slug="helper", model="gpt-4.1-mini")
    response = client.post("/chat/new/", {} if assistant is None else {"assistant": assistant})
    assert response.status_code == 400 and response.context["form"].errors["assistant"]
    assert not Thread.objects.exists()


def test_a_new_chat_is_a_post(client, alice):
    assert client.get("/chat/new/").status_code == 405


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json", "invalid_json"),
        (b"[1, 2]", "invalid_json"),
        (b'{"message": "   "}', "empty_message"),
    ],
)
def test_the_chat_stream_refuses_bad_input_with_a_code_and_writes_nothing(client, alice, body, code):
    helper = Assistant.objects.create(name="Helper", slug="helper", model="gpt-4.1-mini")
    thread = Thread.objects.create(owner=alice, assistant=helper)
    response = client.post(f"/chat/{thread.pk}/stream/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == code
    assert not thread.items.exists()


def test_a_gateway_key_name_too_long_makes_no_key(client, alice):
    response = client.post("/gateway/", {"name": "x" * 101})
    assert response.status_code == 200 and response.context["form"].errors["name"]
    assert not response.context["new_key"] and not GatewayKey.objects.exists()


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


@pytest.mark.parametrize("revoke", ["not-a-number", "", "1.5", "²"])
def test_revoking_a_gateway_key_that_is_no_number_is_a_404(client, alice, revoke):
    response = client.post("/gateway/", {"revoke": revoke})
    assert response.status_code == 404
    assert not GatewayKey.objects.exists()


def test_the_session_posts_of_the_chat_need_the_csrf_token(alice):
    """The chat's POSTs ride on the session cookie: without the CSRF token they are refused."""
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    helper = Assistant.objects.create(name="Helper", slug="helper", model="gpt-4.1-mini")
    thread = Thread.objects.create(owner=alice, assistant=helper)
    message = {"role": "user", "parts": [{"type": "text", "text": "hi"}]}
    chat = strict.post("/api/chat", {"id": "c", "messages": [message]}, content_type="application/json")
    stream = strict.post(f"/chat/{thread.pk}/stream/", {"message": "hi"}, content_type="application/json")
    assert chat.status_code == 403 and stream.status_code == 403
    assert not thread.items.exists() and Thread.objects.count() == 1

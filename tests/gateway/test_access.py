"""Keys, sessions and model routing: every refusal in OpenAI's shape, never a 500 or a page."""

from __future__ import annotations

import datetime as dt
import secrets

import httpx
import openai
import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from django_openai.gateway import limits
from django_openai.gateway.config import get as gateway_config
from django_openai.models import GatewayKey, UsageRecord
from django_openai.services.gateway_keys import create_key, hash_key, revoke_key

from .conftest import wait_for

MESSAGES = [{"role": "user", "content": "hi"}]


def chat(server, key, model="gpt-4.1-mini"):
    client = openai.OpenAI(api_key=key, base_url=server.url + "/v1", max_retries=0)
    return client.chat.completions.create(model=model, messages=MESSAGES)


def test_the_secret_is_stored_only_as_a_hash(user):
    row, key = create_key(user, name="ci")
    assert key.startswith(row.prefix) and len(key) > 50
    assert row.secret_hash == hash_key(key) and key not in str(GatewayKey.objects.values().get(pk=row.pk))


@pytest.mark.parametrize(
    "api_key, message",
    [
        ("sk-dj-aaaaaaaa" + "x" * 43, "Incorrect API key provided."),  # our shape, no such key
        ("sk-somebody-elses-key", "Incorrect API key provided."),  # not our shape at all
    ],
)
def test_a_wrong_key_is_a_401(gateway, asgi_gateway, api_key, message):
    gateway()
    with pytest.raises(openai.AuthenticationError) as raised:
        chat(asgi_gateway, api_key)
    assert raised.value.body == {
        "message": message,
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }


def test_a_right_prefix_with_a_wrong_secret_is_a_401(gateway, asgi_gateway, key):
    gateway()
    with pytest.raises(openai.AuthenticationError):
        chat(asgi_gateway, key[:-4] + "abcd")


def test_no_key_is_a_401_in_openais_shape(gateway, asgi_gateway):
    gateway()
    response = httpx.post(
        asgi_gateway.url + "/v1/chat/completions", json={"model": "gpt-4.1-mini", "messages": MESSAGES}
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == "missing_api_key"


def test_a_revoked_key_is_refused_at_once(gateway, asgi_gateway, user):
    gateway(KEY_CACHE_SECONDS=3600)
    row, key = create_key(user)
    chat(asgi_gateway, key)  # cached now
    revoke_key(row)
    with pytest.raises(openai.AuthenticationError) as raised:
        chat(asgi_gateway, key)
    assert raised.value.body["message"] == "This API key has been revoked."


def test_a_revocation_in_another_process_reaches_a_worker_that_cached_the_key(gateway, asgi_gateway, user):
    gateway(KEY_CACHE_SECONDS=3600)
    row, key = create_key(user)
    chat(asgi_gateway, key)
    # What the revoking process leaves in the shared limits store; this worker's cache still holds the key.
    GatewayKey.objects.filter(pk=row.pk).update(revoked_at=timezone.now())
    limits.mark_revoked(row.pk, gateway_config())
    with pytest.raises(openai.AuthenticationError) as raised:
        chat(asgi_gateway, key)
    assert raised.value.body["message"] == "This API key has been revoked."


def test_an_expired_key_is_refused(gateway, asgi_gateway, user):
    gateway()
    _, key = create_key(user, expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(openai.AuthenticationError) as raised:
        chat(asgi_gateway, key)
    assert raised.value.body["message"] == "This API key has expired."


def test_the_key_of_a_deactivated_user_is_refused(gateway, asgi_gateway, user, key):
    gateway()
    user.is_active = False
    user.save()
    with pytest.raises(openai.AuthenticationError):
        chat(asgi_gateway, key)


def test_routes_send_models_to_their_alias(gateway, asgi_gateway, key, use_openai_fake):
    use_openai_fake("local")
    gateway(ROUTES={"gpt-*": "default", "llama*": "local"})
    assert chat(asgi_gateway, key, "llama3.2").model == "llama3.2"
    assert chat(asgi_gateway, key, "gpt-4.1").model == "gpt-4.1"
    # Usage is written after each response has gone out, so the two rows may land in either order.
    rows = wait_for(lambda: len(found := list(UsageRecord.objects.all())) == 2 and found)
    assert sorted((r.model, r.client_alias) for r in rows) == [("gpt-4.1", "default"), ("llama3.2", "local")]


def test_a_model_without_a_route_is_not_found(gateway, asgi_gateway, key):
    fake = gateway(ROUTES={"gpt-*": "default"})
    with pytest.raises(openai.NotFoundError) as raised:
        chat(asgi_gateway, key, "claude-opus")
    assert raised.value.body["code"] == "model_not_found" and fake.requests == []


def test_user_and_group_allowlists(gateway, asgi_gateway, user, key):
    gateway(
        USER_MODELS={"alice": ["gpt-4.1-mini"]},
        GROUP_MODELS={"embedders": ["text-embedding-*"]},
        DEFAULT_MODELS=[],
    )
    assert chat(asgi_gateway, key, "gpt-4.1-mini")
    with pytest.raises(openai.NotFoundError):
        chat(asgi_gateway, key, "gpt-4.1")
    client = openai.OpenAI(api_key=key, base_url=asgi_gateway.url + "/v1", max_retries=0)
    assert {m.id for m in client.models.list()} == {"gpt-4.1-mini"}

    def join_embedders() -> bool:
        user.groups.add(Group.objects.get_or_create(name="embedders")[0])
        return True

    # The server may still be writing the calls' usage to SQLite's shared in-memory test
    # database, which refuses a second writer at once ("table is locked"): try again until free.
    wait_for(join_embedders)
    gateway(
        USER_MODELS={"alice": ["gpt-4.1-mini"]},
        GROUP_MODELS={"embedders": ["text-embedding-*"]},
        DEFAULT_MODELS=[],
    )
    assert {m.id for m in client.models.list()} == {
        "gpt-4.1-mini",
        "text-embedding-3-small",
        "text-embedding-3-large",
    }


def test_a_key_limited_to_some_models_gets_a_403_for_others(gateway, asgi_gateway, user):
    gateway()
    _, key = create_key(user, models=["gpt-4.1-mini"])
    assert chat(asgi_gateway, key, "gpt-4.1-mini")
    with pytest.raises(openai.PermissionDeniedError) as raised:
        chat(asgi_gateway, key, "gpt-4.1")
    assert raised.value.body["code"] == "model_not_allowed"
    client = openai.OpenAI(api_key=key, base_url=asgi_gateway.url + "/v1", max_retries=0)
    assert {m.id for m in client.models.list()} == {"gpt-4.1-mini"}


# -- session ------------------------------------------------------------------------------------


def _session_cookie(user):
    from django.test import Client

    browser = Client()
    browser.force_login(user)
    return browser.cookies["sessionid"].value


@pytest.fixture(params=["asgi", "include"])
def server(request):
    return request.getfixturevalue(f"{request.param}_gateway")


def test_a_signed_in_browser_call_needs_the_csrf_token(gateway, server, user):
    gateway()
    session = _session_cookie(user)
    token = secrets.token_hex(16)  # a CSRF secret: the cookie and the header must agree
    body = {"model": "gpt-4.1-mini", "messages": MESSAGES}
    url = server.url + "/v1/chat/completions"
    refused = httpx.post(url, json=body, cookies={"sessionid": session})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    allowed = httpx.post(
        url, json=body, cookies={"sessionid": session, "csrftoken": token}, headers={"X-CSRFToken": token}
    )
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["choices"][0]["message"]["content"]
    listing = httpx.get(server.url + "/v1/models", cookies={"sessionid": session})  # safe method: no token
    assert listing.status_code == 200 and listing.json()["data"]
    row = wait_for(lambda: UsageRecord.objects.filter(endpoint="chat.completions", status="ok").first())
    assert row.user_id == user.pk and row.key_id is None


def test_a_session_of_nobody_is_a_401(gateway, asgi_gateway):
    gateway()
    response = httpx.get(asgi_gateway.url + "/v1/models", cookies={"sessionid": "not-a-session"})
    assert response.status_code == 401


def test_sessions_can_be_switched_off(gateway, asgi_gateway, user):
    gateway(SESSION_AUTH=False)
    response = httpx.get(asgi_gateway.url + "/v1/models", cookies={"sessionid": _session_cookie(user)})
    assert response.status_code == 401

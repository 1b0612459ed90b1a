"""Gateway keys in the admin: the secret shown once, on the page after saving, and never again;
only its hash stored; a key revoked here refused by the gateway at once."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from django_openai.admin.display import when
from django_openai.models import GatewayKey, UsageRecord
from django_openai.services.gateway_keys import create_key, hash_key

from ..gateway.conftest import gateway  # noqa: F401 - the gateway on the fake, with its settings
from .test_operations import act, changelist_action, said

pytestmark = pytest.mark.django_db

ADD = reverse("admin:django_openai_gatewaykey_add")
LIST = reverse("admin:django_openai_gatewaykey_changelist")


def form_token(client) -> str:
    page = client.get(ADD).content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def create(client, **fields):
    data = {"form_token": form_token(client), "owner": "admin", "name": "laptop", **fields}
    return client.post(ADD, data)


def secret_on(page) -> str:
    return re.search(r'id="djoai-new-key" class="djoai-secret" value="([^"]+)"', page.content.decode()).group(
        1
    )


def test_a_new_key_is_shown_once_and_only_its_hash_is_kept(admin_client, admin_user):
    response = create(
        admin_client,
        allowed_models="gpt-4.1*, text-embedding-3-small",
        requests_per_minute="60",
        monthly_cost_budget="5.5",
    )
    assert response.status_code == 200
    secret = secret_on(response)
    key = GatewayKey.objects.get()
    assert secret.startswith(key.prefix) and secret.startswith("sk-dj-") and len(secret) > 50
    assert key.secret_hash == hash_key(secret)
    assert secret not in str(GatewayKey.objects.values().get()), "the key itself is not stored"
    assert key.user == admin_user and key.name == "laptop"
    assert key.allowed_models == ["gpt-4.1*", "text-embedding-3-small"]
    assert (key.requests_per_minute, key.monthly_cost_budget) == (60, Decimal("5.5"))
    assert "no-store" in response["Cache-Control"], "the page with the secret is not cached"
    html = response.content.decode()
    assert "shown on this page only" in html and f'api_key="{secret}"' in html

    # Never again: the list, the key's page, the usage list, the form page, the history.
    key_page = reverse("admin:django_openai_gatewaykey_change", args=[key.pk])
    UsageRecord.objects.create(user=admin_user, key=key, endpoint="models", created_at=timezone.now())
    for url in (
        LIST,
        key_page,
        reverse("admin:django_openai_gatewaykey_history", args=[key.pk]),
        reverse("admin:django_openai_usagerecord_changelist"),
        ADD,
        reverse("admin:index"),
    ):
        page = admin_client.get(url).content.decode()
        assert secret not in page and secret[len(key.prefix) :][:12] not in page, url
        assert key.secret_hash not in page, url
    assert f"{key.prefix}…" in admin_client.get(LIST).content.decode()


def test_sending_the_form_again_makes_no_second_key(admin_client):
    token = form_token(admin_client)
    first = admin_client.post(ADD, {"form_token": token, "owner": "admin"})
    assert first.status_code == 200 and GatewayKey.objects.count() == 1
    again = admin_client.post(ADD, {"form_token": token, "owner": "admin"}, follow=True)
    assert GatewayKey.objects.count() == 1
    assert secret_on(first) not in again.content.decode()
    assert "This form was already sent and its key created" in said(again)[0]
    forged = admin_client.post(ADD, {"form_token": "made-up", "owner": "admin"}, follow=True)
    assert GatewayKey.objects.count() == 1 and "already sent" in said(forged)[0]


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"owner": "nobody"}, "owner", "No user is called 'nobody'."),
        ({"owner": "sleeper"}, "owner", "sleeper is not active"),
        ({"expires_at": "2001-01-01T10:00"}, "expires_at", "Choose a moment in the future"),
        ({"expires_at": "tomorrow"}, "expires_at", "Enter a valid date/time."),
        ({"requests_per_minute": "0"}, "requests_per_minute", "greater than or equal to 1"),
        ({"monthly_cost_budget": "-1"}, "monthly_cost_budget", "greater than or equal to 0"),
    ],
)
def test_bad_input_is_named_and_nothing_is_created(admin_client, django_user_model, fields, field, message):
    django_user_model.objects.create_user("sleeper", is_active=False)
    token = form_token(admin_client)
    response = admin_client.post(ADD, {"form_token": token, "owner": "admin", **fields})
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not GatewayKey.objects.exists()
    # The same form, corrected, still goes through: its token was not spent.
    corrected = {**fields, "owner": "admin"} if field == "owner" else {}
    assert admin_client.post(ADD, {"form_token": token, "owner": "admin", **corrected}).status_code == 200
    assert GatewayKey.objects.count() == 1


def test_the_list_shows_prefix_owner_use_expiry_and_limits(admin_client, django_user_model):
    alice = django_user_model.objects.create_user("alice")
    key, _ = create_key(
        alice,
        name="ci",
        models=["gpt-4.1-mini"],
        expires_at=timezone.now() + dt.timedelta(days=30),
        tokens_per_minute=10_000,
        monthly_token_budget=1_000_000,
    )
    used = timezone.now()
    GatewayKey.objects.filter(pk=key.pk).update(last_used_at=used)
    revoked, _ = create_key(alice, name="old")
    revoked.revoked_at = timezone.now()
    revoked.save()
    html = admin_client.get(LIST).content.decode()
    assert f"{key.prefix}…" in html and "alice" in html
    assert "10,000 tokens/min · 1,000,000 tokens/month · models: gpt-4.1-mini" in html
    assert 'djoai-badge--ok">active' in html and 'djoai-badge--bad">revoked' in html
    assert f'<td class="field-last_used">{when(used, seconds=False)}</td>' in html
    assert f'<td class="field-expires">{when(key.expires_at, seconds=False)}</td>' in html
    assert '<td class="field-last_used">never</td>' in html, "the revoked key was never used"
    active = admin_client.get(LIST, {"state": "active"}).content.decode()
    assert key.prefix in active and revoked.prefix not in active
    usage_url = reverse("admin:django_openai_usagerecord_changelist") + f"?key__id__exact={key.pk}"
    assert usage_url in html


def test_limits_are_edited_on_the_key_page(admin_client, admin_user):
    key, _ = create_key(admin_user, name="old name")
    url = reverse("admin:django_openai_gatewaykey_change", args=[key.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="prefix"' not in page and 'name="secret_hash"' not in page and 'name="user"' not in page
    admin_client.post(
        url,
        {
            "name": "new name",
            "allowed_models": "gpt-4.1*\ngpt-5",
            "expires_at": "",
            "requests_per_minute": "30",
            "tokens_per_minute": "",
            "monthly_token_budget": "",
            "monthly_cost_budget": "",
        },
    )
    key.refresh_from_db()
    assert (key.name, key.allowed_models, key.requests_per_minute) == ("new name", ["gpt-4.1*", "gpt-5"], 30)


def models_call(client, secret):
    return client.get("/v1/models", headers={"Authorization": f"Bearer {secret}"})


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["button", "list action"])
def test_a_key_revoked_here_is_refused_by_the_gateway_at_once(gateway, client, admin_client, how):  # noqa: F811
    gateway(KEY_CACHE_SECONDS=3600)  # a cached lookup must not outlive the revocation
    secret = secret_on(create(admin_client))
    key = GatewayKey.objects.get()
    answered = models_call(client, secret)
    assert answered.status_code == 200, answered.content
    assert answered.json()["object"] == "list"

    if how == "button":
        response = act(admin_client, key, "revoke")
    else:
        response = changelist_action(admin_client, GatewayKey, "revoke", key)
    assert said(response) == [f"Revoked (refused from the next request on): {key.prefix}… (laptop)."]
    refused = models_call(client, secret)
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "This API key has been revoked."
    key.refresh_from_db()
    assert key.revoked_at is not None
    page = admin_client.get(reverse("admin:django_openai_gatewaykey_change", args=[key.pk])).content.decode()
    assert 'djoai-badge--bad">revoked' in page and ">Revoke<" not in page


def test_creating_keys_needs_the_add_permission(client, django_user_model):
    staff = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_gatewaykey"))
    client.force_login(staff)
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, {"form_token": "x", "owner": "staff"}).status_code == 403
    assert not GatewayKey.objects.exists()


def test_keys_and_usage_are_found_by_their_owner(admin_client, django_user_model):
    carol = django_user_model.objects.create_user("carol")
    key, _ = create_key(carol, name="ci")
    UsageRecord.objects.create(user=carol, key=key, endpoint="models", created_at=timezone.now())
    assert key.prefix in admin_client.get(LIST, {"q": "carol"}).content.decode()
    assert key.prefix not in admin_client.get(LIST, {"q": "dave"}).content.decode()
    usage = admin_client.get(reverse("admin:django_openai_usagerecord_changelist"), {"q": "carol"})
    assert "<strong>1</strong> calls" in usage.content.decode()

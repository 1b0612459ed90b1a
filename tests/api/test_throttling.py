"""Per-user throttling by scope, configured under DJANGO_OPENAI["API"]."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from django_openai.api.throttling import UserScopeThrottle

from .conftest import API

pytestmark = pytest.mark.django_db


def api_settings(**options):
    return override_settings(DJANGO_OPENAI={**settings.DJANGO_OPENAI, "API": options})


def test_creation_is_throttled_per_user_and_reading_is_not(alice, bob):
    with api_settings(THROTTLE_RATES={"create": "2/minute"}):
        bad = {"endpoint": "/v1/chat/completions", "requests": []}  # refused, but counted
        assert [alice.post(API + "batches/", bad, format="json").status_code for _ in range(3)] == [
            400,
            400,
            429,
        ]
        throttled = alice.post(API + "files/", {"purpose": "batch"}, format="multipart")
        assert throttled.status_code == 429 and "Retry-After" in throttled.headers
        assert bob.post(API + "batches/", bad, format="json").status_code == 400, (
            "each user has their own budget"
        )
        assert all(alice.get(API + "batches/").status_code == 200 for _ in range(5))


def test_a_scope_without_a_rate_is_not_throttled(alice):
    with api_settings(THROTTLE_RATES={"create": None}):
        bad = {"endpoint": "/v1/chat/completions", "requests": []}
        assert {alice.post(API + "batches/", bad, format="json").status_code for _ in range(5)} == {400}


def test_the_runs_scope_is_ready_for_a_view_of_ones_own(users):
    class RunCreate(APIView):
        throttle_scope = "runs"

    view = RunCreate()
    throttle = UserScopeThrottle()
    request = Request(APIRequestFactory().post("/runs/"))
    request.user = users["a"]
    with api_settings(THROTTLE_RATES={"runs": "1/minute"}):
        assert throttle.allow_request(request, view) is True
        assert UserScopeThrottle().allow_request(request, view) is False


def test_the_classes_are_configurable(alice):
    with api_settings(PERMISSION_CLASSES=["rest_framework.permissions.IsAdminUser"]):
        assert alice.get(API + "batches/").status_code == 403
    assert alice.get(API + "batches/").status_code == 200


def test_token_authentication_comes_with_authtoken(monkeypatch):
    from django_openai import conf

    assert conf.app_settings.API.AUTHENTICATION_CLASSES == [
        "rest_framework.authentication.SessionAuthentication"
    ]
    # Installing an app mid-run is not something Django does: ask the registry a different answer.
    installed = conf.apps.is_installed
    monkeypatch.setattr(
        conf.apps, "is_installed", lambda name: name == "rest_framework.authtoken" or installed(name)
    )
    assert conf.app_settings.API.AUTHENTICATION_CLASSES == [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ]
    with api_settings(AUTHENTICATION_CLASSES=["rest_framework.authentication.BasicAuthentication"]):
        assert conf.app_settings.API.AUTHENTICATION_CLASSES == [
            "rest_framework.authentication.BasicAuthentication"
        ]


def test_run_creation_is_throttled_per_user(alice, bob, users):
    from django_openai.models import Run, Thread

    mine = Thread.objects.create(owner=users["a"])  # no assistant: each run is refused, but counted
    theirs = Thread.objects.create(owner=users["b"])
    with api_settings(THROTTLE_RATES={"runs": "2/minute", "create": None}):
        codes = [
            alice.post(API + f"threads/{mine.pk}/runs/", {}, format="json").status_code for _ in range(3)
        ]
        assert codes == [400, 400, 429]
        throttled = alice.post(API + f"threads/{mine.pk}/runs/", {}, format="json")
        assert throttled.status_code == 429 and "Retry-After" in throttled.headers
        assert bob.post(API + f"threads/{theirs.pk}/runs/", {}, format="json").status_code == 400, (
            "each user has their own budget"
        )
        assert all(alice.get(API + f"threads/{mine.pk}/runs/").status_code == 200 for _ in range(5))
        assert (
            alice.post(API + f"threads/{mine.pk}/items/", {"content": "Hi"}, format="json").status_code == 201
        )
    assert not Run.objects.exists()


async def test_run_creation_is_throttled_under_asgi_too(transactional_db):
    from asgiref.sync import sync_to_async
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.test import AsyncClient

    from django_openai.models import Thread

    user = await sync_to_async(get_user_model().objects.create_user)("ada")
    thread = await Thread.objects.acreate(owner=user)
    client = AsyncClient()
    await client.aforce_login(user)
    with api_settings(THROTTLE_RATES={"runs": "1/minute"}):
        first = await client.post(API + f"threads/{thread.pk}/runs/", {}, content_type="application/json")
        second = await client.post(API + f"threads/{thread.pk}/runs/", {}, content_type="application/json")
    assert (first.status_code, second.status_code) == (400, 429)
    await sync_to_async(connections.close_all)()


def test_the_configured_authentication_classes_are_the_ones_used(users):
    import base64

    from rest_framework.test import APIClient

    users["a"].set_password("pw-alice")
    users["a"].save()
    basic = APIClient()
    basic.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"alice:pw-alice").decode())
    session = APIClient()
    session.force_login(users["a"])  # a real session cookie, read by SessionAuthentication
    assert session.get(API + "batches/").status_code == 200
    assert basic.get(API + "batches/").status_code == 403, "basic auth is not one of the defaults"
    with api_settings(AUTHENTICATION_CLASSES=["rest_framework.authentication.BasicAuthentication"]):
        assert basic.get(API + "batches/").status_code == 200
        assert session.get(API + "batches/").status_code == 401, "the session is no longer read"


def test_the_throttle_classes_are_configurable(alice, users):
    from django_openai.models import Thread

    mine = Thread.objects.create(owner=users["a"])
    with api_settings(THROTTLE_CLASSES=[], THROTTLE_RATES={"runs": "1/minute"}):
        codes = {
            alice.post(API + f"threads/{mine.pk}/runs/", {}, format="json").status_code for _ in range(3)
        }
    assert codes == {400}, "no throttle class: nothing throttled"


def test_run_creation_is_throttled_at_30_a_minute_by_default(alice, users):
    from django_openai.models import Thread

    mine = Thread.objects.create(owner=users["a"])
    codes = [alice.post(API + f"threads/{mine.pk}/runs/", {}, format="json").status_code for _ in range(31)]
    assert codes == [400] * 30 + [429]

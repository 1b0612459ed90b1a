"""Fixtures for threads and runs: the fake behind a client alias, on either backend."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from django_openai.models import Assistant, Thread
from django_openai.services.backends import forget_detected


@pytest.fixture(autouse=True)
def _fresh_detection():
    forget_detected()
    yield
    forget_detected()


def point_alias(handle, alias: str = "default", **extra):
    """An override_settings pointing ``alias`` at a fake handle (loopback or in-process)."""
    current = dict(getattr(settings, "DJANGO_OPENAI", None) or {})
    clients = dict(current.get("CLIENTS") or {})
    clients[alias] = handle.client_settings(**extra)
    return override_settings(DJANGO_OPENAI={**current, "CLIENTS": clients})


@pytest.fixture(params=["responses", "chat"])
def backend(request):
    return request.param


@pytest.fixture(params=["inprocess", "loopback"])
def fake(request, backend):
    """The fake (in-process or on loopback, strict mode on) behind the default alias, on ``backend``."""
    handle = request.getfixturevalue(
        "openai_fake_inprocess" if request.param == "inprocess" else "openai_fake"
    )
    assert handle.fake._validator is not None, "every request is checked against the OpenAPI spec"
    with point_alias(handle, THREAD_BACKEND=backend, MAX_RETRIES=0):
        yield handle


@pytest.fixture
def assistant(db):
    return Assistant.objects.create(
        name="Helper", slug="helper", model="gpt-4.1-mini", instructions="Answer briefly."
    )


@pytest.fixture
def thread(assistant):
    return Thread.objects.create(assistant=assistant)


@pytest.fixture
async def async_db():
    """For async tests: the worker thread's database connection is closed at the end, so that the
    test database can be dropped."""
    from asgiref.sync import sync_to_async
    from django.db import connections

    yield
    await sync_to_async(connections.close_all)()

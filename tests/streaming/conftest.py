"""Fixtures for the streaming views: users, an assistant with a tool, the fake behind the default
alias (frozen clock: answers at once), and helpers to read both formats."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

import django_openai
from django_openai.models import Assistant, Thread
from django_openai.services.backends import forget_detected


@django_openai.tool
def stream_weather(city: str) -> str:
    """The weather in a city (the streaming views' tests)."""
    return f"18C and sunny in {city}"


@django_openai.tool
def stream_broken_lookup(topic: str) -> str:
    """A lookup whose backend is down: the model is told, and the page shows the tool's error."""
    raise ConnectionError(f"the catalogue is down, no {topic}")


@django_openai.tool
def stream_slow_lookup(topic: str) -> str:
    """A lookup that takes a while: the stream sends heartbeats meanwhile."""
    time.sleep(0.4)
    return f"Found {topic}"


@pytest.fixture(autouse=True)
def _fresh_detection():
    forget_detected()
    yield
    forget_detected()


@pytest.fixture(params=["responses", "chat"])
def backend(request):
    return request.param


@pytest.fixture
def fake(use_openai_fake, backend):
    return use_openai_fake("default", THREAD_BACKEND=backend, MAX_RETRIES=0)


def streaming_settings(**values: Any):
    return override_settings(DJANGO_OPENAI={**settings.DJANGO_OPENAI, "STREAMING": values})


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password="pw-alice")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", password="pw-bob")


@pytest.fixture
def assistant(db):
    return Assistant.objects.create(
        name="Streamer",
        slug="streamer",
        model="gpt-4.1-mini",
        instructions="Answer briefly.",
        tools=["stream_weather", "stream_slow_lookup"],
    )


@pytest.fixture
def thread(alice, assistant):
    return Thread.objects.create(owner=alice, assistant=assistant)


def openai_events(raw: bytes) -> list[dict[str, Any]]:
    """Each named event of an OpenAI-style stream: its id, event and decoded data (pings left out)."""
    events = []
    for block in raw.decode().split("\n\n"):
        if not block or block.startswith(":"):
            continue
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        assert set(fields) == {"id", "event", "data"}, block
        data = json.loads(fields["data"])
        assert data["type"] == fields["event"] and data["sequence"] == int(fields["id"])
        events.append(data)
    return events


def ui_parts(raw: bytes) -> list[Any]:
    """The parts of a UI message stream, ``"[DONE]"`` last (pings left out)."""
    parts: list[Any] = []
    for block in raw.decode().split("\n\n"):
        if not block or block.startswith(":"):
            continue
        assert block.startswith("data: ") and "\n" not in block, block
        payload = block[len("data: ") :]
        parts.append(payload if payload == "[DONE]" else json.loads(payload))
    return parts


def body(response) -> bytes:
    return b"".join(response.streaming_content)


async def abody(response) -> bytes:
    return b"".join([chunk async for chunk in response.streaming_content])


@pytest.fixture
async def async_db():
    """For async tests: the worker thread's database connection is closed at the end, so that the
    test database can be dropped."""
    from asgiref.sync import sync_to_async
    from django.db import connections

    yield
    await sync_to_async(connections.close_all)()

"""pytest fixtures for the fake OpenAI API (registered automatically when the package is installed).

``openai_fake``
    The fake behind a real HTTP server on loopback (one per test session, state reset for each
    test): ``.base_url``, ``.fake`` (state, ``.requests``), ``.advance(seconds)``,
    ``.faults.add(...)``, ``.client()`` / ``.async_client()``.
``openai_fake_inprocess``
    The same fake served through an in-process httpx transport: no sockets, faster.
``use_openai_fake``
    ``use_openai_fake("default")`` points a ``DJANGO_OPENAI`` client alias at ``openai_fake`` for
    the rest of the test.

After each test, the threads that did the database work of streams read by async code (a live
ASGI server's) are stopped, closing their connections, so that the test database can be dropped.

Strict mode (requests checked against the OpenAPI spec, as OpenAI would) is on when the ini option
``openai_fake_spec`` names the spec's ``openapi.validation.json``.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .clock import Clock
from .fake import FakeOpenAI
from .server import FakeHTTPServer

FAKE_KEY = "sk-fake-0123456789"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "openai_fake_spec", "path to openapi.validation.json: strict request checking in the fake", default=""
    )


class FakeHandle:
    """What the fixtures give a test."""

    def __init__(self, fake: FakeOpenAI, base_url: str, transport: Any = None) -> None:
        self.fake = fake
        self.base_url = base_url
        self.transport = transport
        self.api_key = FAKE_KEY

    @property
    def faults(self) -> Any:
        return self.fake.faults

    @property
    def clock(self) -> Clock:
        return self.fake.clock

    @property
    def requests(self) -> list[Any]:
        return self.fake.requests

    def advance(self, seconds: float) -> float:
        return self.fake.clock.advance(seconds)

    def client(self, **options: Any) -> Any:
        from ..client import OpenAI

        options.setdefault("max_retries", 0)
        return OpenAI(api_key=self.api_key, base_url=self.base_url, transport=self.transport, **options)

    def async_client(self, **options: Any) -> Any:
        from ..client import AsyncOpenAI

        options.setdefault("max_retries", 0)
        return AsyncOpenAI(api_key=self.api_key, base_url=self.base_url, transport=self.transport, **options)

    def client_settings(self, **extra: Any) -> dict[str, Any]:
        """A ``DJANGO_OPENAI["CLIENTS"][alias]`` entry pointing at this fake."""
        settings: dict[str, Any] = {"API_KEY": self.api_key, "BASE_URL": self.base_url, **extra}
        if self.transport is not None:
            settings["TRANSPORT"] = self.transport
        return settings


def _spec_path(config: pytest.Config) -> Path | None:
    value = config.getini("openai_fake_spec")
    if not value:
        return None
    path = Path(value)
    if not path.is_absolute():
        path = Path(config.rootpath) / path
    if not path.exists():
        warnings.warn(
            f"openai_fake_spec {path} does not exist: the fake runs without strict mode", stacklevel=1
        )
        return None
    return path


@pytest.fixture(scope="session")
def _openai_fake_server(pytestconfig: pytest.Config) -> Iterator[FakeHTTPServer]:
    fake = FakeOpenAI(spec_path=_spec_path(pytestconfig))
    server = FakeHTTPServer(fake).start()
    try:
        yield server
    finally:
        server.stop()
        fake.close()


@pytest.fixture
def openai_fake(_openai_fake_server: FakeHTTPServer) -> Iterator[FakeHandle]:
    fake = _openai_fake_server.fake
    fake.reset()
    fake.clock = Clock()
    fake.webhook_secret = fake.webhook_url = None
    yield FakeHandle(fake, _openai_fake_server.base_url)
    fake.faults.clear()


@pytest.fixture(autouse=True)
def _stop_stream_database_threads() -> Iterator[None]:
    yield
    threads = sys.modules.get("django_openai.services._db_threads")  # none started if never imported
    if threads is not None:
        threads.stop_shared_threads()


@pytest.fixture
def openai_fake_inprocess(pytestconfig: pytest.Config) -> Iterator[FakeHandle]:
    fake = FakeOpenAI(spec_path=_spec_path(pytestconfig))
    try:
        yield FakeHandle(fake, "http://fake-openai.invalid/v1", fake.transport())
    finally:
        fake.close()


@pytest.fixture
def use_openai_fake(openai_fake: FakeHandle) -> Iterator[Any]:
    from django.conf import settings
    from django.test import override_settings

    active: list[Any] = []

    def point(alias: str = "default", **extra: Any) -> FakeHandle:
        current = dict(getattr(settings, "DJANGO_OPENAI", None) or {})
        clients = dict(current.get("CLIENTS") or {})
        clients[alias] = openai_fake.client_settings(**extra)
        override = override_settings(DJANGO_OPENAI={**current, "CLIENTS": clients})
        override.enable()
        active.append(override)
        return openai_fake

    yield point
    for override in reversed(active):
        override.disable()

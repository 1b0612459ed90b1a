"""A live gateway for the tests: uvicorn on loopback, in a thread of the test process (so it shares
the settings and the test database), upstream pointed at the fake server."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn
from django.conf import settings
from django.test import override_settings

from django_openai.gateway import authentication, handler

#: The real provider key the gateway's client alias uses: it must never reach a caller.
REAL_KEY = "sk-upstream-real-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    def __init__(self, app: Any) -> None:
        self.port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=f"uvicorn-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def run(self, coro_factory: Callable[[], Any]) -> Any:
        """Run a coroutine on the server's own event loop (to flush its usage buffer)."""
        loop = self.loop
        return asyncio.run_coroutine_threadsafe(coro_factory(), loop).result(10)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        for task_loop in _loops.get(self.port, []):
            return task_loop
        raise RuntimeError("no loop seen yet")


_loops: dict[int, list[asyncio.AbstractEventLoop]] = {}


def _remember_loop(port: int, app: Any) -> Any:
    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        _loops.setdefault(port, [asyncio.get_running_loop()])
        await app(scope, receive, send)

    return wrapped


# Package scope: the servers stop when the gateway tests end (a test elsewhere that patches
# asyncio.sleep would otherwise make uvicorn's idle loop spin).
@pytest.fixture(scope="package")
def asgi_gateway() -> Iterator[LiveServer]:
    """The fast mount: ``gateway_asgi(get_asgi_application())``."""
    from django.core.asgi import get_asgi_application

    from django_openai.gateway.asgi import gateway_asgi

    app = gateway_asgi(get_asgi_application())
    server = LiveServer(None)
    server.server.config.app = _remember_loop(server.port, app)
    server.start()
    yield server
    server.stop()
    _loops.pop(server.port, None)


@pytest.fixture(scope="package")
def include_gateway() -> Iterator[LiveServer]:
    """The simple mount: Django alone, ``path("v1/", include("django_openai.gateway.urls"))``."""
    from django.core.asgi import get_asgi_application

    server = LiveServer(None)
    server.server.config.app = _remember_loop(server.port, get_asgi_application())
    server.server.config.lifespan = "off"
    server.start()
    yield server
    server.stop()


def _redis_url() -> str | None:
    broker = os.environ.get("CELERY_BROKER_URL", "")
    return broker if broker.startswith("redis://") else None


@pytest.fixture
def gateway(transactional_db: Any, use_openai_fake: Any) -> Iterator[Callable[..., Any]]:
    """Configure the gateway (``gateway(ROUTES=..., ...)`` to change its settings) with the default
    alias on the fake; limits in Redis when the suite runs with a Redis broker."""
    fake = use_openai_fake("default")
    fake.api_key = fake.fake.api_key = REAL_KEY  # the fake refuses any other key, as OpenAI would
    active: list[Any] = []

    def configure(**gateway_settings: Any) -> Any:
        values = {"USAGE_FLUSH_SECONDS": 0.02, **gateway_settings}
        redis_url = _redis_url()
        if redis_url:
            values.setdefault("REDIS_URL", redis_url)
        clients = {
            alias: {**entry, "API_KEY": REAL_KEY} if entry.get("BASE_URL") == fake.base_url else entry
            for alias, entry in settings.DJANGO_OPENAI["CLIENTS"].items()
        }
        override = override_settings(
            DJANGO_OPENAI={**settings.DJANGO_OPENAI, "CLIENTS": clients, "GATEWAY": values}
        )
        override.enable()
        active.append(override)
        return fake

    configure()
    _reset_state()
    yield configure
    _flush_servers()  # before the test database is emptied
    for override in reversed(active):
        override.disable()
    fake.fake.api_key = None
    _reset_state()


def flush_usage() -> None:
    """Write what the live servers' usage buffers hold, now."""
    _flush_servers()


def _flush_servers() -> None:
    from django_openai.gateway import usage

    for loops in _loops.values():
        for loop in loops:
            if loop.is_running():
                asyncio.run_coroutine_threadsafe(usage.flush(), loop).result(10)


def _reset_state() -> None:
    from django.core.cache import cache

    authentication.forget_all()
    handler._model_lists.clear()
    cache.clear()
    redis_url = _redis_url()
    if redis_url:
        import redis

        with redis.Redis.from_url(redis_url) as client:
            keys = list(client.scan_iter("dj-openai:gw:*"))
            if keys:
                client.delete(*keys)


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    from django.db import OperationalError

    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except OperationalError:  # SQLite's shared in-memory test database: a write in progress
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


@pytest.fixture
def user(transactional_db: Any) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("alice", password="pw-alice")


@pytest.fixture
def key(user: Any) -> str:
    from django_openai.services.gateway_keys import create_key

    return create_key(user, name="laptop")[1]

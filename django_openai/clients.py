"""One configured client per alias: pooled, reused, rebuilt when settings change, closed cleanly.

Sync clients are shared by every thread of the process (httpx clients are thread-safe). Async
clients belong to one event loop each, because a connection pool cannot move between loops; they
are kept per loop and dropped with it.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
import weakref
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from . import conf
from .client import AsyncOpenAI, OpenAI

_lock = threading.Lock()
_sync_clients: dict[str, OpenAI] = {}
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, AsyncOpenAI]] = (
    weakref.WeakKeyDictionary()
)


def _kwargs(alias: str, is_async: bool) -> dict[str, Any]:
    kwargs = conf.client_kwargs(alias)
    transport = kwargs.get("transport")
    if transport is not None and not _is_transport(transport, is_async):
        # A factory: called with is_async so one setting serves both clients.
        transport = transport(is_async=is_async)
    if transport is None:
        kwargs.pop("transport", None)
    else:
        kwargs["transport"] = transport
    return kwargs


def _is_transport(value: Any, is_async: bool) -> bool:
    return hasattr(value, "handle_async_request" if is_async else "handle_request")


def get_client(alias: str = "default") -> OpenAI:
    client = _sync_clients.get(alias)
    if client is not None:
        return client
    with _lock:
        client = _sync_clients.get(alias)
        if client is None:
            client = _sync_clients[alias] = OpenAI(**_kwargs(alias, is_async=False))
    return client


def get_async_client(alias: str = "default") -> AsyncOpenAI:
    loop = asyncio.get_running_loop()
    per_loop = _async_clients.get(loop)
    if per_loop is None:
        per_loop = _async_clients[loop] = {}
    client = per_loop.get(alias)
    if client is None:
        client = per_loop[alias] = AsyncOpenAI(**_kwargs(alias, is_async=True))
    return client


def close_clients() -> None:
    """Close every sync client's pool (at exit, and whenever the settings change)."""
    with _lock:
        clients = list(_sync_clients.values())
        _sync_clients.clear()
    for client in clients:
        client.close()


async def aclose_clients() -> None:
    """Close the async clients of the running loop (call it from an ASGI lifespan shutdown)."""
    loop = asyncio.get_running_loop()
    clients = _async_clients.pop(loop, {})
    for client in clients.values():
        await client.close()


def _forget_async_clients() -> None:
    # Their loops may be gone; the pools are released with the objects.
    _async_clients.clear()


@receiver(setting_changed)
def _settings_changed(setting: str, **kwargs: Any) -> None:
    if setting == conf.SETTING:
        close_clients()
        _forget_async_clients()


atexit.register(close_clients)

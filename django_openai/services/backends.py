"""Which backend an alias's threads run on, and whether its provider keeps conversations.

``CLIENTS[alias]["THREAD_BACKEND"]`` says "responses", "chat", or "auto" (the default). ``auto``
asks the server once per process and alias (and base URL): a ``POST /responses`` with an empty
body is answered 400 by a server that has the endpoint and 404 (or 405, 501) by one that has not,
at no cost. Whether the provider has ``/conversations`` is learnt the same way, by the first
attempt to create one. A thread keeps the backend of its first run.
"""

from __future__ import annotations

import threading

from ..client import APIStatusError
from ..conf import client_settings, thread_backend
from ._common import client_for

__all__ = ["forget_detected", "has_conversations", "mark_no_conversations", "resolve_backend"]

#: Status codes of a server that has no such endpoint.
MISSING = frozenset({404, 405, 501})

_lock = threading.Lock()
_backends: dict[tuple[str, str], str] = {}
_no_conversations: set[tuple[str, str]] = set()


def _key(alias: str) -> tuple[str, str]:
    return alias, str(client_settings(alias).get("BASE_URL") or "")


def resolve_backend(alias: str) -> str:
    """ "responses" or "chat" for the alias: as configured, or detected once."""
    configured = thread_backend(alias)
    if configured != "auto":
        return configured
    key = _key(alias)
    known = _backends.get(key)
    if known is not None:
        return known
    try:
        client_for(alias).request("POST", "/responses", body={})
        detected = "responses"
    except APIStatusError as exc:
        if exc.status_code not in MISSING and exc.status_code not in (400, 422):
            raise
        detected = "chat" if exc.status_code in MISSING else "responses"
    with _lock:
        _backends[key] = detected
    return detected


def has_conversations(alias: str) -> bool:
    return _key(alias) not in _no_conversations


def mark_no_conversations(alias: str) -> None:
    with _lock:
        _no_conversations.add(_key(alias))


def forget_detected() -> None:
    """Forget what was detected (tests; a server that changed)."""
    with _lock:
        _backends.clear()
        _no_conversations.clear()

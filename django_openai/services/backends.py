"""Which backend an alias's threads run on, and whether its provider keeps conversations.

``CLIENTS[alias]["THREAD_BACKEND"]`` says "responses", "chat", or "auto" (the default). ``auto``
asks the server once per process and alias (and base URL): a ``POST /responses`` with an empty
JSON object is answered 400 by a server that has the endpoint and 404 (or 405, 501) by one that
has not, at no cost. A server with ``/responses`` but without ``/conversations`` keeps no state
between responses (llama.cpp's server refuses ``previous_response_id`` too), so ``auto`` runs its
threads on chat completions, which replay the thread; a ``POST /conversations`` whose ``items``
is not a list (refused, nothing made) tells. With ``THREAD_BACKEND = "responses"`` set, a
provider without ``/conversations`` is learnt by the first attempt to create one, and its
responses are chained with ``previous_response_id``. A thread keeps the backend of its first run.
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
    has_responses = _has_endpoint(alias, "/responses", b"{}")
    detected = (
        "responses" if has_responses and _has_endpoint(alias, "/conversations", _REFUSED_ITEMS) else "chat"
    )
    with _lock:
        _backends[key] = detected
    return detected


#: A conversation the API refuses to make (``items`` must be a list): asks without creating.
_REFUSED_ITEMS = b'{"items": 0}'


def _has_endpoint(alias: str, path: str, content: bytes) -> bool:
    """Whether the server has ``POST path``: a refusal of the body says yes, a missing route no.

    ``content`` is sent as it is: an empty body is not an empty JSON object (llama.cpp's server
    answers it 500). One try: a probe that fails for another reason is raised, not retried.
    """
    try:
        client_for(alias).request("POST", path, content=content, max_retries=0)
    except APIStatusError as exc:
        if exc.status_code in MISSING:
            return False
        if exc.status_code not in (400, 422):
            raise
    return True


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

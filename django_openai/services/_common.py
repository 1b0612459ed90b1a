from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Iterator
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.db import transaction
from django.dispatch import Signal

from ..clients import get_async_client, get_client
from ..models.base import RemoteObject
from ..signals import status_changed
from ._nul import without_nul

P = ParamSpec("P")
R = TypeVar("R")


def async_twin(service: Callable[P, R]) -> Callable[P, Coroutine[Any, Any, R]]:
    """The async twin of a service: the same function, awaited from async code.

    It runs in Django's thread for sync code (``thread_sensitive``), where the ORM's connection,
    transactions and row locks belong. Why the twins are not written natively async is in
    docs/architecture.md, "Sync and async".
    """
    return sync_to_async(service)


def client_for(alias: str) -> Any:
    return get_client(alias)


def async_client_for(alias: str) -> Any:
    """The async client, for the few verbs written async end to end: a download relayed as it
    arrives holds no thread (docs/architecture.md, "Sync and async")."""
    return get_async_client(alias)


def enqueue(task_name: str, *args: Any) -> None:
    """Start a Celery task (by name, see ``schedules``) once the transaction commits.

    Services sit below ``tasks`` and never import it; the task is found in the Celery app's
    registry, as ``tasks.run_follow_up`` finds a kind's follow-up.
    """
    from celery import current_app

    transaction.on_commit(lambda: current_app.tasks[task_name].delay(*args), robust=True)


def save_remote(
    obj: RemoteObject, remote: dict[str, Any], *, extra_fields: Iterable[str] = ()
) -> tuple[str, str] | None:
    """Apply a remote object to a row, save it, and send the signals once committed."""
    change = obj.apply_remote(without_nul(remote))  # PostgreSQL's jsonb cannot hold a NUL
    obj.save()
    if change is not None:
        old, new = change
        transaction.on_commit(
            lambda: status_changed.send(sender=type(obj), instance=obj, old=old, new=new), robust=True
        )
    return change


def send_on_commit(signal: Signal, obj: Any, **kwargs: Any) -> None:
    transaction.on_commit(lambda: signal.send(sender=type(obj), instance=obj, **kwargs), robust=True)


def iter_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Lines of a byte stream (LF or CRLF), never holding more than one chunk and one line."""
    rest = b""
    for chunk in chunks:
        if not chunk:
            continue
        data = rest + chunk if rest else chunk
        lines = data.split(b"\n")
        rest = lines.pop()
        for line in lines:
            yield line.rstrip(b"\r")
    if rest.strip():
        yield rest.rstrip(b"\r")

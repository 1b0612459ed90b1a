"""Claiming due rows and polling one of them (docs/architecture.md, "How a poll travels").

The sweeper claims rows whose ``next_poll_at`` has passed with ``SELECT ... FOR UPDATE SKIP
LOCKED``, pushes ``next_poll_at`` forward (capped backoff) in the same transaction, and only once
that commits hands the ids to the poll tasks. Two sweepers never claim the same row, and a poll
that dies is retried by a later sweep when its ``next_poll_at`` comes round again.

Nothing here knows a kind by name: what to fetch, when to stop, which signal to send and what
work follows come from each model's ``remote_kind``.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from ..conf import app_settings
from ..models.base import RemoteObject, remote_kinds
from ._common import client_for, save_remote, send_on_commit


def polled_models() -> list[type[RemoteObject]]:
    """Every mirror model, in app order: the sweeper claims the due rows of each."""
    return list(remote_kinds())


def backoff(attempts: int) -> dt.timedelta:
    base = app_settings.POLL_INTERVAL_SECONDS
    cap = app_settings.POLL_MAX_INTERVAL_SECONDS
    return dt.timedelta(seconds=min(cap, base * (2 ** max(0, attempts - 1))))


def claim_due(
    model: type[models.Model],
    on_claimed: Callable[[list[int]], None],
    *,
    now: dt.datetime | None = None,
    limit: int | None = None,
) -> list[int]:
    now = now or timezone.now()
    limit = limit or app_settings.POLL_BATCH_SIZE
    with transaction.atomic():
        rows = list(
            model._default_manager.select_for_update(skip_locked=True)
            .filter(next_poll_at__lte=now)
            .order_by("next_poll_at")
            .values_list("pk", "poll_attempts")[:limit]
        )
        for pk, attempts in rows:
            model._default_manager.filter(pk=pk).update(
                next_poll_at=now + backoff(attempts + 1), poll_attempts=attempts + 1
            )
        pks = [pk for pk, _ in rows]
        if pks:
            transaction.on_commit(lambda: on_claimed(pks))
    return pks


def _retrieve(obj: RemoteObject) -> tuple[dict[str, Any], float | None]:
    """The remote object, and the server's requested poll interval (``openai-poll-after-ms``)."""
    resource = operator.attrgetter(obj.remote_kind.resource)(client_for(obj.client_alias).with_raw_response)
    raw = resource.retrieve(obj.openai_id)
    after = raw.headers.get("openai-poll-after-ms")
    try:
        seconds = float(after) / 1000 if after else None
    except ValueError:
        seconds = None
    return raw.parse().to_dict(), seconds


def poll(model: type[RemoteObject], pk: int) -> str | None:
    """Fetch one object and apply it. Returns the name of the follow-up to run (``"ingest"``), or None."""
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None or (obj.is_settled and not obj.needs_follow_up):
        return None
    try:
        remote, poll_after = _retrieve(obj)
    except Exception as exc:
        model._default_manager.filter(pk=pk).update(last_error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    follow_up = None
    with transaction.atomic():
        obj = model._default_manager.select_for_update().get(pk=pk)
        change = save_remote(obj, remote)
        now = timezone.now()
        obj.last_error = ""
        if change is not None:
            obj.poll_attempts = 0
        if obj.is_settled:
            obj.next_poll_at = None
            follow_up = _on_settled(obj, change, now)
        else:
            obj.next_poll_at = now + (
                dt.timedelta(seconds=poll_after) if poll_after else backoff(obj.poll_attempts + 1)
            )
        obj.save(update_fields=["last_error", "poll_attempts", "next_poll_at"])
    if obj.remote_kind.after_poll:
        import_string(obj.remote_kind.after_poll)(obj)
    return follow_up


def _on_settled(obj: RemoteObject, change: tuple[str, str] | None, now: dt.datetime) -> str | None:
    """Polling stopped: start the follow-up the row needs, or send the kind's signal for its status."""
    kind = obj.remote_kind
    if kind.follow_up is not None and obj.needs_follow_up:
        # A lease: if the worker doing the follow-up dies, a later sweep finds the row due again.
        obj.next_poll_at = now + dt.timedelta(seconds=kind.follow_up.lease())
        return kind.follow_up.name
    if change is None:
        return None
    if kind.on_terminal:
        import_string(kind.on_terminal)(obj)
        return None
    signal = kind.signals.get(obj.status)
    if signal is not None:
        send_on_commit(signal, obj)
    return None

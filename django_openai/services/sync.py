"""Importing what already exists remotely (``manage.py openai_sync``).

Every kind whose ``remote_kind`` has a ``sync_name`` is importable, by that name.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from ..models.base import RemoteObject, synced_models
from ._common import async_twin, client_for, save_remote


def sync_names() -> list[str]:
    """The kinds that can be imported, in app order ("files", "batches", "fine_tuning"...)."""
    return list(synced_models())


def import_remote(kinds: Iterable[str] | None = None, *, client_alias: str = "default") -> dict[str, int]:
    """Import (or update) every remote object of the given kinds (all when None); count each."""
    client = client_for(client_alias)
    models = synced_models()
    counts: dict[str, int] = {}
    for name in sync_names() if kinds is None else kinds:
        model = models[name]
        kind = model.remote_kind
        count = 0
        for remote in operator.attrgetter(kind.resource)(client).list(**kind.list_params):
            data = remote.to_dict()
            with transaction.atomic():
                obj = (
                    model._default_manager.select_for_update()
                    .filter(client_alias=client_alias, openai_id=data["id"])
                    .first()
                )
                if obj is None:
                    obj = model(client_alias=client_alias, openai_id=data["id"])
                save_remote(obj, data)
                if kind.poll_imported and (not obj.is_settled or obj.needs_follow_up):
                    obj.next_poll_at = timezone.now()
                    obj.save(update_fields=["next_poll_at"])
            count += 1
        counts[name] = count
    return counts


def refresh_remote(obj: RemoteObject) -> RemoteObject:
    """Fetch one mirrored object now and apply it: its kind's own refresh verb when it has one
    (a job's also fetches its new events), else the kind's resource. An unsettled row is made
    due so that the sweeper follows it on."""
    verb = getattr(obj, "refresh", None)
    if callable(verb):
        verb()
        return obj
    resource = operator.attrgetter(obj.remote_kind.resource)(client_for(obj.client_alias))
    remote = resource.retrieve(obj.openai_id).to_dict()
    with transaction.atomic():
        save_remote(obj, remote)
        if not obj.is_settled and obj.next_poll_at is None:
            obj.next_poll_at = timezone.now()
            obj.save(update_fields=["next_poll_at"])
    return obj


arefresh_remote = async_twin(refresh_remote)

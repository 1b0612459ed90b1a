"""Importing what already exists remotely (``manage.py openai_sync``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from ..models import Batch, File, FineTuningJob
from ..models.base import RemoteObject
from ._common import client_for, save_remote

KINDS = ("files", "batches", "fine_tuning")


def import_remote(kinds: Iterable[str] = KINDS, *, client_alias: str = "default") -> dict[str, int]:
    client = client_for(client_alias)
    counts: dict[str, int] = {}
    sources: dict[str, tuple[type[RemoteObject], Iterable[object]]] = {
        "files": (File, lambda: client.files.list()),  # type: ignore[dict-item]
        "batches": (Batch, lambda: client.batches.list(limit=100)),  # type: ignore[dict-item]
        "fine_tuning": (FineTuningJob, lambda: client.fine_tuning.jobs.list(limit=100)),  # type: ignore[dict-item]
    }
    for kind in kinds:
        model, listing = sources[kind]
        count = 0
        for remote in listing():  # type: ignore[operator]
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
                if model is not File and (not obj.is_terminal or getattr(obj, "needs_ingestion", False)):
                    obj.next_poll_at = timezone.now()
                    obj.save(update_fields=["next_poll_at"])
            count += 1
        counts[kind] = count
    return counts

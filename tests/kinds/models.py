"""A mirror of vector stores, declared the way a project (or the next kind of this package) would.

Nothing else in the package names it: the sweeper, the webhook view and ``manage.py openai_sync``
find it through its ``remote_kind`` alone.
"""

from __future__ import annotations

from django.db import models
from django.dispatch import Signal

from django_openai.models import RemoteObject
from django_openai.models.kinds import RemoteKind

vector_store_ready = Signal()
vector_store_expired = Signal()


class VectorStore(RemoteObject):
    name = models.CharField(max_length=255, blank=True)

    remote_kind = RemoteKind(
        resource="vector_stores",
        statuses={"in_progress": 0, "completed": 1, "expired": 2},
        # Done for this project once indexed (the API would take it back to in_progress when
        # files are added: a project that adds files later would leave "completed" out).
        terminal=frozenset({"completed", "expired"}),
        # The API sends no vector store events; this prefix stands for a kind that has some.
        webhook_events=("vector_store.",),
        signals={"completed": vector_store_ready, "expired": vector_store_expired},
        sync_name="vector_stores",
        list_params={"limit": 100},
        after_poll="tests.kinds.hooks.record_poll",
    )

    class Meta(RemoteObject.Meta):
        constraints = RemoteObject.Meta.constraints

    def copy_columns(self, remote: dict) -> None:
        self.name = remote.get("name") or self.name

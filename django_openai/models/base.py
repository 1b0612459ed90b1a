"""The remote-object mirror, after dj-stripe (docs/architecture.md, "Mirror models").

A local integer key; ``(client_alias, openai_id)`` unique; the last remote object whole in
``data``; only the columns we filter or sort on promoted; status that only moves forward; and the
sweeper's bookkeeping (``next_poll_at``, ``poll_attempts``, ``last_error``). Each concrete mirror
declares its :class:`~.kinds.RemoteKind`; :func:`remote_kinds` collects them.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any, ClassVar

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from .fields import StatusField
from .kinds import RemoteKind


def from_timestamp(value: Any) -> dt.datetime | None:
    if value in (None, "", 0):
        return None
    return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)


class RemoteObject(models.Model):
    client_alias = models.CharField(max_length=100, default="default", db_index=True)
    openai_id = models.CharField(max_length=255)
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder, blank=True)
    status = StatusField(help_text="The remote status; it only moves forward.")
    remote_created_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    poll_attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    #: What the machinery needs to know of this kind: every concrete mirror declares one.
    remote_kind: ClassVar[RemoteKind]
    #: Remote fields copied to columns of the same name (timestamps are converted).
    TIMESTAMP_FIELDS: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["client_alias", "openai_id"], name="%(app_label)s_%(class)s_unique_remote"
            )
        ]

    def __str__(self) -> str:
        return f"{self.openai_id} ({self.status or 'unknown'})"

    @property
    def is_terminal(self) -> bool:
        return self.status in self.remote_kind.terminal

    @property
    def is_settled(self) -> bool:
        """Whether polling stops here: a terminal status, or one the kind declares settled."""
        return self.remote_kind.settles(self.status)

    @property
    def needs_follow_up(self) -> bool:
        """Whether the kind's follow-up (``remote_kind.follow_up``) still has work on this row."""
        return False

    def accepts_status(self, new: str | None) -> bool:
        """Whether a remote status may replace the current one (forward only)."""
        if not new or new == self.status:
            return True
        if not self.status:
            return True
        if self.status in self.remote_kind.terminal:
            return False
        ranks = self.remote_kind.statuses
        return ranks.get(new, 0) >= ranks.get(self.status, 0)

    def apply_remote(self, remote: dict[str, Any]) -> tuple[str, str] | None:
        """Take a freshly fetched remote object. Returns ``(old, new)`` when the status changed.

        A stale answer (a status behind the one stored) changes nothing at all: not the status,
        not ``data``; only ``synced_at`` records that we asked.
        """
        self.synced_at = timezone.now()
        new = remote.get("status") or ""
        if not self.accepts_status(new):
            return None
        old = self.status
        self.data = remote
        self.status = new
        if remote.get("created_at"):
            self.remote_created_at = from_timestamp(remote["created_at"])
        for name in self.TIMESTAMP_FIELDS:
            setattr(self, name, from_timestamp(remote.get(name)))
        self.copy_columns(remote)
        return (old, new) if old != new else None

    def copy_columns(self, remote: dict[str, Any]) -> None:
        """Promote the fields a subclass filters or sorts on."""


@functools.cache
def remote_kinds() -> dict[type[RemoteObject], RemoteKind]:
    """Every mirror model of the project (this app's and any other's) and its kind, in app order."""
    apps.check_models_ready()
    return {model: kind_of(model) for model in apps.get_models() if issubclass(model, RemoteObject)}


def kind_of(model: type[RemoteObject]) -> RemoteKind:
    kind = getattr(model, "remote_kind", None)
    if not isinstance(kind, RemoteKind):
        raise ImproperlyConfigured(
            f"{model._meta.label} is a RemoteObject without a remote_kind: declare one on the model "
            '(see docs/architecture.md, "Remote kinds").'
        )
    return kind


def model_for_event(event_type: str) -> type[RemoteObject] | None:
    """The mirror model a webhook event type concerns, if any."""
    return next((model for model, kind in remote_kinds().items() if kind.concerns(event_type)), None)


def synced_models() -> dict[str, type[RemoteObject]]:
    """The kinds ``manage.py openai_sync`` imports, by the name it knows them by."""
    return {kind.sync_name: model for model, kind in remote_kinds().items() if kind.sync_name}

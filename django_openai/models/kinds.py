"""What the machinery needs to know of one mirrored remote kind, declared once on its model.

See docs/architecture.md, "Remote kinds". The sweeper, the webhook view, ``manage.py
openai_sync`` and the admin find every kind through the registry (:func:`.base.remote_kinds`),
so adding a polled kind is one model module:

    class VectorStore(RemoteObject):
        remote_kind = RemoteKind(
            resource="vector_stores",
            statuses={"in_progress": 0, "completed": 1, "expired": 2},
            terminal=frozenset({"completed", "expired"}),
            sync_name="vector_stores",
        )
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.dispatch import Signal


@dataclass(frozen=True, kw_only=True)
class FollowUp:
    """Long work a row still needs once it is terminal (a batch's results to store).

    It runs in a task of its own, given the row's pk, while ``needs_follow_up`` is true; the
    sweeper holds a lease on the row meanwhile, so that a worker that dies is replaced.
    """

    #: What :func:`~django_openai.services.polling.poll` returns when the work is due ("ingest").
    name: str
    #: The Celery task (by name) that does it.
    task: str
    #: Seconds after which the sweeper presumes the task dead and polls the row again (read at use time).
    lease: Callable[[], float]


@dataclass(frozen=True, kw_only=True)
class RemoteKind:
    #: The client resource, as an attribute path from the client: "batches", "fine_tuning.jobs".
    resource: str
    #: Remote status -> rank. A status of lower rank never replaces one of higher rank.
    statuses: Mapping[str, int]
    #: Statuses after which nothing changes any more: polling stops, and the status stays.
    terminal: frozenset[str]
    #: Statuses at which polling stops although a verb of ours may still move the row on (a
    #: processed file can still be deleted). Terminal statuses are settled too; ``signals`` may
    #: name a settled status, sent when a poll brings a row there.
    settled: frozenset[str] = frozenset()
    #: Webhook event type prefixes that concern this kind ("batch."): a delivery marks the row due.
    webhook_events: tuple[str, ...] = ()
    #: Settled (or terminal) status -> the signal sent (once committed) when a poll brings a row there. A kind
    #: with a follow-up sends its own when the follow-up is done.
    signals: Mapping[str, Signal] = field(default_factory=dict)
    #: The name ``manage.py openai_sync`` knows the kind by; empty when it is not imported.
    sync_name: str = ""
    #: Arguments of the resource's ``list()`` when importing.
    list_params: Mapping[str, Any] = field(default_factory=dict)
    #: Whether imported rows that are not finished are scheduled for polling.
    poll_imported: bool = True
    #: Dotted path of a service function, ``hook(row)``, run after every poll once its
    #: transaction is committed (fine-tuning jobs fetch their new events there). A path, not an
    #: import: services sit above models (docs/architecture.md, "Layers").
    after_poll: str = ""
    #: Dotted path of a service function, ``hook(row)``, run in the poll's transaction instead of
    #: sending ``signals`` when a poll brings a row to a terminal status and no follow-up is due
    #: (a batch with no results to store checks its request counts there, and signals itself).
    on_terminal: str = ""
    follow_up: FollowUp | None = None

    def settles(self, status: str) -> bool:
        """Whether polling stops at this status (a terminal or a settled one)."""
        return status in self.terminal or status in self.settled

    def concerns(self, event_type: str) -> bool:
        return any(event_type.startswith(prefix) for prefix in self.webhook_events)

"""Runs: one turn of a thread, and the events a streamed run leaves for readers who reconnect.

A run on the responses backend is one or more Responses (one per round of tool calls); its
``openai_id`` is the latest of them. A background run there is a mirror of that Response like any
other remote kind: the sweeper polls it, a ``response.*`` webhook makes it due, and the services
hooks below store its output and run its tools (docs/assistants.md, "Background runs"). A run on
the chat backend has no remote id: its ``openai_id`` stays empty, which the unique constraint of
mirrors leaves out.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.module_loading import import_string

from .assistants import AssistantVersion
from .base import RemoteObject
from .kinds import RemoteKind
from .threads import Thread
from .verbs import ServiceMethod

if TYPE_CHECKING:  # the verbs' types only: models never import services at run time
    from ..services import runs as services
    from ..services._common import async_twin

_SERVICES = "django_openai.services.runs."

#: The statuses a run moves through, with the rank the mirror base keeps them in order by.
RUN_STATUSES = {
    "queued": 0,
    "in_progress": 1,
    "requires_action": 2,
    "completed": 3,
    "failed": 3,
    "cancelled": 3,
    "incomplete": 3,
}
TERMINAL = frozenset({"completed", "failed", "cancelled", "incomplete"})
ACTIVE = frozenset(set(RUN_STATUSES) - TERMINAL)


class Run(RemoteObject):
    #: The latest Response of the run (responses backend); empty on the chat backend.
    openai_id = models.CharField(max_length=255, blank=True, default="")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="runs")
    #: The exact configuration the run used (None once its assistant is deleted).
    assistant_version = models.ForeignKey(
        AssistantVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    backend = models.CharField(max_length=16, blank=True)
    model = models.CharField(max_length=200, blank=True)
    background = models.BooleanField(default=False)
    stream = models.BooleanField(default=False)
    #: The per-run overrides of the assistant's settings, as given (kept for background rounds).
    overrides = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    #: Rounds of model calls so far (one, plus one per turn of tool outputs).
    rounds = models.PositiveSmallIntegerField(default=0)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cached_tokens = models.PositiveIntegerField(default=0)
    reasoning_tokens = models.PositiveIntegerField(default=0)
    #: True when part of the usage is an estimate (a stream cut before the server counted it).
    usage_estimated = models.BooleanField(default=False)
    #: Seconds from the first request to the first token of the answer.
    time_to_first_token = models.FloatField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    #: Indexed: the sweeper deletes the event logs of runs that ended a while ago.
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)
    #: Set by ``run.cancel()`` for a run another process is running: it stops at its next check.
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    #: ``{"code": ..., "message": ...}`` when the run failed or was cut short.
    error = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    #: The final answer parsed as the assistant's response format asks (see ``parsed``).
    output_parsed = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)

    remote_kind = RemoteKind(
        resource="responses",
        statuses=RUN_STATUSES,
        terminal=TERMINAL,
        webhook_events=("response.",),
        # The hooks store the output, run the tools, signal and release the thread: a run's end is
        # more than a status (a round that asks for tools is not the end of the run).
        on_terminal=_SERVICES + "background_round_ended",
        after_poll=_SERVICES + "after_background_poll",
    )

    class Meta:
        ordering = ["-created"]
        constraints = [
            # Chat runs have no remote id: only the runs that have one must be unique.
            models.UniqueConstraint(
                fields=["client_alias", "openai_id"],
                condition=~Q(openai_id=""),
                name="django_openai_run_unique_remote",
            )
        ]
        indexes = [models.Index(fields=["thread", "-created"], name="django_openai_run_thread")]

    def __str__(self) -> str:
        return f"Run {self.pk} ({self.status or 'new'})"

    def accepts_status(self, new: str | None) -> bool:
        # Only background runs follow their remote response; a foreground run's status is the
        # runner's, whatever a poll (after a webhook, say) brings back.
        return self.background and super().accepts_status(new)

    def apply_remote(self, remote: dict[str, Any]) -> tuple[str, str] | None:
        output = remote.get("output") or ()
        if remote.get("status") == "completed" and any(
            isinstance(item, dict) and item.get("type") == "function_call" for item in output
        ):
            # The response is done, the run is not: its function calls are ours to run.
            remote = {**remote, "status": "requires_action"}
        return super().apply_remote(remote)

    def copy_columns(self, remote: dict[str, Any]) -> None:
        self.model = remote.get("model") or self.model

    @property
    def usage(self) -> dict[str, int]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cached_tokens": self.cached_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "total_tokens": self.input_tokens + self.output_tokens,
        }

    @property
    def latency(self) -> dt.timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    @property
    def parsed(self) -> Any:
        """The structured answer: an instance of the assistant's pydantic model when it names one,
        else the decoded JSON; None when the assistant asks for no format or the run has no answer."""
        if self.output_parsed is None:
            return None
        fmt = self.assistant_version.snapshot.get("response_format") if self.assistant_version else None
        if isinstance(fmt, str):
            return import_string(fmt).model_validate(self.output_parsed)
        return self.output_parsed

    # Verbs: the service functions themselves (docs/architecture.md, "Verbs").
    if TYPE_CHECKING:
        cancel = services.cancel_run
        acancel = async_twin(services.cancel_run)
        refresh = services.refresh_run
        arefresh = async_twin(services.refresh_run)
        follow = services.follow_run
        afollow = services.afollow_run
    else:
        cancel = ServiceMethod(_SERVICES + "cancel_run")
        acancel = ServiceMethod(_SERVICES + "acancel_run")
        refresh = ServiceMethod(_SERVICES + "refresh_run")
        arefresh = ServiceMethod(_SERVICES + "arefresh_run")
        follow = ServiceMethod(_SERVICES + "follow_run")
        afollow = ServiceMethod(_SERVICES + "afollow_run")


class RunEvent(models.Model):
    """One event of a run, kept while it runs, so that a reader who reconnects can catch up.

    Written in small batches by the process that runs it (docs/assistants.md, "Reconnecting");
    ``follow_run`` reads them from any process.
    """

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="events")
    sequence = models.PositiveIntegerField()
    type = models.CharField(max_length=64)
    data = models.JSONField(encoder=DjangoJSONEncoder)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["run", "sequence"], name="django_openai_runevent_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.sequence}. {self.type}"

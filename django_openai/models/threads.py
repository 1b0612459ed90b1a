"""Threads: a conversation, kept as a local, ordered log of items (docs/assistants.md).

On the responses backend the thread also has a remote Conversation (or a chain of responses); on
the chat backend the log is replayed to ``/chat/completions``. Either way the log here is the
thread as people see it: every message, tool call and tool output, in order, with the run that
wrote it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from .assistants import Assistant
from .fields import StatusField
from .verbs import ServiceMethod

if TYPE_CHECKING:  # the verbs' types only: models never import services at run time
    from ..services import runs as run_services
    from ..services import threads as services
    from ..services._common import async_twin
    from .runs import Run

_SERVICES = "django_openai.services.threads."
_RUNS = "django_openai.services.runs."


class Backend(models.TextChoices):
    RESPONSES = "responses", "Responses API"
    CHAT = "chat", "Chat completions"


class Thread(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: The assistant a run uses when none is given.
    assistant = models.ForeignKey(
        Assistant, null=True, blank=True, on_delete=models.SET_NULL, related_name="threads"
    )
    #: Set from the first message unless given.
    title = models.CharField(max_length=200, blank=True)
    #: The client the thread talks to, fixed by its first run: its remote ids belong to that provider.
    client_alias = models.CharField(max_length=100, blank=True)
    #: How its runs reach the model, fixed by its first run ("responses" or "chat").
    backend = models.CharField(max_length=16, blank=True, choices=Backend.choices)
    #: The remote Conversation, where the provider has them (responses backend).
    remote_conversation_id = models.CharField(max_length=255, blank=True)
    #: The last completed response (responses backend): chained with ``previous_response_id``
    #: where the provider has no conversations.
    last_response_id = models.CharField(max_length=255, blank=True)
    #: The position of the last item the remote side holds (responses backend): the items after it
    #: are the next run's input.
    remote_position = models.PositiveIntegerField(default=0)
    #: The position of the last item (positions are dense, from 1).
    item_count = models.PositiveIntegerField(default=0)
    #: The run in progress, if any: at most one per thread (docs/assistants.md, "One run at a time").
    active_run = models.ForeignKey(
        "django_openai.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    metadata = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    archived = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated"]
        indexes = [models.Index(fields=["owner", "-updated"], name="django_openai_thread_owner")]

    def __str__(self) -> str:
        return self.title or f"Thread {self.pk}"

    # Verbs: the service functions themselves (docs/architecture.md, "Verbs").
    if TYPE_CHECKING:
        add_message = services.add_message
        aadd_message = async_twin(services.add_message)
        run = run_services.run_thread
        arun = run_services.arun_thread
        add_items = services.add_items
    else:
        add_message = ServiceMethod(_SERVICES + "add_message")
        aadd_message = ServiceMethod(_SERVICES + "aadd_message")
        add_items = ServiceMethod(_SERVICES + "add_items")
        run = ServiceMethod(_RUNS + "run_thread")
        arun = ServiceMethod(_RUNS + "arun_thread")

    @property
    def current_run(self) -> Run | None:
        """The run in progress, or None (a run whose process died counts until it is stale)."""
        run = self.active_run
        return None if run is None or run.is_terminal else run


class ItemStatus(models.TextChoices):
    COMPLETED = "completed", "Completed"
    INCOMPLETE = "incomplete", "Incomplete"


class ThreadItem(models.Model):
    """One item of a thread, as the Responses API shapes items (on both backends).

    ``content`` is the item as the API gives it (a message's role and content parts, a call's name,
    call id and arguments, a tool's output); ``type``, ``role``, ``text``, ``call_id`` and ``name``
    are copied out of it for display, filtering and search.
    """

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="items")
    #: 1, 2, 3... within the thread, without gaps.
    position = models.PositiveIntegerField()
    #: message, function_call, function_call_output, reasoning, web_search_call...
    type = models.CharField(max_length=64)
    role = models.CharField(max_length=32, blank=True)
    content = models.JSONField(encoder=DjangoJSONEncoder)
    #: The plain text of a message (or a tool's output), for display and search.
    text = models.TextField(blank=True)
    #: Function calls and their outputs: the call they belong to, and the tool's name.
    call_id = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=255, blank=True)
    #: The item's id on the provider's side, where it has one.
    remote_id = models.CharField(max_length=255, blank=True)
    #: The run that wrote it (none for a message added by hand).
    run = models.ForeignKey(
        "django_openai.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    #: "incomplete": cut short (a stream whose reader went away, an answer over its token limit).
    status = StatusField(default=ItemStatus.COMPLETED, choices=ItemStatus.choices, db_index=False)
    #: A tool's exception (or why it did not run), on its output item.
    error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["thread", "position"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "position"], name="django_openai_threaditem_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.type}" + (f" ({self.role})" if self.role else "")

    def as_dict(self) -> dict[str, Any]:
        """The item as the API shapes it."""
        return dict(self.content)

"""Assistants: a named, versioned configuration of a model, kept in our tables (docs/assistants.md).

OpenAI shut the Assistants API down; the shape lives on here (docs/architecture.md, decision 3).
Every save that changes how the assistant behaves makes a new :class:`AssistantVersion`, a frozen
snapshot, and a run records the exact version it used: a conversation can always be explained by
the configuration that produced it, however the assistant was edited since.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q


class Assistant(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    client_alias = models.CharField(max_length=100, default="default")
    model = models.CharField(max_length=200)
    instructions = models.TextField(blank=True)
    #: Function tools by registered name (``"get_weather"``, see ``django_openai.tool``), hosted
    #: tools as the API takes them (``{"type": "web_search"}``, ``{"type": "file_search"}``...).
    tools = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    #: ``{"file_search": {"vector_store_ids": [...]}}``: given to the hosted tools that take them.
    tool_resources = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    #: A JSON schema (``{"name": ..., "schema": {...}}``, or a bare schema), or the dotted path of a
    #: pydantic model: the run's final answer is then parsed and validated (``run.parsed``).
    response_format = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    temperature = models.FloatField(null=True, blank=True)
    top_p = models.FloatField(null=True, blank=True)
    max_output_tokens = models.PositiveIntegerField(null=True, blank=True)
    reasoning_effort = models.CharField(max_length=16, blank=True)
    #: The chat backend replays at most this many tokens of the thread (oldest turns dropped first).
    max_context_tokens = models.PositiveIntegerField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    #: The id (``asst_...``) of the Assistants API object it was imported from, if it was
    #: (``manage.py openai_import_assistants``): importing the same object again updates this row.
    legacy_id = models.CharField(max_length=255, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: The number of the newest version (0 before the first save).
    version = models.PositiveIntegerField(default=0, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    #: The fields that change what a run does: a change to any of them makes a new version.
    BEHAVIOUR_FIELDS: ClassVar[tuple[str, ...]] = (
        "client_alias",
        "model",
        "instructions",
        "tools",
        "tool_resources",
        "response_format",
        "temperature",
        "top_p",
        "max_output_tokens",
        "reasoning_effort",
        "max_context_tokens",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["legacy_id"], condition=~Q(legacy_id=""), name="django_openai_assistant_legacy_id"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def snapshot(self) -> dict[str, Any]:
        """What a version freezes: the behaviour fields, as JSON."""
        return {name: getattr(self, name) for name in self.BEHAVIOUR_FIELDS}

    def save(self, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)
            self._version_if_changed()

    def _version_if_changed(self) -> None:
        snapshot = self.snapshot()
        latest = self.latest_version
        # Compared as JSON would store them, so that a tuple or a lazy string changes nothing.
        if latest is not None and latest.snapshot == _as_stored(snapshot):
            return
        number = (latest.number if latest else 0) + 1
        AssistantVersion.objects.create(assistant=self, number=number, snapshot=snapshot)
        type(self).objects.filter(pk=self.pk).update(version=number)
        self.version = number

    @property
    def latest_version(self) -> AssistantVersion | None:
        return self.versions.order_by("-number").first()


def _as_stored(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


class AssistantVersion(models.Model):
    """A frozen snapshot of an assistant's behaviour fields; runs point at the one they used."""

    assistant = models.ForeignKey(Assistant, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField(encoder=DjangoJSONEncoder)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assistant", "number"]
        constraints = [
            models.UniqueConstraint(fields=["assistant", "number"], name="django_openai_assistant_version")
        ]

    def __str__(self) -> str:
        return f"{self.assistant} v{self.number}"

    def setting(self, name: str, default: Any = None) -> Any:
        value = self.snapshot.get(name)
        return default if value in (None, "") else value

"""What the API shows of assistants, threads, their items and runs, and what it accepts.

Input is strict (an unknown field is named, not ignored). An assistant's settings are checked as
a run would use them (``services.assistants.check_settings``), each problem named on its field.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from ..conf import app_settings
from ..models import Assistant, AssistantVersion, Run, Thread, ThreadItem
from ..models.threads import Backend
from ..services.assistants import check_settings, usable_assistants
from ..services.threads import ROLES
from ..streaming import PROTOCOLS
from .serializers import JSONObjectField, StrictInput, StrictSerializer

#: Which field a ``check_settings`` refusal is about, by its code.
_SETTING_OF_CODE = {
    "unknown_tool": "tools",
    "invalid_tool": "tools",
    "invalid_response_format": "response_format",
    "missing_model": "model",
}


def _tool_entry(value: Any) -> Any:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict) and isinstance(value.get("type"), str):
        return value
    raise serializers.ValidationError(
        'each tool is a registered function\'s name ("get_weather") or a hosted tool as the API '
        'takes it ({"type": "web_search"}).'
    )


class ToolField(serializers.JSONField):
    def to_internal_value(self, data: Any) -> Any:
        return _tool_entry(data)


# -- assistants -------------------------------------------------------------------------------------


class AssistantSerializer(StrictInput, serializers.ModelSerializer):
    """An assistant; ``version`` is the number of its newest version (each behaviour change makes one)."""

    object = serializers.SerializerMethodField()
    tools = serializers.ListField(child=ToolField(), required=False)
    tool_resources = JSONObjectField(required=False)
    response_format = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="A JSON schema ({name, schema}, or a bare schema), or the dotted path of a pydantic model.",
    )
    metadata = JSONObjectField(required=False)
    client_alias = serializers.CharField(required=False, max_length=100)

    class Meta:
        model = Assistant
        fields = (
            "id",
            "object",
            "name",
            "slug",
            *Assistant.BEHAVIOUR_FIELDS,
            "metadata",
            "version",
            "created",
            "updated",
        )
        read_only_fields = ("version", "created", "updated")
        extra_kwargs = {
            "temperature": {"min_value": 0.0, "max_value": 2.0},
            "top_p": {"min_value": 0.0, "max_value": 1.0},
        }

    def get_object(self, obj: Assistant) -> str:
        return "assistant"

    def validate_client_alias(self, value: str) -> str:
        known = app_settings.CLIENTS
        if value not in known:
            raise serializers.ValidationError(
                f"no client {value!r} in DJANGO_OPENAI['CLIENTS'] (configured: {', '.join(sorted(known))})."
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The settings as they will be after this save, checked as a run would use them.
        current = self.instance or Assistant()
        draft = Assistant(**{name: getattr(current, name) for name in Assistant.BEHAVIOUR_FIELDS})
        for name, value in attrs.items():
            if name in Assistant.BEHAVIOUR_FIELDS:
                setattr(draft, name, value)
        try:
            check_settings(draft.snapshot())
        except DjangoValidationError as exc:
            field = _SETTING_OF_CODE.get(str(exc.code), "non_field_errors")
            raise serializers.ValidationError({field: exc.messages}) from None
        return attrs


class AssistantVersionSerializer(serializers.ModelSerializer):
    """One version: its frozen settings, and what changed from the one before (``changes``)."""

    id = serializers.IntegerField(source="number", read_only=True)
    object = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()

    class Meta:
        model = AssistantVersion
        fields = ("id", "object", "number", "snapshot", "changes", "created")

    def get_object(self, obj: AssistantVersion) -> str:
        return "assistant.version"

    def get_changes(self, obj: AssistantVersion) -> list[dict[str, Any]]:
        """[{field, before, after}]; ``before`` is null for the first version."""
        from ..services.assistants import snapshot_changes

        previous = self.context.get("previous", {}).get(obj.number - 1)
        return [
            {"field": change.field, "before": change.before, "after": change.after}
            for change in snapshot_changes(previous, obj.snapshot)
        ]


# -- threads ----------------------------------------------------------------------------------------


class AssistantRefField(serializers.CharField):
    """An assistant named by its slug or its id: one the requesting user may use
    (``services.assistants.usable_assistants``); another user's is as unknown as a missing one."""

    def to_internal_value(self, data: Any) -> Any:
        value = str(super().to_internal_value(data)).strip()
        request = self.context.get("request")
        usable = usable_assistants(getattr(request, "user", None))
        found = usable.filter(slug=value).first()
        if found is None and value.isdecimal():
            found = usable.filter(pk=int(value)).first()
        if found is None:
            raise serializers.ValidationError(f"no assistant {value!r} (give its slug or its id).")
        return found


class ThreadSerializer(serializers.ModelSerializer):
    object = serializers.SerializerMethodField()
    assistant: serializers.SlugRelatedField[Assistant] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    active_run = serializers.SerializerMethodField()

    class Meta:
        model = Thread
        fields = (
            "id",
            "object",
            "title",
            "assistant",
            "backend",
            "client_alias",
            "metadata",
            "archived",
            "item_count",
            "active_run",
            "created",
            "updated",
        )

    def get_object(self, obj: Thread) -> str:
        return "thread"

    def get_active_run(self, obj: Thread) -> int | None:
        """The run in progress, if any (its id)."""
        run = obj.current_run
        return run.pk if run is not None else None


class ThreadCreateSerializer(StrictSerializer):
    assistant = AssistantRefField(required=False, allow_null=True, help_text="Its slug or its id.")
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    backend = serializers.ChoiceField(
        choices=Backend.values,
        required=False,
        help_text="How its runs reach the model; by default what the client alias uses (THREAD_BACKEND).",
    )
    metadata = JSONObjectField(required=False)


class ThreadUpdateSerializer(StrictSerializer):
    assistant = AssistantRefField(required=False, allow_null=True, help_text="Its slug or its id.")
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    metadata = JSONObjectField(required=False)
    archived = serializers.BooleanField(
        required=False, help_text="An archived thread takes no message or run."
    )


class ThreadItemSerializer(serializers.ModelSerializer):
    """One item of the log; ``id`` is the cursor for ``after``."""

    id = serializers.CharField(source="pk", read_only=True)
    object = serializers.SerializerMethodField()
    content = serializers.JSONField(read_only=True, help_text="The item as the Responses API shapes it.")
    run = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)  # type: ignore[var-annotated]

    class Meta:
        model = ThreadItem
        fields = (
            "id",
            "object",
            "position",
            "type",
            "role",
            "status",
            "text",
            "content",
            "call_id",
            "name",
            "run",
            "error",
            "created",
        )

    def get_object(self, obj: ThreadItem) -> str:
        return "thread.item"


class MessageCreateSerializer(StrictSerializer):
    content = serializers.JSONField(
        help_text=(
            'A text, or content parts ([{"type": "input_text", "text": ...}, '
            '{"type": "input_image", "image_url": ...}]).'
        )
    )
    role = serializers.ChoiceField(choices=list(ROLES), default="user")

    def validate_content(self, value: Any) -> Any:
        if not isinstance(value, str | list):
            raise serializers.ValidationError("must be a text or a list of content parts.")
        return value


# -- runs -------------------------------------------------------------------------------------------


class RunSerializer(serializers.ModelSerializer):
    object = serializers.SerializerMethodField()
    thread = serializers.PrimaryKeyRelatedField(read_only=True)  # type: ignore[var-annotated]
    assistant = serializers.SerializerMethodField()
    assistant_version = serializers.SerializerMethodField()
    usage = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    response_id = serializers.CharField(source="openai_id", read_only=True)

    class Meta:
        model = Run
        fields = (
            "id",
            "object",
            "thread",
            "assistant",
            "assistant_version",
            "status",
            "backend",
            "model",
            "background",
            "stream",
            "overrides",
            "response_id",
            "rounds",
            "usage",
            "usage_estimated",
            "time_to_first_token",
            "error",
            "output_parsed",
            "started_at",
            "finished_at",
            "created",
        )

    def get_object(self, obj: Run) -> str:
        return "thread.run"

    def get_assistant(self, obj: Run) -> str | None:
        version = obj.assistant_version
        return version.assistant.slug if version is not None else None

    def get_assistant_version(self, obj: Run) -> int | None:
        return obj.assistant_version.number if obj.assistant_version is not None else None


class RunCreateSerializer(StrictSerializer):
    assistant = AssistantRefField(
        required=False, allow_null=True, help_text="Its slug or its id; the thread's assistant by default."
    )
    overrides = JSONObjectField(
        required=False,
        help_text=(
            "For this run only: the assistant's settings (model, instructions, temperature, tools...) "
            "or request parameters (tool_choice, metadata...)."
        ),
    )
    background = serializers.BooleanField(
        default=False, help_text="Return at once; the run goes on without this request."
    )
    stream = serializers.BooleanField(
        default=False,
        help_text="Answer with the run's events as Server-Sent Events (Accept: text/event-stream).",
    )
    protocol = serializers.ChoiceField(
        choices=list(PROTOCOLS),
        default="openai",
        help_text=(
            "The stream's format: openai (named events: id, event, data) or ui (the AI SDK's UI "
            "message stream)."
        ),
    )

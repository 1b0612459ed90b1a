"""Assistants: what a version asks of a run, resolved (its tools, its response format, the overrides);
saving an assistant checked; what changed from one version to the next.

Resolved before anything is written, so that an unknown tool, a response format that names no
pydantic model or an override the run sets itself is a clear error and leaves nothing behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.module_loading import import_string

from ..models import Assistant, AssistantVersion
from ..tools import ToolNotFound, get_tool, strict_schema
from ._run_backends import RESERVED_KEYS, RunSettings

__all__ = [
    "Change",
    "check_settings",
    "json_schema_format",
    "parse_output",
    "run_settings",
    "save_assistant",
    "snapshot_changes",
    "usable_assistants",
]

#: Overrides that change the assistant's own settings (the rest go to the request as given).
SETTING_OVERRIDES = (
    "model",
    "instructions",
    "temperature",
    "top_p",
    "max_output_tokens",
    "reasoning_effort",
    "max_context_tokens",
    "response_format",
    "tools",
)
#: Hosted tools that take vector stores from the assistant's ``tool_resources``.
_RESOURCE_TOOLS = {"file_search": "vector_store_ids"}


def usable_assistants(user: Any) -> QuerySet[Assistant]:
    """The assistants a user's threads and runs may name: the shared ones (no owner), the user's
    own, and every one for staff. One rule for the API and the streaming views; another user's
    assistant is as unknown as one that does not exist."""
    assistants = Assistant.objects.all()
    if user is not None and user.is_authenticated and user.is_staff:
        return assistants
    if user is None or not user.is_authenticated:
        return assistants.filter(owner__isnull=True)
    return assistants.filter(Q(owner__isnull=True) | Q(owner_id=user.pk))


def json_schema_format(response_format: Any) -> dict[str, Any] | None:
    """The ``{"name", "schema", "strict"}`` a request carries for an assistant's response format."""
    if response_format in (None, "", {}):
        return None
    if isinstance(response_format, str):
        try:
            model = import_string(response_format)
        except ImportError as exc:
            raise ValidationError(
                f"response_format {response_format!r} names no importable pydantic model ({exc}).",
                code="invalid_response_format",
            ) from None
        if not hasattr(model, "model_json_schema"):
            raise ValidationError(
                f"response_format {response_format!r} is not a pydantic model.",
                code="invalid_response_format",
            )
        return {"name": model.__name__, "schema": strict_schema(model.model_json_schema()), "strict": True}
    if isinstance(response_format, dict):
        if isinstance(response_format.get("schema"), dict):
            fmt = dict(response_format)
            fmt.setdefault("name", "answer")
            return fmt
        if response_format.get("type") == "json_schema" and isinstance(
            response_format.get("json_schema"), dict
        ):
            return dict(response_format["json_schema"])
        if "type" in response_format or "properties" in response_format:
            return {"name": "answer", "schema": response_format}
    raise ValidationError(
        "response_format must be a JSON schema, {'name': ..., 'schema': {...}}, or the dotted path of a "
        "pydantic model.",
        code="invalid_response_format",
    )


def parse_output(response_format: Any, text: str) -> Any:
    """The final answer decoded (and validated, for a pydantic model); ValueError when it does not fit."""
    if isinstance(response_format, str):
        model = import_string(response_format)
        return model.model_validate_json(text).model_dump(mode="json")
    return json.loads(text)


def run_settings(snapshot: dict[str, Any], overrides: dict[str, Any]) -> RunSettings:
    """What every round of a run sends: the version's settings, with the run's overrides."""
    reserved = sorted(set(overrides) & RESERVED_KEYS)
    if reserved:
        raise ValidationError(
            f"{', '.join(reserved)} cannot be overridden: the run sets them itself.", code="reserved_override"
        )
    merged = {**snapshot, **{k: v for k, v in overrides.items() if k in SETTING_OVERRIDES}}
    if not merged.get("model"):
        raise ValidationError("The assistant has no model.", code="missing_model")
    function_tools: dict[str, Any] = {}
    hosted: list[dict[str, Any]] = []
    resources = snapshot.get("tool_resources") or {}
    for entry in merged.get("tools") or ():
        if isinstance(entry, str) or (isinstance(entry, dict) and entry.get("type") == "function"):
            name = entry if isinstance(entry, str) else str(entry.get("name") or "")
            function_tools[name] = get_tool(name)  # ToolNotFound names what is registered
        elif isinstance(entry, dict) and isinstance(entry.get("type"), str):
            tool = dict(entry)
            key = _RESOURCE_TOOLS.get(tool["type"])
            ids = (resources.get(tool["type"]) or {}).get(key) if key else None
            if ids and key and key not in tool:
                tool[key] = list(ids)
            hosted.append(tool)
        else:
            raise ValidationError(
                f"Each tool must be a registered function's name or a dict with a 'type', not {entry!r}.",
                code="invalid_tool",
            )
    return RunSettings(
        model=str(merged["model"]),
        instructions=str(merged.get("instructions") or ""),
        function_tools=function_tools,
        hosted_tools=hosted,
        json_schema=json_schema_format(merged.get("response_format")),
        params={
            name: merged.get(name)
            for name in ("temperature", "top_p", "max_output_tokens", "reasoning_effort")
            if merged.get(name) not in (None, "")
        },
        max_context_tokens=merged.get("max_context_tokens") or None,
        extra={k: v for k, v in overrides.items() if k not in SETTING_OVERRIDES},
    )


# -- saving from a form: checked, then versioned by the model --------------------------------------


def check_settings(snapshot: dict[str, Any]) -> None:
    """Raise ValidationError (its ``code`` says which setting) when a run could not use these
    settings: a function tool nobody registered, a hosted tool without a type, a response format
    that names no pydantic model, no model at all."""
    try:
        run_settings(snapshot, {})
    except ToolNotFound as exc:
        raise ValidationError(str(exc), code="unknown_tool") from None


def save_assistant(assistant: Assistant, *, check: bool = True) -> AssistantVersion | None:
    """Save an assistant (after :func:`check_settings`); the new version when its behaviour
    changed, None when it did not (a rename, new metadata). The model's ``save()`` makes the
    version, so that code which saves an assistant directly is versioned the same way."""
    if check:
        check_settings(assistant.snapshot())
    before = assistant.version if assistant.pk else 0
    assistant.save()
    if assistant.version == before:
        return None
    return assistant.versions.get(number=assistant.version)


@dataclass(frozen=True)
class Change:
    """One behaviour field that differs between two versions (``before`` is None for version 1)."""

    field: str
    before: Any
    after: Any


def snapshot_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    """What changed from one snapshot to the next, field by field, in the model's field order.
    For a first version (``before`` None) every field that is set counts as a change."""
    fields = [*Assistant.BEHAVIOUR_FIELDS, *sorted(set(after) - set(Assistant.BEHAVIOUR_FIELDS))]
    changes = []
    for name in fields:
        new = after.get(name)
        if before is None:
            if new not in (None, "", [], {}):
                changes.append(Change(name, None, new))
        elif before.get(name) != new:
            changes.append(Change(name, before.get(name), new))
    return changes

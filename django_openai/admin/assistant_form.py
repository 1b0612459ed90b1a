"""The form an assistant is edited with: its settings as people think of them, checked as a run
would use them.

Function tools are chosen from the registry (``django_openai.tool``), hosted tools typed as the
API takes them (a JSON list), vector stores as ids; they are stored in ``tools`` and
``tool_resources`` as the model keeps them. Before anything is saved, the settings go through
``services.assistants.check_settings``: an unknown tool or a response format that names no
pydantic model is an error on its field, not a failed run later.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from ..conf import app_settings
from ..models import Assistant
from ..services.assistants import check_settings
from ..tools import registered_tools

#: The reasoning efforts the API takes (blank: the model's default).
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
#: Which field an error of ``check_settings`` belongs to, by its code.
ERROR_FIELDS = {
    "unknown_tool": "function_tools",
    "invalid_tool": "hosted_tools",
    "invalid_response_format": "response_format",
    "missing_model": "model",
}


def _is_function(entry: Any) -> bool:
    return isinstance(entry, str) or (isinstance(entry, dict) and entry.get("type") == "function")


def _function_name(entry: Any) -> str:
    return entry if isinstance(entry, str) else str(entry.get("name") or "")


def merged_tools(old: list[Any], function_names: list[str], hosted: list[dict[str, Any]]) -> list[Any]:
    """The ``tools`` list from the form's choice: the stored list itself when nothing changed (so
    that a save changes no version by reordering), else the functions kept in their old form and
    order, the new ones, then the hosted tools."""
    old_functions = [entry for entry in old if _is_function(entry)]
    old_hosted = [entry for entry in old if not _is_function(entry)]
    old_names = [_function_name(entry) for entry in old_functions]
    if sorted(old_names) == sorted(function_names) and old_hosted == hosted:
        return old
    kept = [entry for entry in old_functions if _function_name(entry) in function_names]
    added = [name for name in function_names if name not in old_names]
    return [*kept, *added, *hosted]


def _json_text(value: Any) -> str:
    """JSON on one line when it is short, indented when it is not."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 70 else json.dumps(value, indent=2, ensure_ascii=False)


class JSONTextField(forms.CharField):
    """JSON typed in a text area; ``kind`` (dict or list) is what it must be; blank is ``empty``."""

    def __init__(self, *, kind: type, empty: Any, **kwargs: Any) -> None:
        self.kind, self.empty = kind, empty
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3, "cols": 70, "class": "djoai-mono"}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict | list):
            return _json_text(value) if value else ""
        return value

    def to_python(self, value: Any) -> Any:
        if isinstance(value, dict | list):
            return value
        text = (super().to_python(value) or "").strip()
        if not text:
            return self.empty
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise ValidationError(f"Not valid JSON: {exc}.") from None
        if not isinstance(parsed, self.kind):
            raise ValidationError(f"Give a JSON {'object' if self.kind is dict else 'list'}.")
        return parsed


class ResponseFormatField(forms.CharField):
    """A JSON schema, or the dotted path of a pydantic model (``myapp.schemas.Answer``)."""

    widget = forms.Textarea(attrs={"rows": 6, "cols": 70, "class": "djoai-mono"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return _json_text(value)
        return value or ""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, dict):
            return value
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        if text.startswith("{"):
            try:
                return json.loads(text)
            except ValueError as exc:
                raise ValidationError(f"Not valid JSON: {exc}.") from None
        if any(c.isspace() for c in text) or "." not in text:
            raise ValidationError(
                "Give a JSON schema ({...}) or the dotted path of a pydantic model (myapp.schemas.Answer)."
            )
        return text


def _ids(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]


class AssistantForm(forms.ModelForm):
    function_tools = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "radiolist"}),  # the admin's own list style
        help_text="Python functions registered with @django_openai.tool.",
    )
    hosted_tools = JSONTextField(
        kind=list,
        empty=[],
        required=False,
        help_text="Tools the provider runs, as the API takes them: "
        '[{"type": "web_search"}, {"type": "file_search"}].',
    )
    vector_store_ids = forms.CharField(
        required=False,
        label="Vector stores",
        widget=forms.Textarea(attrs={"rows": 2, "cols": 70, "class": "djoai-mono"}),
        help_text="Ids for the file_search tool (vs_...), separated by spaces or commas.",
    )
    response_format = ResponseFormatField(
        required=False,
        help_text='A JSON schema ({"name": ..., "schema": {...}}), or the dotted path of a pydantic '
        "model; the final answer is then parsed. Empty: plain text.",
    )
    temperature = forms.FloatField(required=False, min_value=0, max_value=2)
    top_p = forms.FloatField(required=False, min_value=0, max_value=1)
    reasoning_effort = forms.ChoiceField(
        required=False,
        choices=[("", "(the model's default)"), *((e, e) for e in REASONING_EFFORTS)],
    )
    metadata = JSONTextField(
        kind=dict, empty={}, required=False, help_text="Yours to use; changing it makes no new version."
    )
    client_alias = forms.ChoiceField(label="Client")

    class Meta:
        model = Assistant
        fields = (
            "name",
            "slug",
            "client_alias",
            "model",
            "instructions",
            "response_format",
            "temperature",
            "top_p",
            "max_output_tokens",
            "reasoning_effort",
            "max_context_tokens",
            "metadata",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        stored = [_function_name(e) for e in instance.tools or () if _is_function(e)]
        registry = registered_tools()
        choices = [(name, _tool_label(name, tool.description)) for name, tool in sorted(registry.items())]
        choices += [
            (name, f"{name} (not registered in this process)") for name in stored if name not in registry
        ]
        self.fields["function_tools"].choices = choices  # type: ignore[attr-defined]
        aliases = list(app_settings.CLIENTS)
        if instance.client_alias and instance.client_alias not in aliases:
            aliases.append(instance.client_alias)
        self.fields["client_alias"].choices = [(a, a) for a in aliases]  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial["function_tools"] = stored
            self.initial["hosted_tools"] = [e for e in instance.tools or () if not _is_function(e)]
            resources = instance.tool_resources or {}
            self.initial["vector_store_ids"] = " ".join(
                (resources.get("file_search") or {}).get("vector_store_ids") or ()
            )

    def clean_client_alias(self) -> str:
        alias = self.cleaned_data["client_alias"]
        if alias not in app_settings.CLIENTS:
            raise ValidationError(f"No client is configured as {alias!r} (DJANGO_OPENAI['CLIENTS']).")
        return alias

    def clean_hosted_tools(self) -> list[dict[str, Any]]:
        hosted = self.cleaned_data["hosted_tools"]
        for entry in hosted:
            if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
                raise ValidationError(
                    f'Each hosted tool is an object with a "type", not {json.dumps(entry)}.'
                )
            if entry["type"] == "function":
                raise ValidationError("Choose function tools above, from those registered.")
        return hosted

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        instance = self.instance
        instance.tools = merged_tools(
            list(instance.tools or []), list(data.get("function_tools") or []), data.get("hosted_tools") or []
        )
        resources = dict(instance.tool_resources or {})
        stores = _ids(data.get("vector_store_ids") or "")
        file_search = {
            k: v for k, v in (resources.get("file_search") or {}).items() if k != "vector_store_ids"
        }
        if stores:
            file_search["vector_store_ids"] = stores
            if not any(isinstance(t, dict) and t.get("type") == "file_search" for t in instance.tools):
                self.add_error(
                    "vector_store_ids",
                    'Vector stores go to the file_search tool: add {"type": "file_search"}.',
                )
        if file_search:
            resources["file_search"] = file_search
        else:
            resources.pop("file_search", None)
        instance.tool_resources = resources
        snapshot = {
            **instance.snapshot(),
            **{k: data.get(k) for k in Assistant.BEHAVIOUR_FIELDS if k in data},
        }
        try:
            check_settings(snapshot)
        except ValidationError as exc:
            self.add_error(ERROR_FIELDS.get(str(exc.code)), exc)
        return data


def _tool_label(name: str, description: str) -> str:
    first = description.strip().splitlines()[0] if description.strip() else ""
    return f"{name}: {first}" if first else name

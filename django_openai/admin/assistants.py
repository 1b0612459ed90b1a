"""Assistants edited, and their versions listed with what each changed.

Saving goes through ``services.assistants.save_assistant``: a change to how the assistant behaves
makes the next version (the model's own rule), a rename or new metadata does not, and the page
says which. The assistant's page lists its newest versions with a diff of each; all of them are a
paged list away, and a run links to the version it used.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import F, Window
from django.db.models.functions import Lag
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from ..models import Assistant, AssistantVersion
from ..services.assistants import Change, save_assistant, snapshot_changes
from .assistant_form import AssistantForm
from .base import ReadOnlyAdmin, link
from .display import pretty_json, when

#: How many of its newest versions an assistant's page shows; the rest are a link away.
RECENT_VERSIONS = 10
#: Characters of a value shown in a diff line.
VALUE_LIMIT = 300


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 1] + "…"


def _text_diff(before: str, after: str) -> SafeString:
    lines = difflib.unified_diff((before or "").splitlines(), (after or "").splitlines(), lineterm="", n=1)
    shown = [line for line in lines if not line.startswith(("---", "+++"))][:60]
    return format_html(
        '<pre class="djoai-diff">{}</pre>',
        format_html_join(
            "\n",
            '<span class="{}">{}</span>',
            (
                (
                    "djoai-diff--add"
                    if line.startswith("+")
                    else "djoai-diff--del"
                    if line.startswith("-")
                    else "djoai-diff--at"
                    if line.startswith("@@")
                    else "",
                    line,
                )
                for line in shown
            ),
        ),
    )


def changes_html(changes: list[Change], *, first: bool) -> SafeString:
    """What a version changed: one line per field, a diff for the instructions."""
    if not changes:
        return format_html('<span class="djoai-muted">{}</span>', "Nothing (a version made by hand?).")
    lines = []
    for change in changes:
        if first:
            lines.append(format_html("<li><code>{}</code> = {}</li>", change.field, _value(change.after)))
        elif change.field == "instructions":
            lines.append(
                format_html("<li><code>instructions</code>{}</li>", _text_diff(change.before, change.after))
            )
        else:
            lines.append(
                format_html(
                    "<li><code>{}</code>: <del>{}</del> → <ins>{}</ins></li>",
                    change.field,
                    _value(change.before) if change.before not in (None, "") else "(none)",
                    _value(change.after) if change.after not in (None, "") else "(none)",
                )
            )
    intro = "First version: " if first else ""
    return format_html(
        '<div class="djoai-changes">{}<ul>{}</ul></div>',
        intro,
        format_html_join("", "{}", ((line,) for line in lines)),
    )


def changed_fields(version: AssistantVersion, previous: dict[str, Any] | None) -> str:
    changes = snapshot_changes(previous, version.snapshot)
    if version.number == 1:
        return "first version"
    return ", ".join(c.field for c in changes) or "—"


@admin.register(Assistant)
class AssistantAdmin(admin.ModelAdmin):
    form = AssistantForm
    list_display = ("name", "slug", "model", "client_alias", "version_column", "updated")
    list_filter = ("client_alias", "model")
    # An imported assistant is found by the id it had in the Assistants API (docs/importing-assistants.md).
    search_fields = ("name", "slug", "legacy_id")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("version_column", "versions", "legacy_id", "created", "updated")
    fieldsets = (
        (None, {"fields": ("name", "slug", "client_alias", "model", "instructions")}),
        ("Tools", {"fields": ("function_tools", "hosted_tools", "vector_store_ids")}),
        (
            "The answer",
            {
                "fields": (
                    "response_format",
                    "temperature",
                    "top_p",
                    "max_output_tokens",
                    "reasoning_effort",
                    "max_context_tokens",
                )
            },
        ),
        ("Metadata", {"fields": ("metadata",)}),
        ("Versions", {"fields": ("version_column", "versions", "legacy_id", "created", "updated")}),
    )

    class Media:
        css = {"all": ("django_openai/admin.css",)}

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:  # nothing to list yet
            return self.fieldsets[:-1]
        return self.fieldsets

    def save_model(self, request: HttpRequest, obj: Assistant, form: Any, change: bool) -> None:
        if not change and obj.owner_id is None:
            obj.owner = request.user  # type: ignore[assignment]
        # The form checked the settings as a run would use them; the service saves and versions.
        version = save_assistant(obj, check=False)
        if version is None:
            self.message_user(
                request, f"No behaviour changed: {obj} is still version {obj.version}.", messages.INFO
            )
        elif version.number == 1:
            self.message_user(request, f"{obj}: version 1 created.", messages.SUCCESS)
        else:
            previous = (
                obj.versions.filter(number=version.number - 1).values_list("snapshot", flat=True).first()
            )
            said = ", ".join(c.field for c in snapshot_changes(previous, version.snapshot))
            self.message_user(
                request, f"{obj}: version {version.number} created (changed: {said}).", messages.SUCCESS
            )

    @admin.display(description="version", ordering="version")
    def version_column(self, obj: Assistant) -> SafeString | str:
        if not obj.version:
            return "—"
        return link(self._version_list(obj), f"v{obj.version}")

    def _version_list(self, obj: Assistant) -> str:
        from django.urls import reverse

        url = reverse(f"{self.admin_site.name}:django_openai_assistantversion_changelist")
        return f"{url}?assistant__id__exact={obj.pk}"

    @admin.display(description="versions")
    def versions(self, obj: Assistant) -> SafeString:
        """The newest versions with what each changed (one query), and a link to all of them."""
        from django.urls import reverse

        rows = list(obj.versions.order_by("-number")[: RECENT_VERSIONS + 1])
        if not rows:
            return format_html('<span class="djoai-muted">{}</span>', "None yet.")
        shown = []
        for index, version in enumerate(rows[:RECENT_VERSIONS]):
            previous = rows[index + 1].snapshot if index + 1 < len(rows) else None
            if previous is None and version.number > 1:
                changes_cell = format_html('<span class="djoai-muted">{}</span>', "see the version's page")
            else:
                changes_cell = changes_html(
                    snapshot_changes(previous, version.snapshot), first=version.number == 1
                )
            url = reverse(f"{self.admin_site.name}:django_openai_assistantversion_change", args=[version.pk])
            runs = (
                reverse(f"{self.admin_site.name}:django_openai_run_changelist")
                + f"?assistant_version__id__exact={version.pk}"
            )
            shown.append(
                (link(url, f"v{version.number}"), when(version.created), changes_cell, link(runs, "runs"))
            )
        return format_html(
            '<table class="djoai-table djoai-versions"><tr><th>version</th><th>saved</th>'
            "<th>what changed</th><th></th></tr>{}</table><p>{}</p>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", shown),
            link(self._version_list(obj), f"All {obj.version:,} versions"),
        )


@admin.register(AssistantVersion)
class AssistantVersionAdmin(ReadOnlyAdmin):
    """Versions are frozen: listed (with the fields each changed) and shown, never edited."""

    list_display = ("__str__", "assistant", "number", "created", "changed", "runs_link")
    list_filter = ("assistant",)
    search_fields = ("assistant__name", "=assistant__slug")
    list_select_related = ("assistant",)
    ordering = ("assistant", "-number")
    fields = ("assistant_link", "number", "created", "changes", "snapshot_json", "runs_link")
    readonly_fields = fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # runs point at them: what a run ran with stays explainable

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[AssistantVersion]:
        # Each row with the snapshot before it, in the same query: the list says what changed.
        return (
            super()
            .get_queryset(request)
            .annotate(
                previous_snapshot=Window(
                    Lag("snapshot"), partition_by=[F("assistant_id")], order_by=F("number").asc()
                )
            )
        )

    @admin.display(description="what changed")
    def changed(self, obj: AssistantVersion) -> str:
        previous = getattr(obj, "previous_snapshot", None)
        if isinstance(previous, str):  # a backend that hands the window's JSON back as text
            previous = json.loads(previous)
        return changed_fields(obj, previous)

    @admin.display(description="what changed")
    def changes(self, obj: AssistantVersion) -> SafeString:
        # Not the window's: the page's own query filters the other versions out before it runs.
        previous = (
            AssistantVersion.objects.filter(assistant_id=obj.assistant_id, number=obj.number - 1)
            .values_list("snapshot", flat=True)
            .first()
        )
        return changes_html(snapshot_changes(previous, obj.snapshot), first=obj.number == 1)

    @admin.display(description="assistant")
    def assistant_link(self, obj: AssistantVersion) -> SafeString:
        from django.urls import reverse

        url = reverse(f"{self.admin_site.name}:django_openai_assistant_change", args=[obj.assistant_id])
        return link(url, str(obj.assistant))

    @admin.display(description="settings")
    def snapshot_json(self, obj: AssistantVersion) -> SafeString:
        return pretty_json(obj.snapshot)

    @admin.display(description="runs")
    def runs_link(self, obj: AssistantVersion) -> SafeString:
        from django.urls import reverse

        url = reverse(f"{self.admin_site.name}:django_openai_run_changelist")
        return link(f"{url}?assistant_version__id__exact={obj.pk}", "Runs with this version")

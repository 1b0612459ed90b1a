"""Threads read as transcripts, their items, and runs with their usage, timing and version.

A thread's page shows one page of its transcript (``transcript.py``): never every item, since a
thread may hold thousands. Threads are archived, unarchived and their run cancelled from here;
a run in progress is cancelled from its own page too. Everything else is read-only: threads
change by running them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from ..models import RemoteObject, Run, Thread, ThreadItem
from ..services import runs as run_services
from ..services import threads as thread_services
from .base import OperationsMixin, ReadOnlyAdmin, RemoteObjectAdmin, link
from .display import badge, pretty_json, when
from .transcript import page_number, page_of, transcript_page

#: How many of its newest runs a thread's page lists; the rest are a link away.
RECENT_RUNS = 5


def seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:,.0f} ms" if value < 10 else f"{value:,.1f} s"


def run_duration(run: Run) -> float | None:
    latency = run.latency
    return latency.total_seconds() if latency is not None else None


@admin.register(Thread)
class ThreadAdmin(OperationsMixin):
    list_display = (
        "__str__",
        "owner",
        "assistant",
        "backend",
        "client_alias",
        "items",
        "state_badge",
        "updated",
    )
    list_filter = ("archived", "backend", "client_alias")
    # An Agents SDK session is found by its id (docs/agents.md).
    search_fields = ("title", "=remote_conversation_id", "agent_session__session_id")
    list_select_related = ("owner", "assistant", "active_run")
    show_full_result_count = False
    list_per_page = 50
    actions = ["archive", "unarchive", "cancel_run"]
    object_actions = ("cancel_run", "archive", "unarchive")
    change_form_template = "django_openai/admin/thread_change_form.html"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "state_badge",
                    "owner",
                    "assistant_link",
                    "backend",
                    "client_alias",
                    "items",
                    "active_run_link",
                    "recent_runs",
                )
            },
        ),
        (
            "Remote state and metadata",
            {
                "classes": ("collapse",),
                "fields": (
                    "remote_conversation_id",
                    "last_response_id",
                    "remote_position",
                    "metadata_json",
                    "created",
                    "updated",
                ),
            },
        ),
    )
    readonly_fields = (*fieldsets[0][1]["fields"], *fieldsets[1][1]["fields"])

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a thread changes by running it; the actions below do the rest

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Thread]:
        return super().get_queryset(request).select_related("owner", "assistant", "active_run")

    def label(self, obj: Thread) -> str:
        return str(obj)

    def offers(self, action: str, obj: Thread) -> bool:
        return {
            "archive": not obj.archived,
            "unarchive": obj.archived,
            "cancel_run": obj.current_run is not None,
        }.get(action, True)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        thread = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if thread is not None:
            extra["transcript"] = transcript_page(
                thread,
                page_number(request.GET.get("page"), thread.item_count),
                item_url=lambda pk: self.admin_url("threaditem_change", pk),
                run_url=lambda pk: self.admin_url("run_change", pk),
            )
        return super().change_view(request, object_id, form_url, extra)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # Django's confirmation page lists every related row: thousands of items. Say how many.
        threads = list(objs)
        items = sum(t.item_count for t in threads)
        runs = Run.objects.filter(thread__in=threads).count()
        names = [f"{t} ({t.item_count:,} items)" for t in threads]
        counts = {"threads": len(threads), "thread items": items, "runs": runs}
        needed = {
            str(model._meta.verbose_name)
            for model in (ThreadItem, Run)
            if not request.user.has_perm(f"{model._meta.app_label}.delete_{model._meta.model_name}")
        }
        return names, counts, needed, []

    # -- columns and fields ---------------------------------------------------------------------

    @admin.display(description="items", ordering="item_count")
    def items(self, obj: Thread) -> SafeString:
        url = self.admin_url("threaditem_changelist") + f"?thread__id__exact={obj.pk}"
        return link(url, f"{obj.item_count:,}")

    @admin.display(description="state")
    def state_badge(self, obj: Thread) -> SafeString:
        run = obj.current_run
        if run is not None:
            return badge(run.status)
        return badge("archived" if obj.archived else "idle")

    @admin.display(description="assistant")
    def assistant_link(self, obj: Thread) -> SafeString | str:
        if obj.assistant is None:
            return "—"
        return link(self.admin_url("assistant_change", obj.assistant.pk), str(obj.assistant))

    @admin.display(description="run in progress")
    def active_run_link(self, obj: Thread) -> SafeString | str:
        run = obj.current_run
        if run is None:
            return "—"
        return format_html("{} {}", link(self.admin_url("run_change", run.pk), str(run)), badge(run.status))

    @admin.display(description="runs")
    def recent_runs(self, obj: Thread) -> SafeString:
        runs = list(
            Run.objects.filter(thread_id=obj.pk)
            .select_related("assistant_version__assistant")
            .order_by("-created")[:RECENT_RUNS]
        )
        if not runs:
            return format_html('<span class="djoai-muted">{}</span>', "No runs yet.")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    link(self.admin_url("run_change", run.pk), f"Run {run.pk}"),
                    badge(run.status),
                    str(run.assistant_version or "—"),
                    f"{run.input_tokens:,} / {run.output_tokens:,}",
                    seconds(run.time_to_first_token),
                    seconds(run_duration(run)),
                )
                for run in runs
            ),
        )
        everything = self.admin_url("run_changelist") + f"?thread__id__exact={obj.pk}"
        return format_html(
            '<table class="djoai-table"><tr><th>run</th><th>status</th><th>version</th>'
            "<th>tokens in / out</th><th>first token</th><th>duration</th></tr>{}</table><p>{}</p>",
            rows,
            link(everything, "All runs of this thread"),
        )

    @admin.display(description="metadata")
    def metadata_json(self, obj: Thread) -> SafeString:
        return pretty_json(obj.metadata)

    # -- actions ---------------------------------------------------------------------------------

    @admin.action(description="Archive (no new messages or runs)", permissions=["act"])
    def archive(self, request: HttpRequest, queryset: models.QuerySet[Thread]) -> None:
        self.run_each(request, queryset, thread_services.archive_thread, "Archived")

    @admin.action(description="Unarchive", permissions=["act"])
    def unarchive(self, request: HttpRequest, queryset: models.QuerySet[Thread]) -> None:
        self.run_each(request, queryset, thread_services.unarchive_thread, "Unarchived")

    @admin.action(description="Cancel the run in progress", permissions=["act"])
    def cancel_run(self, request: HttpRequest, queryset: models.QuerySet[Thread]) -> None:
        self.run_each(request, queryset, run_services.cancel_active_run, "Cancel requested")


@admin.register(ThreadItem)
class ThreadItemAdmin(ReadOnlyAdmin):
    """Items one by one (``?thread__id__exact=``, ``?run__id__exact=``); a thread's page is the
    transcript, and each item there links here for the whole of it."""

    list_display = ("position", "thread", "type", "role", "name", "status", "short_text", "created")
    list_filter = ("type", "role", "status")
    search_fields = ("text", "=call_id", "=remote_id")
    list_select_related = ("thread",)
    list_per_page = 100
    ordering = ("thread", "position")
    fields = (
        "thread",
        "in_transcript",
        "position",
        "type",
        "role",
        "name",
        "call_id",
        "status",
        "run",
        "remote_id",
        "text",
        "error",
        "content_json",
        "created",
    )
    readonly_fields = fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # positions are dense: an item goes by the thread's own verbs

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[ThreadItem]:
        return super().get_queryset(request).defer("content")

    @admin.display(description="text")
    def short_text(self, item: ThreadItem) -> str:
        return item.text[:80]

    @admin.display(description="in the transcript")
    def in_transcript(self, item: ThreadItem) -> SafeString:
        from django.urls import reverse

        url = reverse(f"{self.admin_site.name}:django_openai_thread_change", args=[item.thread_id])
        return link(
            f"{url}?page={page_of(item.position)}#item-{item.position}", f"#{item.position} in its thread"
        )

    @admin.display(description="content")
    def content_json(self, item: ThreadItem) -> SafeString:
        return pretty_json(item.content)


@admin.register(Run)
class RunAdmin(RemoteObjectAdmin):
    list_display = (
        "__str__",
        "thread_link",
        "status_badge",
        "model",
        "version_link",
        "tokens",
        "first_token",
        "duration",
        "created",
    )
    list_filter = ("status", "backend", "background", "client_alias")
    search_fields = ("=openai_id",)
    list_select_related = ("thread", "assistant_version__assistant")
    actions = ["refresh_from_api", "cancel"]
    object_actions = ("refresh_from_api", "cancel")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "status_badge",
                    "thread_link",
                    "version_link",
                    "model",
                    "backend",
                    "background",
                    "stream",
                    "usage_table",
                    "timing",
                    "rounds",
                    "error_view",
                    "parsed_view",
                    "overrides_json",
                    "items_link",
                    "owner",
                    "client_alias",
                )
            },
        ),
        (
            "Remote state",
            {
                "classes": ("collapse",),
                "fields": (
                    "remote_id",
                    "cancel_requested_at",
                    "synced_at",
                    "next_poll_at",
                    "last_error",
                    "remote_object",
                ),
            },
        ),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [name for _, options in self.fieldsets for name in options["fields"]]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Run]:
        return super().get_queryset(request).select_related("thread", "assistant_version__assistant", "owner")

    def label(self, obj: Run) -> str:
        return f"Run {obj.pk}"

    def offers(self, action: str, obj: Run) -> bool:
        if action == "cancel":
            return not obj.is_terminal
        if action == "refresh_from_api":
            # Only a background response is followed remotely; other runs are what this site ran.
            return obj.background and bool(obj.openai_id)
        return True

    @admin.display(description="remote id", ordering="openai_id")
    def remote_id(self, obj: RemoteObject) -> str:
        return obj.openai_id or "—"

    @admin.display(description="thread", ordering="thread")
    def thread_link(self, obj: Run) -> SafeString:
        return link(self.admin_url("thread_change", obj.thread_id), str(obj.thread))

    @admin.display(description="version", ordering="assistant_version")
    def version_link(self, obj: Run) -> SafeString | str:
        if obj.assistant_version is None:
            return "—"
        return link(
            self.admin_url("assistantversion_change", obj.assistant_version.pk), str(obj.assistant_version)
        )

    @admin.display(description="tokens in / out")
    def tokens(self, obj: Run) -> str:
        return f"{obj.input_tokens:,} / {obj.output_tokens:,}"

    @admin.display(description="first token", ordering="time_to_first_token")
    def first_token(self, obj: Run) -> str:
        return seconds(obj.time_to_first_token)

    @admin.display(description="duration")
    def duration(self, obj: Run) -> str:
        return seconds(run_duration(obj))

    @admin.display(description="usage")
    def usage_table(self, obj: Run) -> SafeString:
        usage = obj.usage
        return format_html(
            '<table class="djoai-table"><tr><th>input</th><th>output</th><th>cached</th><th>reasoning</th>'
            "<th>total</th></tr><tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>{}",
            *(
                f"{usage[name]:,}"
                for name in (
                    "input_tokens",
                    "output_tokens",
                    "cached_tokens",
                    "reasoning_tokens",
                    "total_tokens",
                )
            ),
            format_html(
                '<p class="djoai-muted">{}</p>',
                "Part of it estimated: a stream was cut before the server counted it.",
            )
            if obj.usage_estimated
            else "",
        )

    @admin.display(description="timing")
    def timing(self, obj: Run) -> SafeString:
        return format_html(
            '<table class="djoai-table"><tr><th>first token</th><th>duration</th><th>started</th>'
            "<th>finished</th></tr><tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>",
            seconds(obj.time_to_first_token),
            seconds(run_duration(obj)),
            when(obj.started_at),
            when(obj.finished_at),
        )

    @admin.display(description="error")
    def error_view(self, obj: Run) -> SafeString | str:
        error = obj.error
        if not error:
            return "—"
        if isinstance(error, dict) and set(error) <= {"code", "message"}:
            return format_html(
                '<span class="djoai-item__error"><code>{}</code> {}</span>',
                error.get("code", ""),
                error.get("message", ""),
            )
        return pretty_json(error)

    @admin.display(description="parsed output")
    def parsed_view(self, obj: Run) -> SafeString | str:
        return pretty_json(obj.output_parsed) if obj.output_parsed is not None else "—"

    @admin.display(description="overrides")
    def overrides_json(self, obj: Run) -> SafeString | str:
        return pretty_json(obj.overrides) if obj.overrides else "—"

    @admin.display(description="items")
    def items_link(self, obj: Run) -> SafeString:
        return link(
            self.admin_url("threaditem_changelist") + f"?run__id__exact={obj.pk}", "The items this run wrote"
        )

    @admin.action(description="Cancel", permissions=["act"])
    def cancel(self, request: HttpRequest, queryset: models.QuerySet[Run]) -> None:
        self.run_each(request, queryset, run_services.cancel_run, "Cancel requested")

"""Threads and runs: read-only lists, so that what ran is visible (a transcript view comes later).

A thread's page shows no items inline: a thread may hold thousands. Its items are a filtered list.
"""

from __future__ import annotations

from django.contrib import admin

from ..models import Run, Thread, ThreadItem
from .base import REMOTE_READONLY, RemoteObjectAdmin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "owner",
        "assistant",
        "backend",
        "client_alias",
        "item_count",
        "archived",
        "updated",
    )
    list_filter = ("backend", "archived", "client_alias")
    # An Agents SDK session is found by its id (docs/agents.md).
    search_fields = ("title", "remote_conversation_id", "agent_session__session_id")
    list_select_related = ("owner", "assistant")
    raw_id_fields = ("owner", "assistant", "active_run")


@admin.register(ThreadItem)
class ThreadItemAdmin(ReadOnlyAdmin):
    list_display = ("thread", "position", "type", "role", "status", "short_text", "created")
    list_filter = ("type", "role", "status")
    search_fields = ("text", "call_id", "remote_id")
    list_select_related = ("thread",)
    raw_id_fields = ("thread", "run")

    @admin.display(description="text")
    def short_text(self, item: ThreadItem) -> str:
        return item.text[:80]


@admin.register(Run)
class RunAdmin(RemoteObjectAdmin):
    list_display = (
        "pk",
        "thread",
        "status",
        "backend",
        "model",
        "background",
        "input_tokens",
        "output_tokens",
        "time_to_first_token",
        "created",
    )
    list_filter = ("status", "backend", "background", "client_alias")
    search_fields = ("openai_id",)
    list_select_related = ("thread",)
    raw_id_fields = ("thread", "assistant_version", "owner")
    readonly_fields = (
        *REMOTE_READONLY,
        "thread",
        "assistant_version",
        "backend",
        "model",
        "background",
        "stream",
        "overrides",
        "rounds",
        "input_tokens",
        "output_tokens",
        "cached_tokens",
        "reasoning_tokens",
        "usage_estimated",
        "time_to_first_token",
        "started_at",
        "finished_at",
        "cancel_requested_at",
        "error",
        "output_parsed",
    )

    def has_add_permission(self, request: object) -> bool:
        return False

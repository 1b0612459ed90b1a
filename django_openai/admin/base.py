"""What every mirror's admin shares: the remote fields are read-only (the API is the truth)."""

from __future__ import annotations

from typing import ClassVar

from django.contrib import admin

from ..models.base import RemoteObject, remote_kinds

#: The mirror's own bookkeeping and the remote object: shown, never edited.
REMOTE_READONLY = (
    "client_alias",
    "openai_id",
    "status",
    "data",
    "remote_created_at",
    "synced_at",
    "poll_attempts",
    "last_error",
    "created",
    "updated",
)


class RemoteObjectAdmin(admin.ModelAdmin):
    """The admin of a mirror; also the default page of a kind that has no admin of its own."""

    list_display: tuple[str, ...] = ("openai_id", "status", "client_alias", "remote_created_at")
    list_filter: ClassVar[tuple[str, ...]] = ("status", "client_alias")
    search_fields: ClassVar[tuple[str, ...]] = ("openai_id",)
    readonly_fields: ClassVar[tuple[str, ...]] = REMOTE_READONLY


def register_remaining_kinds(site: admin.AdminSite, app_label: str) -> list[type[RemoteObject]]:
    """Give each mirror of ``app_label`` that has no admin yet the default one; return them.

    A new kind (a model module and nothing else) so gets its pages at once; a module of its own
    here can replace them with richer ones.
    """
    added = [
        model
        for model in remote_kinds()
        if model._meta.app_label == app_label and not site.is_registered(model)
    ]
    for model in added:
        site.register(model, RemoteObjectAdmin)
    return added

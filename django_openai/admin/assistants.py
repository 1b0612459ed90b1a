"""Assistants and their versions: listed and shown (editing with versions in view comes later)."""

from __future__ import annotations

from django.contrib import admin

from ..models import Assistant, AssistantVersion


class VersionInline(admin.TabularInline):
    model = AssistantVersion
    fields = ("number", "created", "snapshot")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ("-number",)


@admin.register(Assistant)
class AssistantAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "model", "client_alias", "version", "updated")
    list_filter = ("client_alias", "model")
    # An imported assistant is found by the id it had in the Assistants API (docs/importing-assistants.md).
    search_fields = ("name", "slug", "legacy_id")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("version", "created", "updated")
    inlines = [VersionInline]

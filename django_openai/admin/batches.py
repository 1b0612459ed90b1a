from __future__ import annotations

from django.contrib import admin

from ..models import Batch, BatchItem, BatchResultProblem
from .base import REMOTE_READONLY, RemoteObjectAdmin


class BatchItemInline(admin.TabularInline):
    model = BatchItem
    fields = ("custom_id", "status_code", "error")
    readonly_fields = fields
    extra = 0
    max_num = 0
    show_change_link = True


class BatchResultProblemInline(admin.TabularInline):
    """What ingestion could not store, or counts that do not add up: nothing read vanishes."""

    model = BatchResultProblem
    fields = ("file_id", "line", "kind", "custom_id", "message", "excerpt")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(Batch)
class BatchAdmin(RemoteObjectAdmin):
    list_display = (
        "openai_id",
        "endpoint",
        "status",
        "request_completed",
        "request_failed",
        "request_total",
        "results_ingested_at",
        "results_problem_count",
        "client_alias",
        "remote_created_at",
    )
    list_filter = ("status", "endpoint", "client_alias")
    search_fields = ("openai_id",)
    readonly_fields = (
        *REMOTE_READONLY,
        "results_ingested_at",
        "results_read",
        "results_stored",
        "results_problem_count",
    )
    inlines = [BatchResultProblemInline, BatchItemInline]


@admin.register(BatchItem)
class BatchItemAdmin(admin.ModelAdmin):
    list_display = ("custom_id", "batch", "status_code")
    list_filter = ("status_code",)
    search_fields = ("custom_id",)
    raw_id_fields = ("batch",)

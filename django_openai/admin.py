"""Admin screens: what is mirrored, its status and progress (read-mostly; the API is the truth)."""

from __future__ import annotations

from django.contrib import admin

from .models import (
    Batch,
    BatchItem,
    BatchResultProblem,
    File,
    FineTuningCheckpoint,
    FineTuningEvent,
    FineTuningJob,
    Upload,
    WebhookDelivery,
)

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


@admin.register(File)
class FileAdmin(admin.ModelAdmin):
    list_display = (
        "openai_id",
        "filename",
        "purpose",
        "bytes",
        "status",
        "client_alias",
        "remote_created_at",
    )
    list_filter = ("purpose", "status", "client_alias")
    search_fields = ("openai_id", "filename")
    readonly_fields = REMOTE_READONLY


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ("filename", "purpose", "status", "bytes_sent", "total_bytes", "updated")
    readonly_fields = ("openai_id", "parts", "bytes_sent", "status", "file", "error")


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
class BatchAdmin(admin.ModelAdmin):
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


class EventInline(admin.TabularInline):
    model = FineTuningEvent
    fields = ("remote_created_at", "type", "message", "step", "train_loss", "valid_loss")
    readonly_fields = fields
    extra = 0
    max_num = 0


class CheckpointInline(admin.TabularInline):
    model = FineTuningCheckpoint
    fields = ("step_number", "fine_tuned_model_checkpoint", "metrics")
    readonly_fields = fields
    extra = 0
    max_num = 0


@admin.register(FineTuningJob)
class FineTuningJobAdmin(admin.ModelAdmin):
    list_display = (
        "openai_id",
        "base_model",
        "status",
        "fine_tuned_model",
        "trained_tokens",
        "client_alias",
        "remote_created_at",
    )
    list_filter = ("status", "base_model", "client_alias")
    search_fields = ("openai_id", "fine_tuned_model")
    readonly_fields = REMOTE_READONLY
    inlines = [CheckpointInline, EventInline]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("received_at", "event_type", "object_id", "valid", "matched", "error")
    list_filter = ("valid", "event_type")
    readonly_fields = (
        "webhook_id",
        "event_type",
        "object_id",
        "client_alias",
        "headers",
        "body",
        "body_encoding",
        "body_size",
        "body_sha256",
        "valid",
        "error",
        "matched",
        "received_at",
    )

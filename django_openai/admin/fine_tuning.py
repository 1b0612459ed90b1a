from __future__ import annotations

from django.contrib import admin

from ..models import FineTuningCheckpoint, FineTuningEvent, FineTuningJob
from .base import REMOTE_READONLY, RemoteObjectAdmin


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
class FineTuningJobAdmin(RemoteObjectAdmin):
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

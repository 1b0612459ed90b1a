"""Fine-tuning jobs: step of total, the loss chart from the stored events, and the job's verbs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from ..models import FineTuningCheckpoint, FineTuningEvent, FineTuningJob
from ..services import fine_tuning as services
from .base import ReadOnlyAdmin, RemoteObjectAdmin, link
from .display import progress, when

#: How many of the newest events the job's page lists; the rest are a link away.
RECENT_EVENTS = 15


class CheckpointInline(admin.TabularInline):
    """One checkpoint an epoch: a few rows."""

    model = FineTuningCheckpoint
    fields = ("step_number", "fine_tuned_model_checkpoint", "metrics")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FineTuningJob)
class FineTuningJobAdmin(RemoteObjectAdmin):
    list_display = (
        "remote_id",
        "base_model",
        "status_badge",
        "progress_column",
        "fine_tuned_model",
        "remote_created_at",
    )
    list_filter = ("status", "base_model", "client_alias")
    search_fields = ("openai_id", "fine_tuned_model")
    actions = ["refresh_from_api", "cancel", "pause", "resume"]
    object_actions = ("refresh_from_api", "pause", "resume", "cancel")
    inlines = [CheckpointInline]
    fields = (
        "status_badge",
        "progress_bar",
        "loss_chart",
        "remote_id",
        "base_model",
        "fine_tuned_model",
        "training_file",
        "validation_file",
        "suffix",
        "method",
        "hyperparameters",
        "seed",
        "trained_tokens",
        "error",
        "recent_events",
        "remote_created_at",
        "estimated_finish",
        "finished_at",
        "synced_at",
        "next_poll_at",
        "last_error",
        "owner",
        "client_alias",
    )

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[FineTuningJob]:
        # Each job's step of total in the list's one query (FineTuningJob.objects.with_progress).
        return FineTuningJob.objects.with_progress().select_related(
            "training_file", "validation_file", "owner"
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.may_act(request)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        from .views import fine_tune_view

        return fine_tune_view(self, request)

    def offers(self, action: str, obj: FineTuningJob) -> bool:
        return {
            "pause": obj.status == "running",
            "resume": obj.status == "paused",
            "cancel": not obj.is_terminal,
        }.get(action, True)

    @admin.display(description="progress")
    def progress_bar(self, obj: FineTuningJob) -> SafeString:
        total = getattr(obj, "total_steps", None)
        if obj.status == "succeeded" and total:
            return progress(total, total, "steps")
        return progress(getattr(obj, "last_step", None), total, "steps")

    @admin.display(description="progress")
    def progress_column(self, obj: FineTuningJob) -> SafeString:
        total = getattr(obj, "total_steps", None)
        done = total if obj.status == "succeeded" else getattr(obj, "last_step", None)
        return progress(done, total, compact=True)

    @admin.display(description="loss")
    def loss_chart(self, obj: FineTuningJob) -> SafeString:
        from .charts import loss_chart

        points = (
            FineTuningEvent.objects.filter(job_id=obj.pk, step__isnull=False)
            .order_by("step", "pk")
            .values_list("step", "train_loss", "valid_loss")
        )
        return loss_chart(list(points))

    @admin.display(description="events")
    def recent_events(self, obj: FineTuningJob) -> SafeString:
        events = list(
            FineTuningEvent.objects.filter(job_id=obj.pk).order_by("-remote_created_at", "-pk")[
                :RECENT_EVENTS
            ]
        )
        if not events:
            return format_html('<span class="djoai-muted">{}</span>', "No events stored yet.")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((when(e.remote_created_at), e.level or "", e.message) for e in events),
        )
        everything = self.admin_url("finetuningevent_changelist") + f"?job__id__exact={obj.pk}"
        return format_html(
            '<table class="djoai-table"><tr><th>when</th><th>level</th><th>message</th></tr>{}</table>'
            "<p>{}</p>",
            rows,
            link(everything, "All events"),
        )

    @admin.action(description="Cancel", permissions=["act"])
    def cancel(self, request: HttpRequest, queryset: models.QuerySet[FineTuningJob]) -> None:
        self.run_each(request, queryset, services.cancel_job, "Cancelled")

    @admin.action(description="Pause", permissions=["act"])
    def pause(self, request: HttpRequest, queryset: models.QuerySet[FineTuningJob]) -> None:
        self.run_each(request, queryset, services.pause_job, "Paused")

    @admin.action(description="Resume", permissions=["act"])
    def resume(self, request: HttpRequest, queryset: models.QuerySet[FineTuningJob]) -> None:
        self.run_each(request, queryset, services.resume_job, "Resumed")


@admin.register(FineTuningEvent)
class FineTuningEventAdmin(ReadOnlyAdmin):
    """A job's events (``?job__id__exact=``), paged; a job's page links here."""

    list_display = (
        "remote_created_at",
        "job",
        "level",
        "type",
        "step",
        "train_loss",
        "valid_loss",
        "message",
    )
    list_filter = ("type", "level")
    search_fields = ("=job__openai_id", "message")
    list_select_related = ("job",)
    list_per_page = 100
    fields = (
        "job",
        "openai_id",
        "remote_created_at",
        "level",
        "type",
        "message",
        "step",
        "train_loss",
        "valid_loss",
        "data",
    )
    readonly_fields = fields

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from ..signals import fine_tuning_job_failed, fine_tuning_job_succeeded
from .base import RemoteObject, from_timestamp
from .files import File
from .kinds import RemoteKind
from .verbs import ServiceFunction, ServiceMethod

if TYPE_CHECKING:  # the verbs' types only: models never import services at run time
    from ..services import fine_tuning as services
    from ..services._common import async_twin

_SERVICES = "django_openai.services.fine_tuning."


class FineTuningJobManager(models.Manager["FineTuningJob"]):
    """``FineTuningJob.objects``: a manager, and the service functions that start jobs."""

    def with_progress(self) -> models.QuerySet[FineTuningJob]:
        """Jobs with ``last_step`` and ``total_steps`` from their newest metrics event, in the same
        query (a list of jobs shows each one's progress without a query per job)."""
        newest = FineTuningEvent.objects.filter(job=models.OuterRef("pk"), step__isnull=False).order_by(
            "-step"
        )
        total = Cast(KT("data__total_steps"), models.IntegerField())
        return self.get_queryset().annotate(
            last_step=models.Subquery(newest.values("step")[:1]),
            total_steps=models.Subquery(newest.annotate(total=total).values("total")[:1]),
        )

    if TYPE_CHECKING:
        start = staticmethod(services.start_job)
        astart = staticmethod(async_twin(services.start_job))
    else:
        start = ServiceFunction(_SERVICES + "start_job")
        astart = ServiceFunction(_SERVICES + "astart_job")


class FineTuningJob(RemoteObject):
    base_model = models.CharField(max_length=255)
    training_file = models.ForeignKey(
        File, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    validation_file = models.ForeignKey(
        File, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    method = models.JSONField(default=dict, blank=True)
    hyperparameters = models.JSONField(default=dict, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    seed = models.BigIntegerField(null=True, blank=True)
    trained_tokens = models.BigIntegerField(null=True, blank=True)
    fine_tuned_model = models.CharField(max_length=255, blank=True)
    estimated_finish = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)

    remote_kind = RemoteKind(
        resource="fine_tuning.jobs",
        statuses={
            "validating_files": 0,
            "queued": 1,
            "running": 2,
            "paused": 2,
            "succeeded": 3,
            "failed": 3,
            "cancelled": 3,
        },
        terminal=frozenset({"succeeded", "failed", "cancelled"}),
        webhook_events=("fine_tuning.job.",),
        signals={
            "succeeded": fine_tuning_job_succeeded,
            "failed": fine_tuning_job_failed,
            "cancelled": fine_tuning_job_failed,
        },
        sync_name="fine_tuning",
        list_params={"limit": 100},
        # New events after every poll; the checkpoints once the job has ended.
        after_poll="django_openai.services.fine_tuning.after_poll",
    )

    objects = FineTuningJobManager()

    class Meta(RemoteObject.Meta):
        verbose_name = "fine-tuning job"
        constraints = RemoteObject.Meta.constraints

    def copy_columns(self, remote: dict[str, Any]) -> None:
        self.base_model = remote.get("model") or self.base_model
        self.hyperparameters = remote.get("hyperparameters") or self.hyperparameters or {}
        self.method = remote.get("method") or self.method or {}
        self.trained_tokens = remote.get("trained_tokens", self.trained_tokens)
        self.fine_tuned_model = remote.get("fine_tuned_model") or ""
        self.estimated_finish = from_timestamp(remote.get("estimated_finish"))
        self.finished_at = from_timestamp(remote.get("finished_at"))
        self.error = remote.get("error") or None
        self.seed = remote.get("seed", self.seed)

    @property
    def latest_metrics(self) -> FineTuningEvent | None:
        return self.events.filter(step__isnull=False).order_by("-step").first()

    # Verbs that talk to the API: the service functions themselves (docs/architecture.md, "Verbs").
    if TYPE_CHECKING:
        refresh = services.refresh_job
        cancel = services.cancel_job
        pause = services.pause_job
        resume = services.resume_job
        arefresh = async_twin(services.refresh_job)
        acancel = async_twin(services.cancel_job)
        apause = async_twin(services.pause_job)
        aresume = async_twin(services.resume_job)
    else:
        refresh = ServiceMethod(_SERVICES + "refresh_job")
        cancel = ServiceMethod(_SERVICES + "cancel_job")
        pause = ServiceMethod(_SERVICES + "pause_job")
        resume = ServiceMethod(_SERVICES + "resume_job")
        arefresh = ServiceMethod(_SERVICES + "arefresh_job")
        acancel = ServiceMethod(_SERVICES + "acancel_job")
        apause = ServiceMethod(_SERVICES + "apause_job")
        aresume = ServiceMethod(_SERVICES + "aresume_job")


class FineTuningEvent(models.Model):
    job = models.ForeignKey(FineTuningJob, on_delete=models.CASCADE, related_name="events")
    openai_id = models.CharField(max_length=255)
    remote_created_at = models.DateTimeField(null=True, blank=True)
    level = models.CharField(max_length=16, blank=True)
    type = models.CharField(max_length=32, blank=True)
    message = models.TextField(blank=True)
    data = models.JSONField(null=True, blank=True)
    step = models.PositiveIntegerField(null=True, blank=True)
    train_loss = models.FloatField(null=True, blank=True)
    valid_loss = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["remote_created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["job", "openai_id"], name="django_openai_ftevent_unique")
        ]

    def __str__(self) -> str:
        return self.message[:80]


class FineTuningCheckpoint(models.Model):
    job = models.ForeignKey(FineTuningJob, on_delete=models.CASCADE, related_name="checkpoints")
    openai_id = models.CharField(max_length=255)
    step_number = models.PositiveIntegerField(null=True, blank=True)
    fine_tuned_model_checkpoint = models.CharField(max_length=255, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    remote_created_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["step_number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "openai_id"], name="django_openai_ftckpt_unique")
        ]

    def __str__(self) -> str:
        return self.fine_tuned_model_checkpoint

"""Fine-tuning jobs: starting, actions, and incremental events and checkpoints."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..client import NotFoundError
from ..models import File, FineTuningCheckpoint, FineTuningEvent, FineTuningJob
from ..models.base import from_timestamp
from ._common import async_twin, client_for, save_remote
from .files import mirror_file_id


def _file(value: Any, client_alias: str, param: str) -> File | None:
    """A File row from a File, or from a remote id (which must exist and be for fine-tuning)."""
    if value is None:
        return None
    file: File | None
    if isinstance(value, File):
        file = value
    else:
        try:
            file = mirror_file_id(str(value), client_alias)
        except NotFoundError:
            file = None
        if file is None:
            raise ValidationError(
                f"{param}: no file {value!r} exists for client {client_alias!r}.", code="missing_file"
            )
    if file.purpose != "fine-tune":
        raise ValidationError(
            f"{param}: file {file.openai_id} has purpose {file.purpose!r}; fine-tuning needs 'fine-tune'.",
            code="invalid_purpose",
        )
    return file


def start_job(
    training_file: Any,
    model: str,
    *,
    validation_file: Any = None,
    method: dict[str, Any] | None = None,
    hyperparameters: dict[str, Any] | None = None,
    suffix: str | None = None,
    seed: int | None = None,
    metadata: dict[str, str] | None = None,
    client_alias: str = "default",
    owner: Any = None,
) -> FineTuningJob:
    training = _file(training_file, client_alias, "training_file")
    validation = _file(validation_file, client_alias, "validation_file")
    assert training is not None
    remote = client_for(client_alias).fine_tuning.jobs.create(
        model=model,
        training_file=training.openai_id,
        validation_file=validation.openai_id if validation else None,
        method=method,
        hyperparameters=hyperparameters,
        suffix=suffix,
        seed=seed,
        metadata=metadata,
    )
    job = FineTuningJob(
        client_alias=client_alias,
        openai_id=remote.id,
        base_model=model,
        training_file=training,
        validation_file=validation,
        suffix=suffix or "",
        owner=owner,
        next_poll_at=timezone.now(),
    )
    with transaction.atomic():
        save_remote(job, remote.to_dict())
    return job


def refresh_job(job: FineTuningJob) -> FineTuningJob:
    remote = client_for(job.client_alias).fine_tuning.jobs.retrieve(job.openai_id)
    with transaction.atomic():
        save_remote(job, remote.to_dict())
    sync_events(job)
    sync_checkpoints(job)
    return job


def job_action(job: FineTuningJob, action: str) -> FineTuningJob:
    """Cancel, pause or resume a job (``action``), and poll it soon to see the change through."""
    jobs = client_for(job.client_alias).fine_tuning.jobs
    remote = getattr(jobs, action)(job.openai_id)
    with transaction.atomic():
        save_remote(job, remote.to_dict())
        job.next_poll_at = timezone.now()
        job.save(update_fields=["next_poll_at"])
    return job


def cancel_job(job: FineTuningJob) -> FineTuningJob:
    return job_action(job, "cancel")


def pause_job(job: FineTuningJob) -> FineTuningJob:
    return job_action(job, "pause")


def resume_job(job: FineTuningJob) -> FineTuningJob:
    return job_action(job, "resume")


def sync_events(job: FineTuningJob) -> int:
    """Fetch only the events newer than the newest stored one (the API lists newest first)."""
    client = client_for(job.client_alias)
    newest = job.events.order_by("-remote_created_at", "-pk").values_list("openai_id", flat=True).first()
    known = set(job.events.values_list("openai_id", flat=True)) if newest else set()
    fresh: list[FineTuningEvent] = []
    for event in client.fine_tuning.jobs.list_events(job.openai_id, limit=100):
        if event.id in known:
            break  # everything after this one is stored already
        data = event.data if isinstance(event.data, dict) else {}
        fresh.append(
            FineTuningEvent(
                job=job,
                openai_id=event.id,
                remote_created_at=from_timestamp(event.created_at),
                level=event.level or "",
                type=event.type or "",
                message=event.message or "",
                data=event.data or None,
                step=data.get("step"),
                train_loss=data.get("train_loss"),
                valid_loss=data.get("valid_loss"),
            )
        )
    FineTuningEvent.objects.bulk_create(reversed(fresh), ignore_conflicts=True)
    return len(fresh)


def sync_checkpoints(job: FineTuningJob) -> int:
    client = client_for(job.client_alias)
    rows = [
        FineTuningCheckpoint(
            job=job,
            openai_id=c.id,
            step_number=c.step_number,
            fine_tuned_model_checkpoint=c.fine_tuned_model_checkpoint or "",
            metrics=c.metrics or {},
            remote_created_at=from_timestamp(c.created_at),
        )
        for c in client.fine_tuning.jobs.checkpoints.list(job.openai_id)
    ]
    # In step order (the API lists newest first), so that the pk orders them by step too.
    rows.sort(key=lambda row: row.step_number or 0)
    FineTuningCheckpoint.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def after_poll(job: FineTuningJob) -> None:
    """Run by the sweeper after each poll of a job (its ``remote_kind.after_poll``)."""
    sync_events(job)
    if job.is_terminal:
        sync_checkpoints(job)


astart_job = async_twin(start_job)
arefresh_job = async_twin(refresh_job)
acancel_job = async_twin(cancel_job)
apause_job = async_twin(pause_job)
aresume_job = async_twin(resume_job)

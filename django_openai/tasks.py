"""Celery tasks that keep the mirrors current (docs/architecture.md, "How a poll travels").

Add the sweeper to your beat schedule (``django_openai.schedules.BEAT_SCHEDULE``)
or run ``manage.py openai_poll`` from cron. Every task is idempotent; run workers with
``acks_late`` so a task whose worker dies is delivered again (see docs/polling.md).
"""

from __future__ import annotations

import logging

from celery import current_app, shared_task
from django.apps import apps

from .client import APIError
from .models import Batch, Upload
from .models.base import RemoteObject
from .schedules import BEAT_SCHEDULE, INGEST_TASK, POLL_TASK, RUN_TASK, SWEEP_TASK, UPLOAD_TASK
from .services import files, polling, run_log, runs
from .services.batches import ingest_batch_results as ingest

logger = logging.getLogger("django_openai.tasks")

__all__ = [
    "BEAT_SCHEDULE",
    "execute_run",
    "ingest_batch_results",
    "poll_object",
    "run_follow_up",
    "send_upload",
    "sweep",
    "sweep_task",
]


def sweep() -> int:
    """Claim the due rows of every mirror model and enqueue one poll task per row (and delete the
    event logs of runs that ended a while ago, and end the runs whose process died)."""
    run_log.prune_events()
    runs.end_dead_runs()
    total = 0
    for model in polling.polled_models():
        label = model._meta.label_lower

        def enqueue(pks: list[int], label: str = label) -> None:
            for pk in pks:
                poll_object.delay(label, pk)

        total += len(polling.claim_due(model, enqueue))
    return total


def run_follow_up(model: type[RemoteObject], pk: int, *, inline: bool = False) -> None:
    """Start the kind's follow-up task for a row (in this process when ``inline``)."""
    follow_up = model.remote_kind.follow_up
    if follow_up is None:
        return
    task = current_app.tasks[follow_up.task]
    if inline:
        task(pk)
    else:
        task.delay(pk)


@shared_task(name=SWEEP_TASK, ignore_result=True)
def sweep_task() -> int:
    return sweep()


@shared_task(name=POLL_TASK, ignore_result=True, acks_late=True)
def poll_object(label: str, pk: int) -> None:
    model = apps.get_model(label)
    if polling.poll(model, pk) is not None:
        run_follow_up(model, pk)


@shared_task(name=INGEST_TASK, ignore_result=True, acks_late=True)
def ingest_batch_results(pk: int) -> int:
    batch = Batch.objects.filter(pk=pk).first()
    if batch is None or not batch.needs_ingestion:
        return 0
    count = ingest(batch)
    logger.info("batch %s: %d result rows stored", batch.openai_id, count)
    return count


@shared_task(name=UPLOAD_TASK, ignore_result=True, acks_late=True)
def send_upload(pk: int) -> str | None:
    """Send a received file staged on an :class:`Upload` row, in parts (``services.files.receive_file``).

    An API error is recorded on the row (``status`` failed, ``error``) and ends the task: the
    upload is resumed on request (``services.files.retry_upload``), sending only missing parts.
    """
    upload = Upload.objects.filter(pk=pk).first()
    if upload is None:
        return None
    try:
        file = files.send_upload(upload)
    except APIError as exc:
        logger.warning("upload %s (%s) failed: %s", pk, upload.filename, exc)
        return None
    return file.openai_id if file is not None else None


@shared_task(name=RUN_TASK, ignore_result=True, acks_late=False)
def execute_run(pk: int) -> str:
    """A background run on the chat backend (docs/assistants.md, "Background runs"). Not acked
    late: a run that died with its worker is not started again half done; it is left to be
    taken for dead (``THREADS["RUN_STALE_SECONDS"]``)."""
    run = runs.execute_run(pk)
    return run.status if run is not None else "skipped"

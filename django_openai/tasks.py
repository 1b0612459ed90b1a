"""Celery tasks that keep the mirrors current (DESIGN decision 5).

Add the sweeper to your beat schedule (``django_openai.schedules.BEAT_SCHEDULE``)
or run ``manage.py openai_poll`` from cron. Every task is idempotent; run workers with
``acks_late`` so a task whose worker dies is delivered again (see docs/polling.md).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.apps import apps

from .schedules import BEAT_SCHEDULE, INGEST_TASK, POLL_TASK, SWEEP_TASK
from .services import polling

logger = logging.getLogger("django_openai.tasks")

__all__ = ["BEAT_SCHEDULE", "ingest_batch_results", "poll_object", "sweep", "sweep_task"]


def _label(model: type[Any]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def sweep() -> int:
    """Claim the due rows of every polled model and enqueue one poll task per row."""
    total = 0
    for model in polling.POLLED_MODELS:
        label = _label(model)

        def enqueue(pks: list[int], label: str = label) -> None:
            for pk in pks:
                poll_object.delay(label, pk)

        total += len(polling.claim_due(model, enqueue))
    return total


@shared_task(name=SWEEP_TASK, ignore_result=True)
def sweep_task() -> int:
    return sweep()


@shared_task(name=POLL_TASK, ignore_result=True, acks_late=True)
def poll_object(label: str, pk: int) -> None:
    model = apps.get_model(label)
    follow_up = polling.poll(model, pk)
    if follow_up == "ingest":
        ingest_batch_results.delay(pk)


@shared_task(name=INGEST_TASK, ignore_result=True, acks_late=True)
def ingest_batch_results(pk: int) -> int:
    from .models import Batch
    from .services.batches import ingest_batch_results as ingest

    batch = Batch.objects.filter(pk=pk).first()
    if batch is None or not batch.needs_ingestion:
        return 0
    count = ingest(batch)
    logger.info("batch %s: %d result rows stored", batch.openai_id, count)
    return count

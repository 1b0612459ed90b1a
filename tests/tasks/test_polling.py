"""The sweeper, poll and ingestion tasks (run inline here; a real worker in test_worker.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from django_openai import tasks
from django_openai.client import InternalServerError
from django_openai.models import Batch, BatchItem, FineTuningJob
from django_openai.services import upload_file
from django_openai.services.batches import ingest_batch_results
from django_openai.signals import (
    batch_completed,
    batch_failed,
    file_processed,
    fine_tuning_job_failed,
    fine_tuning_job_succeeded,
)

from ..models.test_services import requests, training

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def signals():
    received = []

    def make(name):
        def receiver(sender, instance, **kwargs):
            received.append((name, instance.openai_id))

        return receiver

    pairs = [
        (s, make(n))
        for s, n in (
            (batch_completed, "batch_completed"),
            (batch_failed, "batch_failed"),
            (fine_tuning_job_succeeded, "ft_succeeded"),
            (fine_tuning_job_failed, "ft_failed"),
        )
    ]
    for signal, receiver in pairs:
        signal.connect(receiver)
    yield received
    for signal, receiver in pairs:
        signal.disconnect(receiver)


def make_due(*objs):
    for obj in objs:
        type(obj).objects.filter(pk=obj.pk).update(next_poll_at=timezone.now() - dt.timedelta(seconds=1))


def test_batch_end_to_end_inline(use_openai_fake, signals):
    fake = use_openai_fake()
    batch = Batch.objects.create_from_requests(requests(250), "/v1/chat/completions")
    assert tasks.sweep() == 1
    batch.refresh_from_db()
    assert (batch.status == "validating" and batch.poll_attempts == 0) or batch.status == "validating"
    fake.advance(1)
    make_due(batch)
    tasks.sweep()
    batch.refresh_from_db()
    assert batch.status == "in_progress"
    # The fake hinted openai-poll-after-ms: 5000; the next poll honours it.
    assert 4 <= (batch.next_poll_at - timezone.now()).total_seconds() <= 6
    fake.advance(10)
    make_due(batch)
    tasks.sweep()
    batch.refresh_from_db()
    assert (
        batch.status == "completed" and batch.results_ingested_at is not None and batch.next_poll_at is None
    )
    assert BatchItem.objects.filter(batch=batch).count() == 250
    item = batch.items.get(custom_id="q-42")
    assert item.status_code == 200 and "question 42" in item.response_body["choices"][0]["message"]["content"]
    assert batch.output_file.purpose == "batch_output"
    assert signals == [("batch_completed", batch.openai_id)]
    assert tasks.sweep() == 0, "nothing is due any more"


def test_a_stale_remote_answer_does_not_undo_completion(use_openai_fake):
    fake = use_openai_fake()
    batch = Batch.objects.create_from_requests(requests(3), "/v1/chat/completions")
    fake.advance(30)
    make_due(batch)
    tasks.sweep()
    batch.refresh_from_db()
    assert batch.status == "completed"
    fake.fake.batches[batch.openai_id]["status"] = "in_progress"  # a lagging replica answers
    make_due(batch)
    from django_openai.services import polling

    polling.poll(Batch, batch.pk)
    batch.refresh_from_db()
    assert batch.status == "completed"


def test_ingestion_rerun_after_a_crash_has_no_duplicates(use_openai_fake):
    fake = use_openai_fake()
    batch = Batch.objects.create_from_requests(
        requests(120, {5: {"body": {"model": "gpt-4.1-mini", "messages": []}}}), "/v1/chat/completions"
    )
    fake.advance(30)
    from django_openai.services import polling

    assert polling.poll(Batch, batch.pk) == "ingest"
    batch.refresh_from_db()
    assert batch.next_poll_at is not None, "a lease while ingestion runs"
    # A worker stored part of the results, then died.
    BatchItem.objects.bulk_create(
        [BatchItem(batch=batch, custom_id=f"q-{i}", status_code=200) for i in range(10, 50)]
    )
    assert ingest_batch_results(batch) == 120
    assert BatchItem.objects.filter(batch=batch).count() == 120
    failed = batch.items.get(custom_id="q-5")
    assert failed.status_code == 400 and failed.error["type"] == "invalid_request_error"
    assert ingest_batch_results(batch) == 0, "a second run does nothing"


def test_failed_batch_fires_batch_failed(use_openai_fake, signals):
    fake = use_openai_fake()
    file = upload_file(
        (
            "in.jsonl",
            b'{"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {"model": "m"}}\n',
        ),
        "batch",
    )
    remote = fake.client().batches.create(input_file_id=file.openai_id, endpoint="/v1/chat/completions")
    batch = Batch.objects.create(
        openai_id=remote.id, endpoint="/v1/chat/completions", next_poll_at=timezone.now()
    )
    fake.advance(2)
    make_due(batch)
    tasks.sweep()
    batch.refresh_from_db()
    assert batch.status == "failed" and batch.errors[0]["code"] == "invalid_url"
    assert signals == [("batch_failed", batch.openai_id)]


def test_fine_tuning_polling_stores_events_incrementally(use_openai_fake, signals):
    fake = use_openai_fake()
    train = upload_file(("train.jsonl", training(10)), "fine-tune")
    job = FineTuningJob.objects.start(
        train,
        "gpt-4.1-mini",
        method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}},
    )
    fake.advance(4 + 2)  # validating 2s, queued 2s, then 4 steps of 0.5s
    make_due(job)
    tasks.sweep()
    job.refresh_from_db()
    assert job.status == "running"
    first = job.events.count()
    assert job.latest_metrics.step == 4
    fake.advance(20)
    make_due(job)
    tasks.sweep()
    job.refresh_from_db()
    assert job.status == "succeeded" and job.fine_tuned_model.startswith("ft:gpt-4.1-mini")
    events = list(job.events.all())
    assert len(events) > first and len({e.openai_id for e in events}) == len(events)
    assert [e.step for e in events if e.step] == list(range(1, 21))
    assert [c.step_number for c in job.checkpoints.all()] == [10, 20]
    assert signals == [("ft_succeeded", job.openai_id)]


def test_failed_fine_tuning_job(use_openai_fake, signals):
    fake = use_openai_fake()
    train = upload_file(("train.jsonl", training(3)), "fine-tune")
    job = FineTuningJob.objects.start(train, "gpt-4.1-mini")
    fake.advance(3)
    make_due(job)
    tasks.sweep()
    job.refresh_from_db()
    assert job.status == "failed" and "at least 10 examples" in job.error["message"]
    assert signals == [("ft_failed", job.openai_id)]


def test_backoff_is_capped_and_errors_are_recorded(use_openai_fake, settings):
    fake = use_openai_fake()
    from django_openai.services.polling import backoff

    assert [backoff(n).total_seconds() for n in (1, 2, 3, 10, 30)] == [30, 60, 120, 600, 600]
    batch = Batch.objects.create_from_requests(requests(1), "/v1/chat/completions")
    fake.faults.add("GET", "/batches/*", status=500)
    with pytest.raises(InternalServerError):
        tasks.sweep()
    batch.refresh_from_db()
    assert "InternalServerError" in batch.last_error and batch.poll_attempts == 1
    assert batch.next_poll_at > timezone.now()


def test_manage_py_openai_poll_and_sync(use_openai_fake):
    from io import StringIO

    from django.core.management import call_command

    fake = use_openai_fake()
    client = fake.client()
    lines = [{**r, "method": "POST", "url": "/v1/chat/completions"} for r in requests(5)]
    file = client.files.create(
        file=("in.jsonl", b"".join(json.dumps(r).encode() + b"\n" for r in lines)), purpose="batch"
    )
    client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions")
    out = StringIO()
    call_command("openai_sync", "batches", "files", stdout=out)
    assert "batches: 1" in out.getvalue() and "files: 1" in out.getvalue()
    batch = Batch.objects.get()
    fake.advance(30)
    call_command("openai_poll", "--inline", stdout=out)
    batch.refresh_from_db()
    assert batch.status == "completed" and batch.items.count() == 5


def test_a_file_still_uploaded_is_polled_until_processed_then_left_alone(use_openai_fake):
    """A file mirrored while "uploaded" stops being polled once "processed", and says so once."""
    fake = use_openai_fake()
    fake.fake.file_processing_seconds = 5
    received = []

    def receiver(sender, instance, **kwargs):
        received.append(instance.openai_id)

    file_processed.connect(receiver)
    try:
        file = upload_file(("data.jsonl", b'{"a": 1}\n'), "batch")
        assert file.status == "uploaded" and file.next_poll_at is not None
        assert received == []
        fake.advance(10)
        make_due(file)
        assert tasks.sweep() == 1
        file.refresh_from_db()
        assert file.status == "processed"
        assert file.next_poll_at is None, "a processed file is not polled any more"
        assert received == [file.openai_id]
        asked = len(fake.requests)
        assert tasks.sweep() == 0
        assert len(fake.requests) == asked
        assert received == [file.openai_id], "sent once"
    finally:
        file_processed.disconnect(receiver)


def test_a_file_processed_at_once_is_announced_and_never_polled(use_openai_fake):
    use_openai_fake()
    received = []

    def receiver(sender, instance, **kwargs):
        received.append(instance.openai_id)

    file_processed.connect(receiver)
    try:
        file = upload_file(("data.jsonl", b'{"a": 1}\n'), "batch")
    finally:
        file_processed.disconnect(receiver)
    assert file.status == "processed" and file.next_poll_at is None
    assert received == [file.openai_id]

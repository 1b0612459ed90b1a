"""Mirror rows: forward-only status, stale polls, promoted columns, and shipped migrations."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from django_openai.models import Batch, FineTuningJob
from django_openai.services._common import save_remote
from django_openai.signals import status_changed

pytestmark = pytest.mark.django_db


def remote_batch(status: str, **extra):
    return {
        "id": "batch_1",
        "object": "batch",
        "status": status,
        "endpoint": "/v1/chat/completions",
        "created_at": 1_700_000_000,
        "request_counts": {"total": 10, "completed": 4, "failed": 1},
        **extra,
    }


def test_status_moves_forward_and_columns_are_promoted():
    batch = Batch(openai_id="batch_1", endpoint="/v1/chat/completions")
    assert batch.apply_remote(remote_batch("validating")) == ("", "validating")
    assert batch.apply_remote(remote_batch("in_progress", in_progress_at=1_700_000_100)) == (
        "validating",
        "in_progress",
    )
    assert (batch.request_total, batch.request_completed, batch.request_failed) == (10, 4, 1)
    assert batch.in_progress_at.timestamp() == 1_700_000_100
    assert batch.progress == 0.5
    assert batch.apply_remote(remote_batch("completed")) == ("in_progress", "completed")


def test_a_stale_poll_after_completion_changes_nothing():
    batch = Batch(openai_id="batch_1")
    batch.apply_remote(remote_batch("completed", request_counts={"total": 10, "completed": 10, "failed": 0}))
    data_before = dict(batch.data)
    assert batch.apply_remote(remote_batch("in_progress")) is None
    assert batch.status == "completed"
    assert batch.data == data_before and batch.request_completed == 10
    assert batch.synced_at is not None


@pytest.mark.parametrize(
    ("current", "incoming", "accepted"),
    [
        ("running", "paused", True),
        ("paused", "running", True),
        ("queued", "validating_files", False),
        ("succeeded", "running", False),
        ("failed", "succeeded", False),
        ("running", "succeeded", True),
    ],
)
def test_fine_tuning_transitions(current, incoming, accepted):
    job = FineTuningJob(openai_id="ftjob-1", status=current)
    assert job.accepts_status(incoming) is accepted


def test_status_changed_fires_after_commit(django_capture_on_commit_callbacks):
    seen = []

    def receiver(sender, instance, old, new, **kwargs):
        seen.append((sender, old, new))

    status_changed.connect(receiver)
    try:
        batch = Batch(openai_id="batch_2", endpoint="/v1/chat/completions")
        with django_capture_on_commit_callbacks(execute=True):
            save_remote(batch, remote_batch("validating", id="batch_2"))
            assert seen == [], "not before the commit"
        with django_capture_on_commit_callbacks(execute=True):
            save_remote(batch, remote_batch("validating", id="batch_2"))  # no change, no signal
    finally:
        status_changed.disconnect(receiver)
    assert seen == [(Batch, "", "validating")]


def test_migrations_are_complete_and_free_of_choices():
    out = io.StringIO()
    call_command("makemigrations", "django_openai", "--check", "--dry-run", stdout=out)
    from pathlib import Path

    import django_openai

    text = (Path(django_openai.__file__).parent / "migrations" / "0001_initial.py").read_text()
    assert "choices=" not in text and "help_text=" not in text

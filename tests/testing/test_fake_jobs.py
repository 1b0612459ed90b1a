"""Long jobs on the fake clock: batches and fine-tuning, their validation, and signed webhooks."""

from __future__ import annotations

import base64
import json
import time

import pytest

from django_openai.client import BadRequestError, ConflictError
from django_openai.client.webhooks import unwrap

from .test_fake_api import _batch_lines, _training

SECRET = "whsec_" + base64.b64encode(b"fake-webhook-secret-32-bytes!!!!").decode()


def _submit(client, content: bytes, endpoint="/v1/chat/completions"):
    file = client.files.create(file=("input.jsonl", content), purpose="batch")
    return client.batches.create(input_file_id=file.id, endpoint=endpoint, metadata={"run": "t"})


def test_batch_moves_through_its_states_with_the_clock(openai_fake):
    with openai_fake.client() as client:
        batch = _submit(client, _batch_lines(100))
        assert batch.status == "validating"
        openai_fake.advance(1)
        batch = client.batches.retrieve(batch.id)
        assert batch.status == "in_progress" and batch.request_counts.total == 100
        openai_fake.advance(1)
        midway = client.batches.retrieve(batch.id).request_counts.completed
        assert 0 < midway < 100, "request_counts move while in progress"
        openai_fake.advance(1)
        assert client.batches.retrieve(batch.id).status == "finalizing"
        openai_fake.advance(1)
        done = client.batches.retrieve(batch.id)
        assert done.status == "completed" and done.request_counts.completed == 100
        lines = [json.loads(line) for line in client.files.content(done.output_file_id).read().splitlines()]
    assert [line["custom_id"] for line in lines] == [f"req-{i}" for i in range(100)]
    assert lines[7]["response"]["status_code"] == 200
    assert "question 7" in lines[7]["response"]["body"]["choices"][0]["message"]["content"]
    assert done.error_file_id is None and done.completed_at >= done.finalizing_at >= done.in_progress_at


def test_a_batch_completes_item_by_item_failures_included(openai_fake):
    """Each line is run when its time comes: completed and failed both move as the clock does."""
    openai_fake.fake.batch_seconds_per_line = 1
    broken = {1: {"body": {"model": "gpt-4.1-mini", "messages": []}}}
    with openai_fake.client() as client:
        batch = _submit(client, _batch_lines(4, broken))
        openai_fake.advance(1)
        seen = []
        for _ in range(4):
            counts = client.batches.retrieve(batch.id).request_counts
            seen.append((counts.completed, counts.failed))
            openai_fake.advance(1)
        done = client.batches.retrieve(batch.id)
    assert seen == [(0, 0), (1, 0), (1, 1), (2, 1)]
    assert done.status == "finalizing" and (done.request_counts.completed, done.request_counts.failed) == (
        3,
        1,
    )


def test_lines_that_fail_go_to_the_error_file(openai_fake):
    broken = {2: {"body": {"model": "gpt-4.1-mini", "messages": []}}}
    with openai_fake.client() as client:
        batch = _submit(client, _batch_lines(5, broken))
        openai_fake.advance(10)
        done = client.batches.retrieve(batch.id)
        assert (done.request_counts.completed, done.request_counts.failed) == (4, 1)
        error_line = json.loads(client.files.content(done.error_file_id).read())
    assert error_line["custom_id"] == "req-2" and error_line["response"]["status_code"] == 400


@pytest.mark.parametrize(
    ("content", "code", "line"),
    [
        (_batch_lines(3, {1: {"custom_id": "req-0"}}), "duplicate_custom_id", 2),
        (_batch_lines(3, {2: {"method": "GET"}}), "invalid_method", 3),
        (_batch_lines(3, {0: {"url": "/v1/embeddings"}}), "invalid_url", 1),
        (_batch_lines(3, {1: {"body": {"model": "gpt-4.1", "messages": []}}}), "mismatched_model", 2),
        (b'{"custom_id": "a", "method": "POST"\n', "invalid_json_line", 1),
        (_batch_lines(1) + b"{}\n", "missing_required_parameter", 2),
    ],
)
def test_invalid_input_fails_the_batch_like_openai(openai_fake, content, code, line):
    with openai_fake.client() as client:
        batch = _submit(client, content)
        openai_fake.advance(1)
        failed = client.batches.retrieve(batch.id)
    assert failed.status == "failed" and failed.failed_at
    first = failed.errors.data[0]
    assert (first.code, first.line) == (code, line)


def test_too_many_lines_fails(openai_fake):
    line = _batch_lines(1).strip()
    lines = [line.replace(b'"req-0"', f'"r{i}"'.encode()) for i in range(50_001)]
    with openai_fake.client() as client:
        batch = _submit(client, b"\n".join(lines))
        openai_fake.advance(1)
        failed = client.batches.retrieve(batch.id)
    assert failed.status == "failed" and failed.errors.data[0].code == "too_many_requests"


def test_batch_request_errors(openai_fake):
    with openai_fake.client() as client:
        tuning = client.files.create(file=("t.jsonl", _training(10)), purpose="fine-tune")
        with pytest.raises(BadRequestError, match="purpose"):
            client.batches.create(input_file_id=tuning.id, endpoint="/v1/chat/completions")
        with pytest.raises(BadRequestError) as info:
            client.batches.create(input_file_id=tuning.id, endpoint="/v1/images/generations")
        assert info.value.param == "endpoint"


def test_cancel_and_expiry(openai_fake):
    with openai_fake.client() as client:
        batch = _submit(client, _batch_lines(10_000))
        openai_fake.advance(2)
        cancelling = client.batches.cancel(batch.id)
        assert cancelling.status == "cancelling"
        openai_fake.advance(1)
        cancelled = client.batches.retrieve(batch.id)
        assert cancelled.status == "cancelled" and 0 < cancelled.request_counts.completed < 10_000
        with pytest.raises(ConflictError):
            client.batches.cancel(batch.id)
        quick = _submit(client, _batch_lines(10))
        openai_fake.advance(1)
        client.batches.retrieve(quick.id)  # running at the normal speed
        openai_fake.fake.batch_seconds_per_line = 10_000  # ten lines take 28 h: past the 24 h window
        slow = _submit(client, _batch_lines(10))
        openai_fake.advance(1)
        client.batches.retrieve(slow.id)
        openai_fake.advance(25 * 3600)
        expired = client.batches.retrieve(slow.id)
        assert expired.status == "expired" and expired.expired_at
        assert expired.request_counts.completed == 8, "what ran in the window is kept"
        assert client.batches.retrieve(quick.id).status == "completed"


def test_ten_thousand_line_batch_completes_quickly(openai_fake):
    with openai_fake.client() as client:
        started = time.monotonic()
        batch = _submit(client, _batch_lines(10_000))
        openai_fake.advance(60)
        done = client.batches.retrieve(batch.id)
        output = client.files.content(done.output_file_id).read()
        elapsed = time.monotonic() - started
    assert done.status == "completed" and done.request_counts.completed == 10_000
    assert output.count(b"\n") == 10_000
    assert elapsed < 10, f"took {elapsed:.1f}s of real time"


def test_fine_tuning_job_runs_with_events_metrics_checkpoints(openai_fake):
    with openai_fake.client() as client:
        training = client.files.create(file=("train.jsonl", _training(10)), purpose="fine-tune")
        validation = client.files.create(file=("valid.jsonl", _training(10)), purpose="fine-tune")
        job = client.fine_tuning.jobs.create(
            model="gpt-4.1-mini",
            training_file=training.id,
            validation_file=validation.id,
            suffix="demo",
            method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}},
        )
        assert job.status == "validating_files"
        openai_fake.advance(2)
        assert client.fine_tuning.jobs.retrieve(job.id).status == "queued"
        openai_fake.advance(2 + 2.5)
        running = client.fine_tuning.jobs.retrieve(job.id)
        assert running.status == "running"
        events = list(client.fine_tuning.jobs.list_events(job.id))
        metrics = [e for e in events if e.type == "metrics"]
        assert len(metrics) == 5 and metrics[0].data["valid_loss"] is not None
        paused = client.fine_tuning.jobs.pause(job.id)
        assert paused.status == "paused"
        openai_fake.advance(100)
        assert (
            len([e for e in client.fine_tuning.jobs.list_events(job.id, limit=100) if e.type == "metrics"])
            == 5
        )
        assert client.fine_tuning.jobs.resume(job.id).status == "running"
        openai_fake.advance(10)
        done = client.fine_tuning.jobs.retrieve(job.id)
        assert done.status == "succeeded"
        assert done.fine_tuned_model.startswith("ft:gpt-4.1-mini:fake-org:demo:")
        assert done.trained_tokens > 0
        checkpoints = list(client.fine_tuning.jobs.checkpoints.list(job.id))
        assert sorted(c.step_number for c in checkpoints) == [10, 20]
        csv = client.files.content(done.result_files[0]).read().decode().splitlines()
        assert csv[0] == "step,train_loss,train_accuracy,valid_loss" and len(csv) == 21
        assert client.models.retrieve(done.fine_tuned_model).owned_by == "fake-org"
        # Incremental event reads: only what came after the newest one seen.
        newest = next(iter(client.fine_tuning.jobs.list_events(job.id, limit=1)))
        assert list(client.fine_tuning.jobs.list_events(job.id, after=newest.id)) != []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_training(3), "must have at least 10 examples"),
        (b"not json\n", "not valid JSON"),
        (b'{"prompt": "old format"}\n' * 10, '"messages"'),
    ],
)
def test_bad_training_data_fails_the_job(openai_fake, content, message):
    with openai_fake.client() as client:
        training = client.files.create(file=("train.jsonl", content), purpose="fine-tune")
        job = client.fine_tuning.jobs.create(model="gpt-4.1-mini", training_file=training.id)
        openai_fake.advance(5)
        failed = client.fine_tuning.jobs.retrieve(job.id)
    assert failed.status == "failed"
    assert failed.error.code == "invalid_training_file" and message in failed.error.message


def test_fine_tuning_cancel_and_bad_requests(openai_fake):
    with openai_fake.client() as client:
        training = client.files.create(file=("train.jsonl", _training(10)), purpose="fine-tune")
        job = client.fine_tuning.jobs.create(model="gpt-4.1-mini", training_file=training.id)
        assert client.fine_tuning.jobs.cancel(job.id).status == "cancelled"
        with pytest.raises(BadRequestError):
            client.fine_tuning.jobs.cancel(job.id)
        with pytest.raises(BadRequestError, match="not available for fine-tuning"):
            client.fine_tuning.jobs.create(model="dall-e-3", training_file=training.id)
        batch_file = client.files.create(file=("b.jsonl", _batch_lines(1)), purpose="batch")
        with pytest.raises(BadRequestError) as info:
            client.fine_tuning.jobs.create(model="gpt-4.1-mini", training_file=batch_file.id)
        assert info.value.code == "invalid_file_purpose"


def test_signed_webhooks_when_jobs_finish(openai_fake):
    openai_fake.fake.webhook_secret = SECRET
    with openai_fake.client() as client:
        batch = _submit(client, _batch_lines(2))
        response = client.responses.create(model="gpt-4.1", input="x", background=True)
        openai_fake.advance(10)
        client.batches.retrieve(batch.id)
        client.responses.retrieve(response.id)
    sent = {w["type"]: w for w in openai_fake.fake.webhooks_sent}
    assert set(sent) == {"batch.completed", "response.completed"}
    event = unwrap(
        sent["batch.completed"]["body"],
        sent["batch.completed"]["headers"],
        secret=SECRET,
        now=openai_fake.clock.now(),
    )
    assert event.type == "batch.completed" and event.data["id"] == batch.id

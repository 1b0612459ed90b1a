"""fine-tuning/jobs/ against the fake server."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from django_openai.models import FineTuningJob
from django_openai.services.polling import poll

from ..models.test_services import training
from .conftest import API

pytestmark = pytest.mark.django_db(transaction=True)


def training_file(client) -> str:
    response = client.post(
        API + "files/",
        {"file": SimpleUploadedFile("train.jsonl", training(10)), "purpose": "fine-tune"},
        format="multipart",
    )
    return response.json()["id"]


def test_start_follow_pause_resume_cancel(alice, users, use_openai_fake):
    fake = use_openai_fake()
    file_id = training_file(alice)
    response = alice.post(
        API + "fine-tuning/jobs/",
        {
            "training_file": file_id,
            "model": "gpt-4.1-mini",
            "suffix": "support",
            "seed": 7,
            "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["object"] == "fine_tuning.job" and job["training_file"] == file_id and job["seed"] == 7
    assert FineTuningJob.objects.get(openai_id=job["id"]).owner == users["a"]

    fake.advance(8)  # validated, queued, then running a few steps
    poll(FineTuningJob, FineTuningJob.objects.get(openai_id=job["id"]).pk)
    running = alice.get(API + f"fine-tuning/jobs/{job['id']}/").json()
    assert running["status"] == "running" and running["step"] >= 1 and running["total_steps"] == 20

    events = alice.get(API + f"fine-tuning/jobs/{job['id']}/events/", {"limit": 100}).json()["data"]
    assert events[0]["message"].startswith("Created fine-tuning job")
    metrics = [e for e in events if e["type"] == "metrics"]
    assert metrics and metrics[0]["step"] == 1 and metrics[0]["train_loss"] > 0

    seen = events[-1]["id"]
    assert alice.get(API + f"fine-tuning/jobs/{job['id']}/events/", {"after": seen}).json()["data"] == []
    fake.advance(2)
    poll(FineTuningJob, FineTuningJob.objects.get(openai_id=job["id"]).pk)
    newer = alice.get(API + f"fine-tuning/jobs/{job['id']}/events/", {"after": seen}).json()["data"]
    assert newer and all(e["id"] not in {x["id"] for x in events} for e in newer), "only what is new"

    assert alice.post(API + f"fine-tuning/jobs/{job['id']}/pause/").json()["status"] == "paused"
    assert alice.post(API + f"fine-tuning/jobs/{job['id']}/resume/").json()["status"] == "running"
    assert alice.post(API + f"fine-tuning/jobs/{job['id']}/cancel/").json()["status"] == "cancelled"
    again = alice.post(API + f"fine-tuning/jobs/{job['id']}/cancel/")
    assert again.status_code == 400 and "already cancelled" in again.json()["detail"]
    assert [j["id"] for j in alice.get(API + "fine-tuning/jobs/").json()["data"]] == [job["id"]]


def test_checkpoints_once_the_job_ends(alice, use_openai_fake):
    fake = use_openai_fake()
    job_id = alice.post(
        API + "fine-tuning/jobs/",
        {"training_file": training_file(alice), "model": "gpt-4.1-mini"},
        format="json",
    ).json()["id"]
    fake.advance(60)
    poll(FineTuningJob, FineTuningJob.objects.get(openai_id=job_id).pk)
    checkpoints = alice.get(API + f"fine-tuning/jobs/{job_id}/checkpoints/").json()["data"]
    assert [c["step_number"] for c in checkpoints] == [10, 20, 30]


def test_unknown_event_cursor_is_named(alice, users):
    FineTuningJob.objects.create(openai_id="ftjob-1", base_model="m", owner=users["a"])
    response = alice.get(API + "fine-tuning/jobs/ftjob-1/events/", {"after": "ftevent-nope"})
    assert response.status_code == 400 and "no 'ftevent-nope' in this list" in response.json()["after"][0]

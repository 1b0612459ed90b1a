from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from django_openai.models import (
    Assistant,
    Batch,
    BatchItem,
    File,
    FineTuningCheckpoint,
    FineTuningEvent,
    FineTuningJob,
    Run,
    Thread,
    ThreadItem,
    Upload,
)

API = "/api/openai/"


@pytest.fixture
def users(db):
    User = get_user_model()
    return {
        "a": User.objects.create_user("alice"),
        "b": User.objects.create_user("bob"),
        "staff": User.objects.create_user("sam", is_staff=True),
    }


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def alice(users):
    return client_for(users["a"])


@pytest.fixture
def bob(users):
    return client_for(users["b"])


@pytest.fixture
def staff(users):
    return client_for(users["staff"])


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def owned_rows(users):
    """One object of every kind, all Alice's (rows only: reads need no API)."""
    a = users["a"]
    file = File.objects.create(
        openai_id="file-alice", purpose="batch", filename="in.jsonl", bytes=10, status="processed", owner=a
    )
    batch = Batch.objects.create(
        openai_id="batch_alice",
        endpoint="/v1/chat/completions",
        status="completed",
        owner=a,
        input_file=file,
        data={"id": "batch_alice", "status": "completed", "input_file_id": "file-alice"},
    )
    BatchItem.objects.create(batch=batch, custom_id="q-1", status_code=200, response_body={"ok": True})
    job = FineTuningJob.objects.create(
        openai_id="ftjob-alice", base_model="gpt-4.1-mini", status="running", owner=a
    )
    FineTuningEvent.objects.create(job=job, openai_id="ftevent-1", message="Step 1", step=1, train_loss=1.5)
    FineTuningCheckpoint.objects.create(job=job, openai_id="ftckpt-1", step_number=1)
    upload = Upload.objects.create(
        openai_id="upload_alice",
        filename="big.jsonl",
        purpose="fine-tune",
        mime_type="application/jsonl",
        total_bytes=10,
        part_size=5,
        status="failed",
        owner=a,
    )
    assistant = Assistant.objects.create(name="Alice's", slug="alice-helper", model="gpt-4.1-mini", owner=a)
    thread = Thread.objects.create(owner=a, assistant=assistant, title="Alice's thread", item_count=1)
    ThreadItem.objects.create(
        thread=thread,
        position=1,
        type="message",
        role="user",
        content={"type": "message", "role": "user", "content": "Hi"},
        text="Hi",
    )
    run = Run.objects.create(
        thread=thread,
        owner=a,
        assistant_version=assistant.latest_version,
        status="completed",
        backend="chat",
        model="gpt-4.1-mini",
    )
    return {
        "file": file,
        "batch": batch,
        "job": job,
        "upload": upload,
        "assistant": assistant,
        "thread": thread,
        "run": run,
    }

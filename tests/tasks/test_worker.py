"""End to end with a real Celery worker process, Redis and PostgreSQL.

Submit a batch to the fake server; the worker polls, the batch completes, every item is stored,
the signal fires. Then: kill the worker during ingestion; a restarted worker finishes it with no
duplicate and no lost item.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from django_openai import tasks
from django_openai.models import Batch, BatchItem
from tests.celery_app import app

from ..models.test_services import requests

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis"), reason="needs Redis (CELERY_BROKER_URL)"
    ),
]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_env(openai_fake, use_openai_fake, tmp_path, monkeypatch):
    use_openai_fake("default")
    queue = f"django-openai-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "task_default_queue", queue)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "WORKER_TEST_DB_NAME": connection.settings_dict["NAME"],
        "WORKER_QUEUE": queue,
        "FAKE_OPENAI_URL": openai_fake.base_url,
        "WORKER_SIGNAL_LOG": str(tmp_path / "signals.log"),
        "PYTHONPATH": str(ROOT),
    }
    started: list[subprocess.Popen[bytes]] = []

    def start(**extra: str) -> subprocess.Popen[bytes]:
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.celery_app",
                "worker",
                "-P",
                "solo",
                "-Q",
                queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "INFO",
            ],
            env={**env, **extra},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(proc)
        return proc

    yield start, tmp_path
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    # A killed worker's database session can outlive it for a moment; end it, or the test database
    # cannot be dropped at the end of the run. Only the worker's: the test process's other threads
    # (a live server, the thread async code runs sync code in) keep theirs.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = 'django-openai-test-worker'"
        )


def wait_for(predicate, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out: {message}")


def test_worker_polls_ingests_and_signals(openai_fake, worker_env):
    start, tmp = worker_env
    start()
    batch = Batch.objects.create_from_requests(requests(300), "/v1/chat/completions")
    openai_fake.advance(60)
    assert tasks.sweep() >= 1
    wait_for(
        lambda: Batch.objects.filter(pk=batch.pk, results_ingested_at__isnull=False).exists(),
        60,
        "the worker polls and ingests the batch",
    )
    batch.refresh_from_db()
    assert batch.status == "completed"
    assert BatchItem.objects.filter(batch=batch).count() == 300
    wait_for(lambda: (tmp / "signals.log").exists(), 10, "the signal fires in the worker")
    assert (tmp / "signals.log").read_text().split() == ["batch_completed", batch.openai_id, "300"]


def test_killed_worker_during_ingestion_is_finished_by_another(openai_fake, worker_env):
    start, _ = worker_env
    total = 20_000
    batch = Batch.objects.create_from_requests(requests(total), "/v1/chat/completions")
    openai_fake.advance(120)
    first = start(WORKER_INGEST_CHUNK="50", WORKER_INGEST_LEASE="2")
    tasks.sweep()
    wait_for(lambda: BatchItem.objects.filter(batch=batch).count() >= 500, 120, "ingestion starts")
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    stored = BatchItem.objects.filter(batch=batch).count()
    assert stored < total, "the worker died mid-ingestion"
    assert not Batch.objects.get(pk=batch.pk).results_ingested_at

    start(WORKER_INGEST_CHUNK="1000", WORKER_INGEST_LEASE="2")
    # When the lease runs out, a sweep finds the batch due again.
    wait_for(
        lambda: Batch.objects.get(pk=batch.pk).next_poll_at <= timezone.now(),
        30,
        "the ingestion lease expires",
    )
    tasks.sweep()
    wait_for(
        lambda: Batch.objects.filter(pk=batch.pk, results_ingested_at__isnull=False).exists(),
        120,
        "a new worker finishes the ingestion",
    )
    items = BatchItem.objects.filter(batch=batch)
    assert items.count() == total
    assert items.values("custom_id").distinct().count() == total
    assert set(items.values_list("custom_id", flat=True)) == {f"q-{i}" for i in range(total)}

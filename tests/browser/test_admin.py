"""The admin in a real browser: upload a JSONL, create a batch from it, watch it complete, download
its results; start a fine-tune and see its loss chart drawn. Screenshots are saved as artifacts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from django_openai import tasks
from django_openai.models import Batch, File, FineTuningJob

from ..models.test_services import requests, training

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = "/v1/chat/completions"
ITEMS = 40


@pytest.fixture
def admin_page(browser, live_server):
    get_user_model().objects.create_superuser("operator", "ops@example.com", "a-long-test-password")
    page = browser.new_page(viewport={"width": 1600, "height": 900}, accept_downloads=True)
    page.goto(live_server.url + "/admin/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")
    page.wait_for_selector("#content-main")
    return page


def upload(page, live_server, path, purpose: str) -> None:
    page.goto(live_server.url + "/admin/django_openai/file/add/")
    page.set_input_files("#id_file", str(path))
    page.select_option("#id_purpose", purpose)
    page.click("input[type=submit]")
    page.wait_for_selector(".messagelist .success")


def sweep_until(predicate, fake, *, step: float, timeout: float = 90) -> None:
    """Advance the fake's clock and sweep (the worker, or eager tasks, do the rest) until done."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        fake.advance(step)
        due = {}
        for model in (Batch, FineTuningJob):
            rows = model.objects.filter(next_poll_at__isnull=False)
            due[model] = dict(rows.values_list("pk", "synced_at"))
            rows.update(next_poll_at=timezone.now() - dt.timedelta(seconds=1))
        tasks.sweep()
        # One poll of each row per step of the clock: a worker slowed by a busy machine would
        # otherwise poll once after several steps, and the page see the progress jump.
        polled_by = time.monotonic() + 10
        while time.monotonic() < polled_by and not _polled_since(due):
            time.sleep(0.05)
        time.sleep(0.2)


def _polled_since(due) -> bool:
    return all(
        synced != due[model][pk]
        for model in due
        for pk, synced in model.objects.filter(pk__in=list(due[model])).values_list("pk", "synced_at")
    )


def test_upload_a_jsonl_create_a_batch_watch_it_complete_and_download(
    admin_page, live_server, openai_fake, use_openai_fake, real_worker, shots, tmp_path
):
    page = admin_page
    use_openai_fake()
    openai_fake.fake.batch_seconds_per_line = 1.0  # 40 s of the fake's clock: progress is seen moving
    lines = [
        {"custom_id": r["custom_id"], "method": "POST", "url": CHAT, "body": r["body"]}
        for r in requests(ITEMS)
    ]
    source = tmp_path / "questions.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))

    upload(page, live_server, source, "batch")
    assert "Uploaded questions.jsonl as file-" in page.inner_text(".messagelist")
    shots(page, "admin-file")

    page.click("text=Create a batch from this JSONL file")
    page.select_option("#id_endpoint", CHAT)
    page.fill("#id_metadata", '{"team": "support"}')
    shots(page, "admin-batch-form")
    page.click("input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    assert "created from file-" in page.inner_text(".messagelist")
    batch = Batch.objects.get()

    seen: list[int] = []

    def percent() -> int:
        page.reload()
        value = page.locator(".field-progress_bar progress")
        done = int(value.get_attribute("value") or 0) if value.count() else 0
        total = int(value.get_attribute("max") or 1) if value.count() else 1
        seen.append(done * 100 // total)
        return seen[-1]

    sweep_until(lambda: percent() >= 40, openai_fake, step=8)
    shots(page, "admin-batch-progress")
    sweep_until(
        lambda: percent() == 100 and Batch.objects.get(pk=batch.pk).results_ingested_at is not None,
        openai_fake,
        step=10,
    )
    assert any(0 < p < 100 for p in seen), f"progress was seen moving: {seen}"
    page.reload()
    assert "(100%)" in page.inner_text(".field-progress_bar")
    assert "q-0" in page.inner_text(".field-results")
    shots(page, "admin-batch", full_page=True)

    with page.expect_download() as download:
        page.click(".object-tools >> text=Download CSV")
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert [r["custom_id"] for r in rows] == [f"q-{i}" for i in range(ITEMS)]
    assert all(r["status_code"] == "200" and r["answer"] for r in rows)
    with page.expect_download() as download:
        page.click(".object-tools >> text=Download JSONL")
    results = [json.loads(line) for line in download.value.path().read_text().splitlines()]
    assert {r["custom_id"] for r in results} == {line["custom_id"] for line in lines}

    page.goto(live_server.url + "/admin/django_openai/batch/")
    shots(page, "admin-batches")
    if real_worker is not None:
        assert real_worker.poll() is None, "the worker is still running"


def test_start_a_fine_tune_and_see_the_loss_chart(
    admin_page, live_server, openai_fake, use_openai_fake, real_worker, shots, tmp_path
):
    page = admin_page
    use_openai_fake()
    validation = tmp_path / "support-validation.jsonl"
    validation.write_bytes(training(10))
    upload(page, live_server, validation, "fine-tune")
    source = tmp_path / "support.jsonl"
    # 40 examples, 3 epochs: 120 steps, so that a sweep that lags behind the clock on a busy machine
    # still finds the job running (and the Pause button there) once step 20 is seen.
    source.write_bytes(training(40))
    upload(page, live_server, source, "fine-tune")

    page.click("text=Start a fine-tune from this training file")
    page.fill("#id_model", "gpt-4.1-mini")
    page.fill("#id_suffix", "support")
    page.fill("#id_n_epochs", "3")
    page.fill("#id_seed", "42")
    page.select_option("#id_validation_file", str(File.objects.get(filename="support-validation.jsonl").pk))
    shots(page, "admin-fine-tune-form")
    page.click("input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    job = FineTuningJob.objects.get()
    assert job.suffix == "support" and job.validation_file.filename == "support-validation.jsonl"

    sweep_until(
        lambda: FineTuningJob.objects.get(pk=job.pk).events.filter(step__gte=20).exists(), openai_fake, step=4
    )
    page.reload()
    chart = page.locator("svg.djoai-chart")
    chart.wait_for()
    train = page.locator("svg.djoai-chart polyline.djoai-line--train")
    assert train.count() == 1 and len(train.get_attribute("points").split()) >= 20
    assert page.locator("svg.djoai-chart polyline.djoai-line--valid").count() == 1
    assert "steps" in page.inner_text(".field-progress_bar")
    shots(page, "admin-fine-tune", full_page=True)
    page.click(".object-tools >> text=Pause")
    page.wait_for_selector(".messagelist .success")
    assert "Paused: " in page.inner_text(".messagelist")


def test_a_large_upload_shows_its_progress_and_is_resumed(
    admin_page, live_server, openai_fake, use_openai_fake, shots, tmp_path
):
    page = admin_page
    use_openai_fake()
    from django.conf import settings
    from django.test import override_settings

    options = {"UPLOAD_PART_THRESHOLD_BYTES": 1000, "UPLOAD_PART_SIZE_BYTES": 4096}
    source = tmp_path / "large.jsonl"
    source.write_bytes(training(300))
    openai_fake.faults.add("POST", "/uploads/*/parts", status=400, times=None, skip=3)
    with override_settings(
        DJANGO_OPENAI={**settings.DJANGO_OPENAI, **options}, MEDIA_ROOT=str(tmp_path / "media")
    ):
        upload(page, live_server, source, "fine-tune")
        assert "is being sent in parts in the background" in page.inner_text(".messagelist")
        page.reload()
        assert "12,288 / 27,300 bytes" in page.inner_text(".field-progress_bar")
        assert "failed" in page.inner_text(".field-status_badge")
        shots(page, "admin-upload-failed")
        openai_fake.faults.clear()
        page.click(".object-tools >> text=Resume the upload")
        page.wait_for_selector(".messagelist .success")
        page.reload()
        assert "27,300 / 27,300 bytes (100%)" in page.inner_text(".field-progress_bar")
        shots(page, "admin-upload")

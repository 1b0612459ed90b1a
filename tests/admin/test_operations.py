"""The admin does the work: uploads, batches, fine-tunes, refresh and the rest, each saying what it did."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from django_openai import tasks
from django_openai.models import Batch, BatchItem, File, FineTuningJob, Upload

from ..models.test_services import requests, training

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = "/v1/chat/completions"


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def jsonl(n: int) -> bytes:
    return b"".join(
        json.dumps({"custom_id": r["custom_id"], "method": "POST", "url": CHAT, "body": r["body"]}).encode()
        + b"\n"
        for r in requests(n)
    )


def act(client, obj, action):
    opts = obj._meta
    return client.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_do", args=[obj.pk, action]), follow=True
    )


def changelist_action(client, model_class, action, *objs, **extra):
    opts = model_class._meta
    return client.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        {"action": action, "_selected_action": [o.pk for o in objs], **extra},
        follow=True,
    )


def test_add_file_is_an_upload_form(admin_client, use_openai_fake):
    fake = use_openai_fake()
    page = admin_client.get(reverse("admin:django_openai_file_add"))
    assert page.status_code == 200
    assert 'type="file" name="file"' in page.content.decode() and 'name="purpose"' in page.content.decode()
    response = admin_client.post(
        reverse("admin:django_openai_file_add"),
        {"file": SimpleUploadedFile("in.jsonl", jsonl(3)), "purpose": "batch", "client_alias": "default"},
        follow=True,
    )
    file = File.objects.get()
    assert response.redirect_chain[-1][0] == reverse("admin:django_openai_file_change", args=[file.pk])
    assert said(response) == [f"Uploaded in.jsonl as {file.openai_id}."]
    assert file.openai_id in fake.fake.files and file.owner.is_superuser


def test_a_large_file_goes_to_the_background_upload_and_shows_its_progress(
    admin_client, use_openai_fake, tmp_path
):
    fake = use_openai_fake()
    options = {"UPLOAD_PART_THRESHOLD_BYTES": 1000, "UPLOAD_PART_SIZE_BYTES": 4096}
    fake.faults.add("POST", "/uploads/*/parts", status=400, times=None, skip=2)
    with override_settings(DJANGO_OPENAI={**settings.DJANGO_OPENAI, **options}, MEDIA_ROOT=str(tmp_path)):
        response = admin_client.post(
            reverse("admin:django_openai_file_add"),
            {
                "file": SimpleUploadedFile("big.jsonl", training(300)),
                "purpose": "fine-tune",
                "client_alias": "default",
            },
            follow=True,
        )
        upload = Upload.objects.get()
        assert response.redirect_chain[-1][0] == reverse(
            "admin:django_openai_upload_change", args=[upload.pk]
        )
        assert "is being sent in parts in the background" in said(response)[0]
        page = admin_client.get(
            reverse("admin:django_openai_upload_change", args=[upload.pk])
        ).content.decode()
        assert 'progress max="27300" value="8192"' in page and "failed" in page
        assert "Resume the upload" in page
        fake.faults.clear()
        resumed = act(admin_client, upload, "resume")
    assert said(resumed) == ["Queued again: big.jsonl."]
    upload.refresh_from_db()
    assert upload.status == "completed" and upload.file is not None


def test_create_a_batch_from_an_uploaded_file_then_follow_it_to_its_results(admin_client, use_openai_fake):
    fake = use_openai_fake()
    admin_client.post(
        reverse("admin:django_openai_file_add"),
        {"file": SimpleUploadedFile("in.jsonl", jsonl(5)), "purpose": "batch", "client_alias": "default"},
        follow=True,
    )
    file = File.objects.get()
    form = changelist_action(admin_client, File, "create_batch", file)
    assert 'name="endpoint"' in form.content.decode() and 'name="completion_window"' in form.content.decode()
    response = changelist_action(
        admin_client,
        File,
        "create_batch",
        file,
        endpoint=CHAT,
        completion_window="24h",
        metadata='{"team": "ops"}',
    )
    batch = Batch.objects.get()
    assert said(response) == [f"Batch {batch.openai_id} created from {file.openai_id}; it is validating."]
    assert batch.metadata == {"team": "ops"} and batch.input_file == file
    fake.advance(120)
    refreshed = act(admin_client, batch, "refresh_from_api")
    assert said(refreshed) == [f"Refreshed: {batch.openai_id}."]
    Batch.objects.filter(pk=batch.pk).update(next_poll_at="2000-01-01T00:00Z")
    tasks.sweep()
    page = admin_client.get(reverse("admin:django_openai_batch_change", args=[batch.pk])).content.decode()
    assert 'progress max="5" value="5"' in page and "Download CSV" in page
    download = admin_client.get(reverse("admin:django_openai_batch_results", args=[batch.pk, "csv"]))
    rows = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert [r["custom_id"] for r in rows] == [f"q-{i}" for i in range(5)] and all(r["answer"] for r in rows)


def test_a_bad_line_is_named_and_no_batch_is_made(admin_client, use_openai_fake):
    use_openai_fake()
    bad = (
        jsonl(2)
        + b'{"custom_id": "q-0", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "gpt-4.1-mini"}}\n'
    )
    response = admin_client.post(
        reverse("admin:django_openai_batch_add"),
        {
            "file": SimpleUploadedFile("in.jsonl", bad),
            "endpoint": CHAT,
            "completion_window": "24h",
            "client_alias": "default",
        },
        follow=True,
    )
    assert said(response) == ["No batch was created: line 3: custom_id 'q-0' is used twice"]
    assert not Batch.objects.exists() and not File.objects.exists()


def test_add_batch_from_a_jsonl_file(admin_client, use_openai_fake):
    use_openai_fake()
    response = admin_client.post(
        reverse("admin:django_openai_batch_add"),
        {
            "file": SimpleUploadedFile("in.jsonl", jsonl(3)),
            "endpoint": CHAT,
            "completion_window": "24h",
            "client_alias": "default",
        },
        follow=True,
    )
    batch = Batch.objects.get()
    assert said(response) == [f"Batch {batch.openai_id} created; it is validating."]


def test_cancel_and_a_failure_that_says_why(admin_client, use_openai_fake):
    use_openai_fake()
    batch = Batch.objects.create_from_requests(requests(3), CHAT)
    assert said(act(admin_client, batch, "cancel")) == [f"Cancel requested: {batch.openai_id}."]
    ghost = Batch.objects.create(openai_id="batch_ghost", endpoint=CHAT, status="in_progress")
    response = changelist_action(admin_client, Batch, "cancel", ghost)
    (message,) = said(response)
    assert message.startswith("batch_ghost: Error code: 404") and "sk-" not in message


def test_retry_ingestion(admin_client, use_openai_fake):
    fake = use_openai_fake()
    batch = Batch.objects.create_from_requests(requests(4), CHAT)
    fake.advance(120)
    batch.refresh()
    assert batch.results_ingested_at is None
    response = act(admin_client, batch, "retry_ingestion")
    assert said(response) == [f"Ingestion queued: {batch.openai_id}."]
    assert BatchItem.objects.filter(batch=batch).count() == 4
    unfinished = Batch.objects.create(openai_id="batch_new", endpoint=CHAT, status="in_progress")
    (message,) = said(changelist_action(admin_client, Batch, "retry_ingestion", unfinished))
    assert message == "batch_new: batch batch_new is in_progress; its results come once it has ended."


def test_start_a_fine_tune_from_a_training_file_and_see_its_chart(admin_client, use_openai_fake):
    fake = use_openai_fake()
    admin_client.post(
        reverse("admin:django_openai_file_add"),
        {
            "file": SimpleUploadedFile("train.jsonl", training(10)),
            "purpose": "fine-tune",
            "client_alias": "default",
        },
        follow=True,
    )
    file = File.objects.get()
    form = changelist_action(admin_client, File, "start_fine_tune", file).content.decode()
    for name in (
        "model",
        "suffix",
        "method",
        "n_epochs",
        "learning_rate_multiplier",
        "validation_file",
        "seed",
    ):
        assert f'name="{name}"' in form, name
    response = changelist_action(
        admin_client,
        File,
        "start_fine_tune",
        file,
        training_file=file.pk,
        model="gpt-4.1-mini",
        suffix="ops",
        method="supervised",
        n_epochs=2,
        seed=3,
    )
    job = FineTuningJob.objects.get()
    assert said(response) == [
        f"Fine-tuning job {job.openai_id} started on gpt-4.1-mini; it is validating_files."
    ]
    remote = fake.fake.jobs[job.openai_id]
    assert remote["method"] == {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}}
    assert remote["seed"] == 3 and remote["suffix"] == "ops"
    fake.advance(10)
    assert said(act(admin_client, job, "refresh_from_api")) == [f"Refreshed: {job.openai_id}."]
    page = admin_client.get(
        reverse("admin:django_openai_finetuningjob_change", args=[job.pk])
    ).content.decode()
    assert "<svg" in page and "djoai-line--train" in page and "<polyline" in page
    assert 'progress max="20"' in page
    assert said(act(admin_client, job, "pause")) == [f"Paused: {job.openai_id}."]
    assert said(act(admin_client, job, "resume")) == [f"Resumed: {job.openai_id}."]
    assert said(act(admin_client, job, "cancel")) == [f"Cancelled: {job.openai_id}."]


def test_a_fine_tune_of_a_batch_file_is_refused_with_a_reason(admin_client, use_openai_fake):
    use_openai_fake()
    file = File.objects.create(openai_id="file-b", purpose="batch")
    response = changelist_action(admin_client, File, "start_fine_tune", file)
    assert said(response) == [
        "file-b has purpose 'batch'; to start a fine-tune, choose a file of purpose 'fine-tune'."
    ]


def test_delete_removes_the_remote_file_too(admin_client, use_openai_fake):
    fake = use_openai_fake()
    admin_client.post(
        reverse("admin:django_openai_file_add"),
        {"file": SimpleUploadedFile("in.jsonl", jsonl(1)), "purpose": "batch", "client_alias": "default"},
        follow=True,
    )
    file = File.objects.get()
    response = changelist_action(admin_client, File, "delete_remotely", file)
    assert said(response) == [f"Deleted from the API and here: {file.openai_id}."]
    assert fake.fake.files == {} and not File.objects.exists()


def test_sync_asks_first_then_imports(admin_client, use_openai_fake):
    fake = use_openai_fake()
    client = fake.client()
    client.files.create(file=("a.jsonl", b"{}\n"), purpose="batch")
    url = reverse("admin:django_openai_batch_sync")
    page = admin_client.get(url).content.decode()
    assert "Yes, import them" in page and not File.objects.exists(), "nothing happens before the confirmation"
    response = admin_client.post(
        url, {"kinds": ["files", "batches", "fine_tuning"], "client_alias": "default"}, follow=True
    )
    assert said(response) == ["Imported from the API: 1 files, 0 batches, 0 fine tuning."]
    assert File.objects.count() == 1


def test_buttons_need_the_change_permission(client, django_user_model, use_openai_fake):
    use_openai_fake()
    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_batch"))
    client.force_login(viewer)
    batch = Batch.objects.create(openai_id="batch_v", endpoint=CHAT, status="in_progress")
    page = client.get(reverse("admin:django_openai_batch_change", args=[batch.pk])).content.decode()
    assert "Refresh from the API" not in page
    assert client.post(reverse("admin:django_openai_batch_do", args=[batch.pk, "cancel"])).status_code == 403

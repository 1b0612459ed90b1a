"""The admin screens: every page renders, remote fields cannot be edited, a new kind gets a page."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from django_openai.admin import RemoteObjectAdmin
from django_openai.admin.base import register_remaining_kinds
from django_openai.models import (
    Assistant,
    Batch,
    BatchItem,
    BatchResultProblem,
    File,
    FineTuningCheckpoint,
    FineTuningEvent,
    FineTuningJob,
    Run,
    Thread,
    Upload,
    UsageRecord,
    WebhookDelivery,
)
from django_openai.services.gateway_keys import create_key
from tests.kinds.models import VectorStore

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows():
    file = File.objects.create(openai_id="file-1", purpose="batch", filename="in.jsonl", status="processed")
    batch = Batch.objects.create(
        openai_id="batch_1", endpoint="/v1/chat/completions", status="completed", input_file=file
    )
    BatchItem.objects.create(batch=batch, custom_id="q-1", status_code=200, response_body={"ok": True})
    BatchResultProblem.objects.create(batch=batch, line=3, kind="invalid_json", message="line 3: not JSON")
    job = FineTuningJob.objects.create(openai_id="ftjob-1", base_model="gpt-4.1-mini", status="running")
    FineTuningEvent.objects.create(job=job, openai_id="ftevent-1", message="Step 1", step=1, train_loss=1.5)
    FineTuningCheckpoint.objects.create(job=job, openai_id="ftckpt-1", step_number=1)
    Upload.objects.create(
        openai_id="upload_1",
        filename="big.jsonl",
        purpose="fine-tune",
        mime_type="application/jsonl",
        total_bytes=10,
        part_size=5,
    )
    WebhookDelivery.objects.create(webhook_id="msg_1", event_type="batch.completed", valid=True)
    assistant = Assistant.objects.create(name="Helper", slug="helper", model="gpt-4.1-mini")
    thread = Thread.objects.create(assistant=assistant)
    thread.add_message("Hello there")
    Run.objects.create(
        thread=thread, backend="chat", status="completed", assistant_version=assistant.latest_version
    )
    owner = get_user_model().objects.create_user("keyholder")
    key, _ = create_key(owner, name="ci")
    UsageRecord.objects.create(
        user=owner, key=key, endpoint="chat.completions", model="gpt-4.1-mini", created_at=timezone.now()
    )
    return {"file": file, "batch": batch, "job": job, "thread": thread}


def test_every_page_of_the_app_renders(admin_client, rows):
    registered = [m for m in admin.site._registry if m._meta.app_label == "django_openai"]
    assert {m.__name__ for m in registered} == {
        "Assistant",
        "AssistantVersion",
        "GatewayKey",
        "UsageRecord",
        "Thread",
        "ThreadItem",
        "Run",
        "File",
        "Upload",
        "Batch",
        "BatchItem",
        "BatchResultProblem",
        "FineTuningJob",
        "FineTuningEvent",
        "WebhookDelivery",
    }
    for model in registered:
        opts = model._meta
        changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert changelist.status_code == 200, model
        obj = model._default_manager.first()
        change = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert change.status_code == 200, model


def test_threads_and_runs_are_shown_and_not_editable(admin_client, rows):
    thread = rows["thread"]
    page = admin_client.get(
        reverse("admin:django_openai_threaditem_changelist"), {"thread__id__exact": thread.pk}
    )
    assert page.status_code == 200 and "Hello there" in page.content.decode()
    change = admin_client.get(reverse("admin:django_openai_thread_change", args=[thread.pk])).content.decode()
    assert 'name="title"' not in change, "read-only"
    assert admin_client.get(reverse("admin:django_openai_run_add")).status_code == 403
    versions = admin_client.get(reverse("admin:django_openai_assistant_change", args=[thread.assistant_id]))
    assert "gpt-4.1-mini" in versions.content.decode()


def test_search_by_remote_id(admin_client, rows):
    page = admin_client.get(reverse("admin:django_openai_batch_changelist"), {"q": "batch_1"})
    assert page.status_code == 200 and "batch_1" in page.content.decode()
    page = admin_client.get(reverse("admin:django_openai_batch_changelist"), {"q": "batch_9"})
    assert "batch_1" not in page.content.decode()


def test_remote_fields_are_shown_but_not_editable(admin_client, rows):
    url = reverse("admin:django_openai_batch_change", args=[rows["batch"].pk])
    page = admin_client.get(url).content.decode()
    assert 'name="status"' not in page and 'name="openai_id"' not in page
    assert 'name="endpoint"' not in page and 'name="_save"' not in page, (
        "a mirror is read-only: the API is the truth"
    )
    assert "q-1" in page, "the first results are shown, with a link to all of them"
    job_page = admin_client.get(reverse("admin:django_openai_finetuningjob_change", args=[rows["job"].pk]))
    assert "Step 1" in job_page.content.decode() and 'name="status"' not in job_page.content.decode()


def test_a_kind_without_an_admin_of_its_own_gets_the_default_pages():
    site = admin.AdminSite(name="kinds_admin")
    assert register_remaining_kinds(site, "kinds") == [VectorStore]
    assert isinstance(site._registry[VectorStore], RemoteObjectAdmin)
    assert register_remaining_kinds(site, "kinds") == [], "registered once"
    assert register_remaining_kinds(admin.site, "django_openai") == [], "every kind of the app has its own"


@override_settings(ROOT_URLCONF="tests.admin.urls")
def test_the_default_pages_render(admin_client):
    store = VectorStore.objects.create(openai_id="vs_1", status="completed", remote_created_at=timezone.now())
    page = admin_client.get("/kinds-admin/kinds/vectorstore/")
    assert page.status_code == 200 and "vs_1" in page.content.decode()
    change = admin_client.get(f"/kinds-admin/kinds/vectorstore/{store.pk}/change/")
    assert change.status_code == 200
    assert 'name="status"' not in change.content.decode() and 'name="name"' not in change.content.decode()
    assert "vs_1" in change.content.decode(), "shown, read-only: the API is the truth"

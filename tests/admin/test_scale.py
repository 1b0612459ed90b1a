"""No admin page grows with child rows: a batch of 50,000 results renders small, in few queries.

The time each page takes is printed (run with -s), never asserted: this machine's timings are noisy.
"""

from __future__ import annotations

import time

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from django_openai.models import (
    Batch,
    BatchItem,
    BatchResultProblem,
    File,
    FineTuningEvent,
    FineTuningJob,
    Upload,
)

from ..rows import insert_batch_items

pytestmark = pytest.mark.django_db

ITEMS = 50_000
BODY = {
    "id": "chatcmpl-x",
    "model": "gpt-4.1-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "An answer of a few words."}}],
    "usage": {"prompt_tokens": 20, "completion_tokens": 6, "total_tokens": 26},
}


@pytest.fixture
def big_batch():
    batch = Batch.objects.create(
        openai_id="batch_big",
        endpoint="/v1/chat/completions",
        status="completed",
        request_total=ITEMS,
        request_completed=ITEMS,
        results_stored=ITEMS,
        results_problem_count=500,
        results_ingested_at="2026-01-01T00:00Z",
        data={"id": "batch_big", "status": "completed", "request_counts": {"total": ITEMS}},
    )
    insert_batch_items(batch, ITEMS, response_body=BODY, request_ids=True)
    BatchResultProblem.objects.bulk_create(
        BatchResultProblem(
            batch=batch,
            file_id="file-out",
            line=i + 1,
            kind="invalid_json",
            message=f"line {i + 1}: not JSON",
        )
        for i in range(500)
    )
    return batch


def timed(client, url):
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, url
    print(f"\n{url}: {elapsed * 1000:.0f} ms, {len(response.content):,} bytes")
    return response


def test_the_change_page_of_a_batch_of_50000_results(admin_client, big_batch, django_assert_max_num_queries):
    url = reverse("admin:django_openai_batch_change", args=[big_batch.pk])
    admin_client.get(url)  # warm up (templates, the session)
    with django_assert_max_num_queries(12):
        page = timed(admin_client, url)
    assert len(page.content) < 300_000
    html = page.content.decode()
    assert "q-0" in html and "q-9" in html and "q-10<" not in html, "the first ten results, and a link"
    assert "All 50,000 results" in html and "All 500 problems" in html
    assert html.count("not JSON") == 10, "problems are capped too"


def test_the_results_list_pages_without_counting_everything(
    admin_client, big_batch, django_assert_max_num_queries
):
    url = reverse("admin:django_openai_batchitem_changelist") + f"?batch__id__exact={big_batch.pk}"
    admin_client.get(url)
    with django_assert_max_num_queries(10):
        page = timed(admin_client, url)
    assert len(page.content) < 300_000
    last = timed(admin_client, url + "&p=500").content.decode()
    assert "q-49999" in last and "q-49899" not in last


def test_list_pages_make_no_query_per_row(admin_client, django_assert_max_num_queries):
    for i in range(60):
        file = File.objects.create(openai_id=f"file-{i}", purpose="batch", status="processed")
        batch = Batch.objects.create(
            openai_id=f"batch_{i}",
            endpoint="/v1/responses",
            status="in_progress",
            input_file=file,
            request_total=10,
        )
        job = FineTuningJob.objects.create(
            openai_id=f"ftjob-{i}", base_model="gpt-4.1-mini", status="running"
        )
        FineTuningEvent.objects.create(
            job=job, openai_id=f"ev-{i}", step=3, data={"step": 3, "total_steps": 30}
        )
        Upload.objects.create(
            openai_id=f"upload_{i}",
            filename="f",
            purpose="batch",
            mime_type="x",
            total_bytes=10,
            part_size=5,
            file=file,
        )
        BatchItem.objects.create(batch=batch, custom_id=f"q-{i}")
    for name in ("file", "batch", "finetuningjob", "upload", "batchitem"):
        url = reverse(f"admin:django_openai_{name}_changelist")
        admin_client.get(url)
        with django_assert_max_num_queries(10):
            page = timed(admin_client, url)
        per_page = admin.site._registry[apps.get_model("django_openai", name)].list_per_page
        assert page.content.count(b'class="action-checkbox"') == min(60, per_page), name

"""batches/ against the fake server: the three ways to create one, items paged, results streamed."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from django_openai import tasks
from django_openai.models import Batch, BatchItem

from ..models.test_services import requests
from ..rows import insert_batch_items
from .conftest import API

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = "/v1/chat/completions"


def full_lines(n: int) -> bytes:
    return b"".join(
        json.dumps({"custom_id": r["custom_id"], "method": "POST", "url": CHAT, "body": r["body"]}).encode()
        + b"\n"
        for r in requests(n)
    )


def finish(fake, batch_id: str) -> None:
    """The fake runs the batch; a poll sees it done and the results are stored (tasks run eagerly)."""
    fake.advance(120)
    Batch.objects.filter(openai_id=batch_id).update(next_poll_at="2000-01-01T00:00Z")
    tasks.sweep()
    assert Batch.objects.get(openai_id=batch_id).results_ingested_at is not None


def test_create_from_a_json_list_then_read_it_back(alice, users, use_openai_fake):
    fake = use_openai_fake()
    response = alice.post(
        API + "batches/",
        {"endpoint": CHAT, "requests": list(requests(5)), "metadata": {"job": "nightly"}},
        format="json",
    )
    assert response.status_code == 201, response.content
    batch = response.json()
    assert (
        batch["object"] == "batch"
        and batch["status"] == "validating"
        and batch["metadata"] == {"job": "nightly"}
    )
    assert Batch.objects.get(openai_id=batch["id"]).owner == users["a"]
    assert alice.get(API + f"batches/{batch['id']}/").json()["input_file_id"] == batch["input_file_id"]
    finish(fake, batch["id"])
    done = alice.get(API + f"batches/{batch['id']}/").json()
    assert done["status"] == "completed" and done["request_counts"] == {
        "total": 5,
        "completed": 5,
        "failed": 0,
    }
    assert done["progress"] == 1.0 and done["results_stored"] == 5


def test_create_from_a_jsonl_upload(alice, use_openai_fake):
    use_openai_fake()
    response = alice.post(
        API + "batches/",
        {"endpoint": CHAT, "file": SimpleUploadedFile("in.jsonl", full_lines(3)), "metadata": '{"k": "v"}'},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["metadata"] == {"k": "v"}


def test_create_from_a_file_uploaded_before(alice, use_openai_fake):
    fake = use_openai_fake()
    file_id = alice.post(
        API + "files/",
        {"file": SimpleUploadedFile("in.jsonl", full_lines(3)), "purpose": "batch"},
        format="multipart",
    ).json()["id"]
    response = alice.post(API + "batches/", {"endpoint": CHAT, "input_file_id": file_id}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["input_file_id"] == file_id and len(fake.fake.files) == 1


def test_items_page_by_keyset_and_filter_by_status(alice, use_openai_fake, django_assert_max_num_queries):
    fake = use_openai_fake()
    batch_id = alice.post(
        API + "batches/", {"endpoint": CHAT, "requests": list(requests(25))}, format="json"
    ).json()["id"]
    finish(fake, batch_id)
    BatchItem.objects.filter(batch__openai_id=batch_id, custom_id__in=["q-3", "q-7"]).update(status_code=429)
    seen, after = [], None
    while True:
        params = {"limit": 10, **({"after": after} if after else {})}
        # The user, the batch, the page: no COUNT, however deep the page.
        with django_assert_max_num_queries(3):
            page = alice.get(API + f"batches/{batch_id}/items/", params).json()
        seen += [item["custom_id"] for item in page["data"]]
        if not page["has_more"]:
            break
        after = page["last_id"]
    assert seen == [f"q-{i}" for i in range(25)]
    failed = alice.get(API + f"batches/{batch_id}/items/", {"status": "failed"}).json()["data"]
    assert [i["custom_id"] for i in failed] == ["q-3", "q-7"] and failed[0]["succeeded"] is False
    assert (
        len(
            alice.get(API + f"batches/{batch_id}/items/", {"status": "succeeded", "limit": 100}).json()[
                "data"
            ]
        )
        == 23
    )
    assert [
        i["custom_id"]
        for i in alice.get(API + f"batches/{batch_id}/items/", {"status": "429"}).json()["data"]
    ] == ["q-3", "q-7"]


def test_results_download_as_jsonl_and_csv(alice, use_openai_fake):
    fake = use_openai_fake()
    batch_id = alice.post(
        API + "batches/", {"endpoint": CHAT, "requests": list(requests(4))}, format="json"
    ).json()["id"]
    assert alice.get(API + f"batches/{batch_id}/results.jsonl").status_code == 404, "nothing stored yet"
    finish(fake, batch_id)
    jsonl = alice.get(API + f"batches/{batch_id}/results.jsonl")
    assert jsonl.streaming and jsonl["Content-Type"].startswith("application/jsonl")
    assert jsonl["Content-Disposition"] == f'attachment; filename="{batch_id}-results.jsonl"'
    lines = [json.loads(line) for line in b"".join(jsonl.streaming_content).splitlines()]
    assert [line["custom_id"] for line in lines] == [f"q-{i}" for i in range(4)]
    assert all(line["response"]["status_code"] == 200 for line in lines)
    stored = {i.custom_id: i.response_body for i in BatchItem.objects.all()}
    assert all(line["response"]["body"] == stored[line["custom_id"]] for line in lines)

    response = alice.get(API + f"batches/{batch_id}/results.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["custom_id"] for r in rows] == [f"q-{i}" for i in range(4)]
    for row in rows:
        body = stored[row["custom_id"]]
        assert row["answer"] == body["choices"][0]["message"]["content"] and row["answer"]
        assert int(row["total_tokens"]) == body["usage"]["total_tokens"]


def test_cancel(alice, use_openai_fake):
    use_openai_fake()
    batch_id = alice.post(
        API + "batches/", {"endpoint": CHAT, "requests": list(requests(3))}, format="json"
    ).json()["id"]
    response = alice.post(API + f"batches/{batch_id}/cancel/")
    assert response.status_code == 200 and response.json()["status"] in ("cancelling", "cancelled")


def test_list_filters_by_status_and_pages_newest_first(alice, users):
    for i in range(3):
        Batch.objects.create(
            openai_id=f"batch_{i}", endpoint=CHAT, status="completed" if i else "failed", owner=users["a"]
        )
    page = alice.get(API + "batches/", {"limit": 2}).json()
    assert [b["id"] for b in page["data"]] == ["batch_2", "batch_1"] and page["has_more"]
    rest = alice.get(API + "batches/", {"limit": 2, "after": page["last_id"]}).json()
    assert [b["id"] for b in rest["data"]] == ["batch_0"] and not rest["has_more"]
    assert [b["id"] for b in alice.get(API + "batches/", {"status": "failed"}).json()["data"]] == ["batch_0"]


def page_plans(client, path: str, params: dict[str, str]) -> tuple[dict, str]:
    """A page of the API, and the database's plan for the query that read its items."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        page = client.get(path, params).json()
    (sql,) = [q["sql"] for q in captured.captured_queries if BatchItem._meta.db_table in q["sql"]]
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(explain + sql)
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
    return page, plan


def test_a_page_of_50000_results_is_read_through_an_index_at_any_depth(alice, users):
    """Constant time at any depth, shown by the plan: the page's rows are found by an index range
    (a page of failures by theirs, however few among the successes), never by scanning or sorting
    the batch's results."""
    from django.db import connection

    batch = Batch.objects.create(openai_id="batch_big", endpoint=CHAT, status="completed", owner=users["a"])
    # q-0 to q-49999, a failure every 2,500 from q-1000 on (20, of which q-1000, q-11000... are
    # 500s and the 15 others 429s); all the others succeeded.
    insert_batch_items(
        batch,
        50_000,
        status="CASE WHEN i >= 1000 AND (i - 1000) %% 2500 = 0 "
        "THEN (CASE WHEN i %% 10000 = 1000 THEN 500 ELSE 429 END) ELSE 200 END",
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {BatchItem._meta.db_table}")
    pks = list(BatchItem.objects.filter(batch=batch).order_by("pk").values_list("pk", flat=True))
    path = API + f"batches/{batch.openai_id}/items/"

    deep, plan = page_plans(alice, path, {"after": str(pks[49_980]), "limit": "10"})
    assert [item["custom_id"] for item in deep["data"]] == [f"q-{i}" for i in range(49_981, 49_991)]
    assert "SCAN" not in plan.replace("INDEX SCAN", "") and "Seq Scan" not in plan and "Sort" not in plan, (
        plan
    )

    failures, plan = page_plans(alice, path, {"status": "failed", "after": str(pks[30_000]), "limit": "3"})
    assert [item["custom_id"] for item in failures["data"]] == ["q-31000", "q-33500", "q-36000"]
    assert "django_openai_batchitem_failed" in plan, plan
    four29, plan = page_plans(alice, path, {"status": "429", "after": str(pks[40_000]), "limit": "10"})
    assert [item["custom_id"] for item in four29["data"]] == ["q-43500", "q-46000", "q-48500"]
    assert "django_openai_batchitem_failed" in plan, plan

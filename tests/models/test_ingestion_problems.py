"""Result files that are not what they should be: nothing read may vanish, nothing may stick.

Each test runs twice: through whichever path the database takes (COPY on PostgreSQL with
psycopg 3) and through the generic ``bulk_create`` path, forced; the suite runs on SQLite and on
PostgreSQL (DATABASE_URL).
"""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from django_openai.client import NotFoundError
from django_openai.models import Batch, BatchItem
from django_openai.services import _bulk
from django_openai.services._request_bodies import RequestBodies
from django_openai.services._result_lines import ResultLines
from django_openai.services.batches import (
    _json_codec,
    _stdlib_codec,
    finish_without_results,
    ingest_batch_results,
)
from django_openai.signals import batch_completed, batch_failed, batch_ingested_with_errors

from .test_ingestion import completed_batch, options
from .test_services import requests

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["database's own path", "generic path"])
def insert_path(request, monkeypatch):
    if request.param == "generic path":
        monkeypatch.setattr(_bulk, "_copy_supported", lambda: False)
    return request.param


@pytest.fixture
def signals():
    """The batch signals sent, in order, as (name, openai_id)."""
    sent: list[tuple[str, str]] = []
    receivers = {}
    for name, signal in (
        ("completed", batch_completed),
        ("failed", batch_failed),
        ("with_errors", batch_ingested_with_errors),
    ):

        def receiver(sender, instance, name=name, **kwargs):
            sent.append((name, instance.openai_id))

        receivers[signal] = receiver
        signal.connect(receiver, weak=False)
    yield sent
    for signal, receiver in receivers.items():
        signal.disconnect(receiver)


def file_lines(fake, file_id: str) -> list[bytes]:
    return (fake.fake.data_dir / file_id).read_bytes().splitlines()


def rewrite(fake, file_id: str, lines: list[bytes]) -> None:
    content = b"".join(line + b"\n" for line in lines)
    (fake.fake.data_dir / file_id).write_bytes(content)
    fake.fake.files[file_id]["bytes"] = len(content)


def add_error_file(fake, batch: Batch, lines: list[bytes]) -> str:
    remote = fake.client().files.create(file=("errors.jsonl", b"\n".join(lines) + b"\n"), purpose="batch")
    batch.data = {**batch.data, "error_file_id": remote.id}
    batch.save(update_fields=["data"])
    return remote.id


def result_line(custom_id, content="ok", **response) -> bytes:
    body = {"object": "chat.completion", "choices": [{"message": {"role": "assistant", "content": content}}]}
    line = {
        "id": "batch_req_x",
        "custom_id": custom_id,
        "response": {"status_code": 200, "request_id": "req_x", "body": body, **response},
        "error": None,
    }
    return json.dumps(line).encode()


def problems(batch: Batch) -> list[tuple[str, int, str, str]]:
    """In the order found: the lines as read, output file first, then the counts."""
    return list(batch.result_problems.order_by("pk").values_list("file_id", "line", "kind", "custom_id"))


def test_malformed_lines_are_recorded_and_every_good_line_stored(use_openai_fake, insert_path, signals):
    fake = use_openai_fake()
    batch = completed_batch(fake, 6)
    output = batch.data["output_file_id"]
    lines = file_lines(fake, output)
    truncated = lines[2][:40]
    rewrite(fake, output, [*lines[:2], truncated, lines[3], b"[1,2]", *lines[4:]])
    with options(BATCH_INGEST_CHUNK_SIZE=2):  # bad lines in one chunk, and a chunk with none good
        ingest_batch_results(batch)
    batch.refresh_from_db()
    assert sorted(batch.items.values_list("custom_id", flat=True)) == ["q-0", "q-1", "q-3", "q-4", "q-5"]
    assert problems(batch) == [
        (output, 3, "invalid_json", ""),
        (output, 5, "not_an_object", ""),
        (output, 0, "count_mismatch", ""),
    ]
    bad = batch.result_problems.get(line=3)
    assert bad.excerpt == truncated.decode() and bad.message.startswith(f"{output} line 3: not valid JSON")
    assert batch.result_problems.get(line=5).message == f"{output} line 5: a JSON list, not an object"
    assert "request_counts.completed is 6" in batch.result_problems.get(line=0).message
    assert batch.results_ingested_at is not None and batch.ingested_with_errors
    assert (batch.results_read, batch.results_stored, batch.results_problem_count) == (7, 5, 3)
    assert batch.last_error.startswith("results ingested with 3 problem(s)")
    assert signals == [("with_errors", batch.openai_id), ("completed", batch.openai_id)]


def test_a_rerun_after_a_crash_records_the_same_problems_once(use_openai_fake, insert_path):
    fake = use_openai_fake()
    batch = completed_batch(fake, 4)
    output = batch.data["output_file_id"]
    lines = file_lines(fake, output)
    rewrite(fake, output, [lines[0], b"{oops", *lines[1:]])
    ingest_batch_results(batch)
    # As if the worker had died before marking the batch: the sweeper hands it out again.
    Batch.objects.filter(pk=batch.pk).update(results_ingested_at=None)
    batch.refresh_from_db()
    ingest_batch_results(batch)
    batch.refresh_from_db()
    assert batch.items.count() == 4 and batch.results_stored == 4
    assert problems(batch) == [(output, 2, "invalid_json", "")]
    assert batch.results_problem_count == 1


def test_repeated_and_missing_custom_ids_are_kept_as_problems(use_openai_fake, insert_path, signals):
    fake = use_openai_fake()
    batch = completed_batch(fake, 3)
    output = batch.data["output_file_id"]
    lines = file_lines(fake, output)
    no_id = json.loads(result_line("x", "answer without an id"))
    del no_id["custom_id"]
    rewrite(
        fake,
        output,
        [
            *lines,
            result_line("q-1", "a second answer for q-1"),
            json.dumps(no_id).encode(),
            result_line(None, "another answer without an id"),
        ],
    )
    errors = add_error_file(fake, batch, [result_line("q-2", "q-2 failed too", status_code=500)])
    assert ingest_batch_results(batch) == 3
    batch.refresh_from_db()
    assert sorted(batch.items.values_list("custom_id", flat=True)) == ["q-0", "q-1", "q-2"]
    assert not batch.items.filter(custom_id="None").exists()
    assert problems(batch) == [
        (output, 4, "duplicate_custom_id", "q-1"),
        (output, 5, "missing_custom_id", ""),
        (output, 6, "missing_custom_id", ""),
        (errors, 1, "duplicate_custom_id", "q-2"),
    ]
    # Kept whole: the second answer for q-1, and the answers without an id.
    second = batch.result_problems.get(line=4).line_data
    assert second["response"]["body"]["choices"][0]["message"]["content"] == "a second answer for q-1"
    assert batch.result_problems.get(line=6).line_data["response"]["status_code"] == 200
    assert batch.result_problems.get(file_id=errors).line_data["response"]["status_code"] == 500
    assert batch.items.get(custom_id="q-1").response_body["choices"][0]["message"]["content"] != (
        "a second answer for q-1"
    ), "the first line read is the one stored"
    assert (batch.results_read, batch.results_stored, batch.results_problem_count) == (7, 3, 4)
    assert ("with_errors", batch.openai_id) in signals


def test_an_empty_output_file_for_completed_requests_is_flagged(use_openai_fake, insert_path, signals):
    fake = use_openai_fake()
    batch = completed_batch(fake, 5)
    assert batch.request_completed == 5
    output = batch.data["output_file_id"]
    rewrite(fake, output, [])
    assert ingest_batch_results(batch) == 0
    batch.refresh_from_db()
    assert problems(batch) == [(output, 0, "count_mismatch", "")]
    assert batch.result_problems.get().message == (
        f"request_counts.completed is 5, but the output file {output} held 0 results"
    )
    assert batch.ingested_with_errors and batch.results_stored == 0
    assert signals == [("with_errors", batch.openai_id), ("completed", batch.openai_id)]


def test_a_clean_ingestion_records_no_problem(use_openai_fake, insert_path, signals):
    fake = use_openai_fake()
    batch = completed_batch(fake, 5)
    assert ingest_batch_results(batch) == 5
    batch.refresh_from_db()
    assert not batch.result_problems.exists() and not batch.ingested_with_errors
    assert (batch.results_read, batch.results_stored, batch.results_problem_count) == (5, 5, 0)
    assert batch.last_error == ""
    assert signals == [("completed", batch.openai_id)]


def test_a_completed_batch_with_counts_but_no_file_is_flagged(signals):
    batch = Batch.objects.create(
        openai_id="batch_nofile",
        endpoint="/v1/chat/completions",
        status="completed",
        data={"status": "completed", "request_counts": {"total": 3, "completed": 3, "failed": 0}},
    )
    assert not batch.needs_ingestion
    with transaction.atomic():
        finish_without_results(batch)
    batch.refresh_from_db()
    assert problems(batch) == [("", 0, "count_mismatch", "")]
    assert (
        batch.result_problems.get().message
        == "request_counts.completed is 3, but the batch has no output file"
    )
    assert signals == [("with_errors", "batch_nofile"), ("completed", "batch_nofile")]


def test_values_a_column_cannot_take_are_problems_not_a_failed_chunk(use_openai_fake, insert_path):
    fake = use_openai_fake()
    batch = completed_batch(fake, 2)
    output = batch.data["output_file_id"]
    rewrite(
        fake,
        output,
        [
            *file_lines(fake, output),
            result_line("status-as-text", status_code="200"),
            result_line("status-too-big", status_code=70000),
            result_line("long-request-id", request_id="r" * 129),
            result_line("c" * 513),
            json.dumps({"custom_id": "response-a-list", "response": [1]}).encode(),
            result_line("fine", "this one is stored"),
        ],
    )
    ingest_batch_results(batch)
    batch.refresh_from_db()
    assert sorted(batch.items.values_list("custom_id", flat=True)) == ["fine", "q-0", "q-1"]
    kinds = dict(batch.result_problems.exclude(line=0).values_list("line", "kind"))
    assert kinds == {
        3: "invalid_line",
        4: "invalid_line",
        5: "invalid_line",
        6: "invalid_line",
        7: "invalid_line",
    }
    assert batch.result_problems.get(line=6).custom_id == "c" * 512


def test_nul_in_answers_and_requests_is_stored_on_every_database(use_openai_fake, insert_path):
    fake = use_openai_fake()
    batch = Batch.objects.create_from_requests(
        requests(
            2, {1: {"body": {"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "a\x00b"}]}}}
        ),
        "/v1/chat/completions",
        metadata={"note": "nul\x00here"},
    )
    assert batch.metadata == {"note": "nul\ufffdhere"} and batch.data["metadata"] == {"note": "nul\ufffdhere"}
    fake.advance(60)
    batch.refresh()
    output = batch.data["output_file_id"]
    rewrite(
        fake, output, [*file_lines(fake, output), result_line("q-9\u0000", "an answer with a \u0000 in it")]
    )
    assert b"\\u0000" in (fake.fake.data_dir / output).read_bytes()
    ingest_batch_results(batch)
    batch.refresh_from_db()
    assert batch.items.count() == 3
    answer = batch.items.get(custom_id="q-9\ufffd").response_body["choices"][0]["message"]["content"]
    assert answer == "an answer with a \ufffd in it"
    assert batch.items.get(custom_id="q-1").request_body["messages"][0]["content"] == "a\ufffdb"


def test_a_failed_download_is_recorded_in_last_error(use_openai_fake):
    fake = use_openai_fake()
    batch = completed_batch(fake, 2)
    fake.client().files.delete(batch.data["output_file_id"])
    with pytest.raises(NotFoundError):
        ingest_batch_results(batch)
    batch.refresh_from_db()
    assert batch.last_error.startswith("ingesting results: NotFoundError")
    assert batch.results_ingested_at is None, "left for the next sweep"


@pytest.mark.parametrize("codec", [_json_codec(), _stdlib_codec()], ids=["default", "json module"])
def test_both_json_codecs_refuse_what_jsonb_refuses(codec):
    loads, dumps = codec
    lines = [
        b'{"custom_id": "nan", "response": {"body": {"x": NaN}}}',
        b'{"custom_id": "inf", "response": {"body": {"x": 1e999}}}',
        b'{"custom_id": "surrogate", "response": {"body": {"x": "\\ud800"}}}',
        b"[" * 5000 + b"]" * 5000,
        b"",
        b'{"custom_id": "good", "response": {"status_code": 200, "body": {"x": "\\u00e9"}}}',
    ]
    with RequestBodies.empty() as bodies:
        reader = ResultLines(1, bodies, loads, dumps)
        rows = list(reader.rows(lines, "file-x", False))
    assert [row[1] for row in rows] == ["good"] and json.loads(rows[0][4]) == {"x": "é"}
    assert [problem.line for problem in reader.pending] == [1, 2, 3, 4]
    assert reader.read == 5 and reader.line_problems == 4 and reader.lines_taken("file-x") == 6


def test_items_are_not_written_for_lines_recorded_as_problems(use_openai_fake, insert_path):
    # What was stored adds up to what was read, whichever path stored it.
    fake = use_openai_fake()
    batch = completed_batch(fake, 3)
    output = batch.data["output_file_id"]
    rewrite(fake, output, [*file_lines(fake, output), b"", b"   ", b"{bad"])
    ingest_batch_results(batch)
    batch.refresh_from_db()
    assert batch.results_read == 4, "blank lines are not results"
    assert batch.results_stored == BatchItem.objects.filter(batch=batch).count() == 3
    assert batch.result_problems.get().line == 6


def test_the_admin_shows_the_problems_of_a_batch(admin_client):
    batch = Batch.objects.create(
        openai_id="batch_adm", endpoint="/v1/responses", status="completed", results_problem_count=1
    )
    batch.result_problems.create(
        file_id="file-out",
        line=3,
        kind="invalid_json",
        message="file-out line 3: not valid JSON",
        excerpt='{"cu',
    )
    listing = admin_client.get("/admin/django_openai/batch/")
    assert listing.status_code == 200 and b"batch_adm" in listing.content
    page = admin_client.get(f"/admin/django_openai/batch/{batch.pk}/change/")
    assert page.status_code == 200
    assert b"file-out line 3: not valid JSON" in page.content and b"Results problem count" in page.content


def test_results_stored_that_no_line_accounts_for_are_flagged(use_openai_fake, insert_path):
    fake = use_openai_fake()
    batch = completed_batch(fake, 2)
    BatchItem.objects.create(batch=batch, custom_id="from-elsewhere", status_code=200)
    ingest_batch_results(batch)
    batch.refresh_from_db()
    assert batch.results_stored == 3 and batch.results_read == 2
    assert list(batch.result_problems.values_list("file_id", "kind", "message")) == [
        (
            "",
            "count_mismatch",
            "2 result lines were read and 0 of them recorded as problems, but 3 results are stored",
        )
    ]

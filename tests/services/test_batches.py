"""Batches from a file already uploaded, options checked first, and ingestion retried."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from django_openai.models import Batch, BatchItem
from django_openai.services import upload_file
from django_openai.services.batches import (
    create_batch_for_file,
    create_batch_from_requests,
    retry_ingestion,
)
from django_openai.services.polling import poll

from ..models.test_services import requests

pytestmark = pytest.mark.django_db(transaction=True)


def jsonl(lines) -> bytes:
    return b"".join(
        (line if isinstance(line, bytes) else json.dumps(line).encode()) + b"\n" for line in lines
    )


def full(i, **over):
    line = {
        "custom_id": f"q-{i}",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": f"q {i}"}]},
    }
    line.update(over)
    return line


def test_a_batch_from_an_uploaded_file_uses_it_as_it_stands(use_openai_fake):
    fake = use_openai_fake()
    file = upload_file(("in.jsonl", jsonl(full(i) for i in range(3))), "batch")
    batch = create_batch_for_file(file, "/v1/chat/completions", metadata={"job": "x"})
    assert batch.input_file == file and batch.status == "validating"
    assert fake.fake.batches[batch.openai_id]["input_file_id"] == file.openai_id
    assert len(fake.fake.files) == 1, "no second copy uploaded"
    assert batch.metadata == {"job": "x"}


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([full(0), b"{not json"], "line 2: not valid JSON"),
        ([full(0), full(0)], "line 2: custom_id 'q-0' is used twice"),
        ([full(0), full(1, url="/v1/embeddings")], "line 2: url '/v1/embeddings' differs"),
        ([{k: v for k, v in full(0).items() if k != "method"}], "line 1: method is missing"),
        ([], "the file has none"),
    ],
)
def test_a_bad_line_of_an_uploaded_file_is_named_and_no_batch_is_made(use_openai_fake, lines, message):
    fake = use_openai_fake()
    file = upload_file(("in.jsonl", jsonl(lines) or b"\n"), "batch")
    with pytest.raises(ValidationError, match=message):
        create_batch_for_file(file, "/v1/chat/completions")
    assert fake.fake.batches == {} and not Batch.objects.exists()


def test_only_a_batch_file_makes_a_batch(use_openai_fake):
    use_openai_fake()
    file = upload_file(("t.jsonl", b'{"messages": []}\n'), "fine-tune")
    with pytest.raises(ValidationError, match="purpose 'fine-tune'"):
        create_batch_for_file(file, "/v1/chat/completions")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"completion_window": "1h"}, "completion_window '1h' is not supported"),
        ({"metadata": {"n": 1}}, "keys and values must be strings"),
        ({"metadata": {f"k{i}": "v" for i in range(17)}}, "at most 16 keys"),
    ],
)
def test_bad_options_upload_nothing(use_openai_fake, options, message):
    fake = use_openai_fake()
    with pytest.raises(ValidationError, match=message):
        create_batch_from_requests(requests(2), "/v1/chat/completions", **options)
    assert fake.fake.files == {} and fake.fake.batches == {}


def test_retry_ingestion_stores_the_results_again(use_openai_fake):
    fake = use_openai_fake()
    batch = create_batch_from_requests(requests(20), "/v1/chat/completions")
    fake.advance(60)
    fake.faults.add("GET", "/files/*/content", status=500, times=None)
    with pytest.raises(Exception, match="500"):
        follow_up = poll(Batch, batch.pk)
        assert follow_up == "ingest"
        from django_openai.services.batches import ingest_batch_results

        ingest_batch_results(Batch.objects.get(pk=batch.pk))
    fake.faults.clear()
    batch.refresh_from_db()
    assert batch.status == "completed" and batch.results_ingested_at is None and "500" in batch.last_error
    retry_ingestion(batch)  # the task runs once committed (eagerly here)
    batch.refresh_from_db()
    assert batch.results_ingested_at is not None and batch.last_error == ""
    assert BatchItem.objects.filter(batch=batch).count() == 20


def test_retry_ingestion_of_an_unfinished_batch_is_refused(use_openai_fake):
    use_openai_fake()
    batch = create_batch_from_requests(requests(2), "/v1/chat/completions")
    with pytest.raises(ValidationError, match="its results come once it has ended"):
        retry_ingestion(batch)

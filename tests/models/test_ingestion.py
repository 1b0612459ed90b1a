"""Batch result ingestion: request bodies joined back from the input, chunks, racing copies."""

from __future__ import annotations

import json
import logging

import pytest
from django.conf import settings
from django.test import override_settings

from django_openai import tasks
from django_openai.models import Batch, BatchItem
from django_openai.services._bulk import insert_items
from django_openai.services._request_bodies import RequestBodies
from django_openai.services.batches import ingest_batch_results

from .test_services import requests

pytestmark = pytest.mark.django_db(transaction=True)


def options(**values):
    return override_settings(DJANGO_OPENAI={**settings.DJANGO_OPENAI, **values})


def completed_batch(fake, count: int) -> Batch:
    batch = Batch.objects.create_from_requests(requests(count), "/v1/chat/completions")
    fake.advance(60)
    batch.refresh()
    assert batch.status == "completed"
    return batch


def test_every_item_gets_its_request_body_across_chunks(use_openai_fake):
    fake = use_openai_fake()
    batch = completed_batch(fake, 23)
    with options(BATCH_INGEST_CHUNK_SIZE=5):
        assert ingest_batch_results(batch) == 23
    expected = {request["custom_id"]: request["body"] for request in requests(23)}
    stored = dict(BatchItem.objects.filter(batch=batch).values_list("custom_id", "request_body"))
    assert stored == expected
    assert batch.items.get(custom_id="q-7").response_body["object"] == "chat.completion"


def test_an_input_file_gone_leaves_request_bodies_empty_and_stores_the_results(use_openai_fake, caplog):
    fake = use_openai_fake()
    batch = completed_batch(fake, 4)
    fake.client().files.delete(batch.input_file.openai_id)
    with caplog.at_level(logging.WARNING, logger="django_openai.batches"):
        assert ingest_batch_results(batch) == 4
    assert list(batch.items.values_list("request_body", flat=True)) == [None] * 4
    assert f"input file {batch.input_file.openai_id} is gone" in caplog.text


def test_request_bodies_can_be_turned_off(use_openai_fake):
    fake = use_openai_fake()
    batch = completed_batch(fake, 3)
    before = len(fake.requests)
    with options(BATCH_INGEST_REQUEST_BODIES=False):
        assert ingest_batch_results(batch) == 3
    downloads = [r.path for r in fake.requests[before:] if r.path.endswith("/content")]
    assert downloads == [f"/v1/files/{batch.data['output_file_id']}/content"]
    assert set(batch.items.values_list("request_body", flat=True)) == {None}


def test_a_copy_that_meets_a_row_stored_meanwhile_stores_the_chunk_once(use_openai_fake):
    # "fresh" was true when ingestion began; another run stored q-3 since. The direct copy fails
    # on it, and the chunk, streamed so far and the rest, is stored through the skipping path.
    fake = use_openai_fake()
    batch = completed_batch(fake, 1)
    BatchItem.objects.create(batch=batch, custom_id="q-3", status_code=500)
    rows = ((batch.pk, f"q-{i}", None, 200, '{"ok": true}', None, f"req_{i}") for i in range(8))
    assert insert_items(rows, fresh=True) == (8, False)
    assert sorted(batch.items.values_list("custom_id", flat=True)) == [f"q-{i}" for i in range(8)]
    assert batch.items.get(custom_id="q-3").status_code == 500, "the row stored first is kept"
    assert batch.items.get(custom_id="q-4").response_body == {"ok": True}


def test_an_empty_chunk_stores_nothing():
    assert insert_items(iter(()), fresh=True)[0] == 0
    assert not BatchItem.objects.exists()


def test_request_bodies_skip_unreadable_lines_and_keep_unicode():
    lines = [
        b'{"custom_id": "a", "body": {"q": "caf\\u00e9 \xe2\x98\x95"}}',
        b"{not json",
        b'{"custom_id": "b", "method": "POST"}',
        b'{"custom_id": "c", "body": {"n": 1}}',
    ]
    with RequestBodies.from_lines(lines, json.loads, json.dumps) as bodies:
        assert len(bodies) == 2
        assert json.loads(bodies.get("a") or "") == {"q": "café ☕"}
        assert bodies.get("c") == '{"n": 1}'
        assert bodies.get("b") is None and bodies.get("zzz") is None


def test_the_sweeper_path_stores_request_bodies_too(use_openai_fake):
    fake = use_openai_fake()
    batch = Batch.objects.create_from_requests(requests(6), "/v1/chat/completions")
    fake.advance(60)
    Batch.objects.filter(pk=batch.pk).update(next_poll_at=None)
    from django_openai.services import polling

    assert polling.poll(Batch, batch.pk) == "ingest"
    tasks.ingest_batch_results(batch.pk)
    assert batch.items.get(custom_id="q-5").request_body["messages"][0]["content"] == "question 5"

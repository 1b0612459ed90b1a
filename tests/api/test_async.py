"""The API under ASGI (Django's async client): the same answers, and downloads streamed by an
async iterator (a sync one would be read whole before the first byte is sent)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.test import AsyncClient

from django_openai.models import Batch, BatchItem, File

from .conftest import API

pytestmark = pytest.mark.django_db(transaction=True)

CHAT_BODY = {"choices": [{"message": {"content": "Yes."}}], "usage": {"total_tokens": 3}}


@sync_to_async
def rows(n: int):
    User = get_user_model()
    alice, bob = User.objects.create_user("alice"), User.objects.create_user("bob")
    batch = Batch.objects.create(
        openai_id="batch_a", endpoint="/v1/chat/completions", status="completed", owner=alice
    )
    BatchItem.objects.bulk_create(
        BatchItem(batch=batch, custom_id=f"q-{i}", status_code=200, response_body=CHAT_BODY) for i in range(n)
    )
    Batch.objects.filter(pk=batch.pk).update(results_ingested_at="2026-01-01T00:00Z")
    return alice, bob


async def client_of(user) -> AsyncClient:
    client = AsyncClient()
    await client.aforce_login(user)
    return client


async def test_results_stream_through_an_async_iterator():
    alice, _ = await rows(4500)
    client = await client_of(alice)
    for fmt in ("jsonl", "csv"):
        response = await client.get(API + f"batches/batch_a/results.{fmt}")
        assert response.status_code == 200 and response.is_async, fmt
        chunks = [chunk async for chunk in response.streaming_content]
        assert len(chunks) >= 3, "several chunks, not one buffered body"
        body = b"".join(chunks).decode()
        if fmt == "jsonl":
            assert [json.loads(line)["custom_id"] for line in body.splitlines()][:2] == ["q-0", "q-1"]
        else:
            assert len(list(csv.DictReader(io.StringIO(body)))) == 4500


async def test_json_endpoints_and_ownership_under_asgi():
    alice, bob = await rows(3)
    page = (await (await client_of(alice)).get(API + "batches/batch_a/items/", {"limit": 2})).json()
    assert [i["custom_id"] for i in page["data"]] == ["q-0", "q-1"] and page["has_more"]
    assert (await (await client_of(bob)).get(API + "batches/batch_a/")).status_code == 404
    assert (await AsyncClient().get(API + "batches/batch_a/")).status_code in (401, 403)


async def test_file_content_is_relayed_on_the_async_client(use_openai_fake):
    fake = use_openai_fake()
    alice, _ = await rows(0)
    remote = await sync_to_async(
        lambda: fake.client().files.create(file=("a.txt", b"hello " * 50_000), purpose="user_data")
    )()
    await File.objects.acreate(openai_id=remote.id, purpose="user_data", filename="a.txt", owner=alice)
    response = await (await client_of(alice)).get(API + f"files/{remote.id}/content/")
    assert response.status_code == 200 and response.is_async
    assert b"".join([chunk async for chunk in response.streaming_content]) == b"hello " * 50_000
    gone = await File.objects.acreate(openai_id="file-gone", purpose="batch", owner=alice)
    missing = await (await client_of(alice)).get(API + f"files/{gone.openai_id}/content/")
    assert missing.status_code == 404

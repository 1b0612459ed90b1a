"""Data migrations: rows stored before a migration get the values it introduces."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("django_openai", "0002_batchitem_batch_no_own_index")]
AFTER = [("django_openai", "0003_hardening_webhooks_ingestion")]


@pytest.fixture(autouse=True)
def _back_to_the_latest():
    """Each test leaves the schema as the rest of the suite expects it: every migration applied."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _back_to_the_latest():
    """Each test moves the schema back in time; the tests after it need every migration applied."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_0003_describes_stored_bodies_and_counts_stored_results():
    old = migrate(BEFORE)
    try:
        delivery = old.get_model("django_openai", "WebhookDelivery").objects.create(
            webhook_id="msg_1", body='{"type": "batch.completed", "note": "café"}', valid=True
        )
        Batch = old.get_model("django_openai", "Batch")
        ingested = Batch.objects.create(
            openai_id="batch_a", endpoint="/v1/responses", results_ingested_at="2026-01-01T00:00Z"
        )
        Batch.objects.create(openai_id="batch_b", endpoint="/v1/responses")
        BatchItem = old.get_model("django_openai", "BatchItem")
        BatchItem.objects.bulk_create(BatchItem(batch=ingested, custom_id=f"q-{i}") for i in range(3))
    finally:
        new = migrate(AFTER)
    stored = new.get_model("django_openai", "WebhookDelivery").objects.get(pk=delivery.pk)
    body = '{"type": "batch.completed", "note": "café"}'.encode()
    assert (stored.body_size, stored.body_sha256, stored.body_encoding) == (
        len(body),
        hashlib.sha256(body).hexdigest(),
        "",
    )
    counts = dict(new.get_model("django_openai", "Batch").objects.values_list("openai_id", "results_stored"))
    assert counts == {"batch_a": 3, "batch_b": 0}

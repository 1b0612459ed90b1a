"""On PostgreSQL: two sweepers at once claim each due row exactly once (SKIP LOCKED)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from django_openai.models import Batch
from django_openai.services import polling

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (set DATABASE_URL)"
    ),
]


def test_two_sweepers_claim_each_due_row_exactly_once(settings):
    past = timezone.now() - timezone.timedelta(seconds=5)
    Batch.objects.bulk_create(
        [
            Batch(
                openai_id=f"batch_{i}",
                endpoint="/v1/chat/completions",
                status="in_progress",
                next_poll_at=past,
            )
            for i in range(200)
        ]
    )
    claims: dict[str, list[int]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)

    def sweeper(name: str) -> None:
        try:
            barrier.wait()
            for _ in range(30):
                claimed: list[int] = []
                polling.claim_due(Batch, claimed.extend, limit=7)
                claims[name].extend(claimed)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweeper, args=(name,)) for name in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = claims["a"] + claims["b"]
    assert sorted(everything) == sorted(Batch.objects.values_list("pk", flat=True)), "every row claimed"
    assert len(everything) == len(set(everything)) == 200, "and none twice"
    assert claims["a"] and claims["b"], "both sweepers did work"
    assert not Batch.objects.filter(next_poll_at__lte=timezone.now()).exists()

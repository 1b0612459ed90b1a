"""Sessions written by several processes at once stay one dense, ordered thread (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from asgiref.sync import async_to_sync
from django.db import connection, connections

from django_openai.agents import DjangoSession
from django_openai.models import AgentSession, Thread, ThreadItem

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises writers with a database lock; the row lock is PostgreSQL's",
    ),
]

WRITERS = 8
ITEMS = 5


def write(session_id: str, writer: int, barrier: threading.Barrier, errors: list[BaseException]) -> None:
    # async_to_sync in a thread of its own: the session's ORM calls run in this thread, on this
    # thread's own connection, as they would in another web process.
    session = DjangoSession(session_id)
    items = [{"role": "user", "content": f"writer {writer} item {i}"} for i in range(ITEMS)]
    try:
        barrier.wait()
        for item in items:
            async_to_sync(session.add_items)([item])
        async_to_sync(session.add_items)(items)  # and a batch, which stays together
    except BaseException as exc:
        errors.append(exc)
    finally:
        connections.close_all()


def test_concurrent_adds_to_a_new_session_make_one_thread_with_dense_positions():
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []
    workers = [threading.Thread(target=write, args=("shared", n, barrier, errors)) for n in range(WRITERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    assert AgentSession.objects.count() == Thread.objects.count() == 1
    thread = Thread.objects.get()
    total = WRITERS * ITEMS * 2
    assert thread.item_count == total
    texts = list(
        ThreadItem.objects.filter(thread=thread).order_by("position").values_list("position", "text")
    )
    assert [position for position, _ in texts] == list(range(1, total + 1))
    for n in range(WRITERS):
        mine = [(p, t) for p, t in texts if t.startswith(f"writer {n} ")]
        # Each writer's single items in the order it sent them, then its batch, contiguous.
        assert [t for _, t in mine] == [f"writer {n} item {i}" for i in range(ITEMS)] * 2
        batch = [p for p, _ in mine[ITEMS:]]
        assert batch == list(range(batch[0], batch[0] + ITEMS))
    assert len(async_to_sync(DjangoSession("shared").get_items)()) == total

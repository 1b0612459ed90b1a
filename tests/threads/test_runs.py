"""Runs on both backends against the fake (in-process and on loopback, requests checked against
the OpenAPI spec): answers, turns that build on each other, the same events streamed on both
backends, async runs, and what each run stores."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_openai.models import Assistant, Run, Thread, ThreadItem
from django_openai.services.events import (
    ItemCompleted,
    ItemStarted,
    RunCompleted,
    RunStarted,
    TextDelta,
)
from django_openai.signals import run_completed, run_started

pytestmark = pytest.mark.django_db


def transcript(thread):
    return [(i.position, i.type, i.role, i.status) for i in thread.items.order_by("position")]


def test_a_run_answers_and_a_second_turn_builds_on_the_first(fake, thread, backend):
    thread.add_message("What is Django?")
    run = thread.run()
    assert (run.status, run.error, run.backend) == ("completed", None, backend)
    answer = thread.items.get(position=2)
    assert (answer.type, answer.role, answer.run) == ("message", "assistant", run)
    assert answer.text.startswith("Reply to: What is Django?")
    assert run.output_tokens == len(answer.text.split()), "the fake counts a word a token"
    assert (
        run.input_tokens > 0 and run.rounds == 1 and run.finished_at and run.time_to_first_token is not None
    )

    thread.add_message("And Flask?")
    second = thread.run()
    assert second.status == "completed"
    assert transcript(thread) == [
        (1, "message", "user", "completed"),
        (2, "message", "assistant", "completed"),
        (3, "message", "user", "completed"),
        (4, "message", "assistant", "completed"),
    ]
    posted = [
        r.json()
        for r in fake.requests
        if r.method == "POST" and r.path.endswith(("/responses", "/completions"))
    ]
    if backend == "responses":
        # The second request sends only the new message: the conversation holds the rest.
        assert [m["content"][0]["text"] for m in posted[1]["input"]] == ["And Flask?"]
        assert posted[1]["conversation"] == posted[0]["conversation"] == thread.remote_conversation_id
        assert Thread.objects.get(pk=thread.pk).remote_position == 4
    else:
        # The chat backend replays the thread: instructions, both turns.
        assert [m["role"] for m in posted[1]["messages"]] == ["system", "user", "assistant", "user"]
        assert posted[1]["messages"][2]["content"] == answer.text
    thread.refresh_from_db()
    assert thread.active_run is None and thread.item_count == 4 and thread.title == "What is Django?"


def test_the_same_events_on_both_backends(fake, thread, backend):
    thread.add_message("Say hello")
    with thread.run(stream=True) as events:
        seen = list(events)
    run = events.run
    kinds = [type(e) for e in seen]
    assert kinds[0] is RunStarted and kinds[1] is ItemStarted and kinds[-1] is RunCompleted
    assert kinds[-2] is ItemCompleted
    deltas = [e for e in seen if isinstance(e, TextDelta)]
    completed = seen[-2]
    assert "".join(d.delta for d in deltas) == completed.text == thread.items.get(position=2).text
    assert {d.item_id for d in deltas} == {seen[1].item_id} == {completed.item_id}, "one id for the message"
    stored = thread.items.get(position=2)
    assert stored.remote_id == (completed.item_id if backend == "responses" else ""), (
        "chat items have no remote id"
    )
    assert (completed.position, completed.item_type, completed.role) == (2, "message", "assistant")
    assert [e.sequence for e in seen] == list(range(1, len(seen) + 1))
    assert {e.run_id for e in seen} == {run.pk}
    assert seen[-1].usage == run.usage and run.status == "completed"
    assert seen[0].to_dict() == {
        "type": "run.started",
        "sequence": 1,
        "run_id": run.pk,
        "thread_id": thread.pk,
        "backend": backend,
        "model": "gpt-4.1-mini",
        "background": False,
    }


@pytest.mark.django_db(transaction=True)
async def test_async_runs_await_and_stream(fake, backend, async_db):
    from asgiref.sync import sync_to_async

    @sync_to_async
    def setup():
        assistant = Assistant.objects.create(name="A", slug="a", model="gpt-4.1-mini")
        thread = Thread.objects.create(assistant=assistant)
        thread.add_message("First question")
        return thread

    thread = await setup()
    run = await thread.arun()
    assert run.status == "completed"
    await thread.aadd_message("Second question")
    async with thread.arun(stream=True) as events:
        seen = [event async for event in events]
    assert isinstance(seen[-1], RunCompleted) and events.run.status == "completed"
    texts = await sync_to_async(
        lambda: list(thread.items.order_by("position").values_list("text", flat=True))
    )()
    assert texts[2] == "Second question" and texts[3] == "".join(
        e.delta for e in seen if isinstance(e, TextDelta)
    )


def test_signals_are_sent_once_the_run_is_committed(fake, thread, django_capture_on_commit_callbacks):
    received = []

    def started(sender, instance, **kwargs):
        received.append(("started", instance.status))

    def completed(sender, instance, **kwargs):
        received.append(("completed", instance.status))

    run_started.connect(started)
    run_completed.connect(completed)
    try:
        thread.add_message("hi")
        with django_capture_on_commit_callbacks(execute=True):
            thread.run()
    finally:
        run_started.disconnect(started)
        run_completed.disconnect(completed)
    assert [name for name, _ in received] == ["started", "completed"]


def test_overrides_change_one_run_only(fake, thread, backend):
    thread.add_message("hi")
    run = thread.run(model="gpt-4.1", temperature=0.2, metadata={"source": "test"})
    body = fake.requests[-1].json()
    assert (body["model"], body["temperature"], body["metadata"]) == ("gpt-4.1", 0.2, {"source": "test"})
    assert run.model == "gpt-4.1" and run.overrides["temperature"] == 0.2
    thread.add_message("again")
    thread.run()
    assert fake.requests[-1].json()["model"] == "gpt-4.1-mini"


def test_a_run_records_the_exact_assistant_version(fake, thread, assistant):
    thread.add_message("hi")
    first = thread.run()
    assistant.instructions = "Answer in French."
    assistant.save()
    thread.add_message("again")
    second = thread.run()
    assert (first.assistant_version.number, second.assistant_version.number) == (1, 2)
    assert second.assistant_version.snapshot["instructions"] == "Answer in French."
    assert first.assistant_version.snapshot["instructions"] == "Answer briefly."


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def statements_by_kind(queries) -> Counter[str]:
    """The SQL statements of a capture by verb and table, transaction control left out."""
    kinds: Counter[str] = Counter()
    for query in queries.captured_queries:
        sql = query["sql"].strip()
        verb = sql.split(maxsplit=1)[0].upper()
        if verb in TRANSACTION_CONTROL:
            continue
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?django_openai_(\w+?)"?\s', sql + " ")
        kinds[f"{verb} {table.group(1)}" if table else " ".join(sql.split()[:2]).upper()] += 1
    return kinds


@pytest.mark.django_db(transaction=True)  # the run's transactions are its own, as in a view
@pytest.mark.parametrize("fake", ["inprocess"], indirect=True)
@pytest.mark.parametrize("backend", ["responses"], indirect=True)
@pytest.mark.parametrize("stream", [False, True])
def test_the_statements_of_a_run_are_pinned_and_do_not_grow_with_the_thread(
    fake, assistant, stream, settings
):
    # No event-log batch and no cancel check fall due during the run: only its own writes count.
    settings.DJANGO_OPENAI = {
        **settings.DJANGO_OPENAI,
        "THREADS": {"EVENT_FLUSH_SECONDS": 60, "CANCEL_CHECK_SECONDS": 60},
    }
    expected = Counter(
        {
            "SELECT assistantversion": 1,  # the assistant's newest version
            "INSERT run": 1,
            "UPDATE thread": 2,  # the claim (a compare-and-set), the release (with the item count)
            "SELECT threaditem": 1,  # the items the conversation does not hold yet
            "INSERT threaditem": 1,  # the answer
            "UPDATE run": 1,  # its end
            "INSERT usagerecord": 1,
        }
    )
    if stream:
        expected["INSERT runevent"] = 2  # run.started once the request is out; the rest with the end
    if connection.vendor == "postgresql":
        expected["SET LOCAL"] = 1  # the claim's commit does not wait for the disk
    counts = {}
    for size in (10, 1000):
        thread = Thread.objects.create(assistant=assistant)
        thread.add_message("Start")
        thread.run()  # the thread now has its conversation
        rows = [
            ThreadItem(
                thread=thread, position=3 + i, type="message", role="user", content={"type": "message"}
            )
            for i in range(size - 2)
        ]
        ThreadItem.objects.bulk_create(rows)
        Thread.objects.filter(pk=thread.pk).update(item_count=size, remote_position=size)
        thread.refresh_from_db()
        thread.add_message("One more question")
        with CaptureQueriesContext(connection) as queries:
            run = thread.run(stream=True).until_done() if stream else thread.run()
        assert run.status == "completed" and thread.items.count() == size + 2
        thread.refresh_from_db()
        assert (thread.item_count, thread.active_run_id) == (size + 2, None)
        counts[size] = statements_by_kind(queries)
    assert counts[10] == counts[1000] == expected, counts
    assert sum(expected.values()) <= 12


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")
@pytest.mark.parametrize("fake", ["inprocess"], indirect=True)
@pytest.mark.parametrize("backend", ["responses"], indirect=True)
def test_a_run_in_the_callers_transaction_leaves_its_commit_as_it_was(fake, thread):
    thread.add_message("hi")
    with CaptureQueriesContext(connection) as queries:  # inside the test's transaction: the caller's
        run = thread.run()
    assert run.status == "completed"
    assert not [q for q in queries.captured_queries if "synchronous_commit" in q["sql"]]


def test_runs_are_listed_newest_first_with_their_usage(fake, thread):
    thread.add_message("hi")
    first = thread.run()
    thread.add_message("again")
    second = thread.run()
    assert list(Run.objects.filter(thread=thread)) == [second, first]
    assert second.usage["total_tokens"] == second.input_tokens + second.output_tokens > 0


def test_each_run_leaves_a_usage_record_beside_the_gateways(
    fake, thread, backend, settings, django_user_model
):
    from decimal import Decimal

    from django_openai.models import UsageRecord

    settings.DJANGO_OPENAI = {
        **settings.DJANGO_OPENAI,
        "GATEWAY": {"PRICES": {"gpt-4.1-mini": {"input": "0.40", "output": "1.60"}}},
    }
    user = django_user_model.objects.create(username="grace")
    Thread.objects.filter(pk=thread.pk).update(owner=user)
    thread.refresh_from_db()
    thread.add_message("hi")
    run = thread.run()
    record = UsageRecord.objects.get()
    assert (record.source, record.endpoint, record.user, record.client_alias, record.model) == (
        "thread_run",
        "responses" if backend == "responses" else "chat.completions",
        user,
        "default",
        "gpt-4.1-mini",
    )
    assert (record.input_tokens, record.output_tokens, record.total_tokens) == (
        run.input_tokens,
        run.output_tokens,
        run.input_tokens + run.output_tokens,
    )
    cost = (Decimal("0.40") * run.input_tokens + Decimal("1.60") * run.output_tokens) / 1_000_000
    assert record.cost == cost.quantize(Decimal("0.000001")) > 0
    assert record.status == "ok" and not record.streamed
    assert record.latency_ms == pytest.approx(run.latency.total_seconds() * 1000)
    assert record.time_to_first_token_ms == pytest.approx(run.time_to_first_token * 1000)
    assert record.upstream_request_id == run.openai_id


def test_a_run_refused_before_any_request_records_no_usage(fake, thread):
    from django_openai.models import UsageRecord

    thread.add_message("hi")
    thread.run(temperature=7)  # refused by the server: a round was sent, so it is recorded
    assert UsageRecord.objects.get().status == "error"


def test_an_internal_error_ends_the_run_without_its_text(fake, thread, monkeypatch, caplog):
    """The run's error reaches its readers (events, the API): an arbitrary exception's text, which
    may hold a database URL or a value, stays in the raised exception and the server's log."""
    from django_openai.services._run_job import RunJob

    def broken(self):
        raise RuntimeError("could not reach postgres://app:s3cret@db.internal/prod")

    monkeypatch.setattr(RunJob, "next_request", broken)
    thread.add_message("hi")
    with pytest.raises(RuntimeError, match="s3cret"):
        thread.run()
    run = thread.runs.get()
    assert (run.status, run.error["code"]) == ("failed", "internal_error")
    assert "s3cret" not in run.error["message"] and "RuntimeError" in run.error["message"]


@pytest.mark.parametrize("backend", ["chat"])
def test_a_stream_whose_client_cannot_be_made_ends_its_run_and_frees_the_thread(thread, fake, monkeypatch):
    from django_openai.services import runs

    def broken(alias):
        raise RuntimeError("no client for you")

    monkeypatch.setattr(runs, "get_client", broken)
    with pytest.raises(RuntimeError, match="no client"):
        runs.open_stream(thread, asynchronous=False, message="Hello")
    run = Run.objects.get()
    assert run.status == "failed" and run.error["code"] == "internal_error"
    thread.refresh_from_db()
    assert thread.active_run_id is None, "the claimed thread is free for the next run"
    assert thread.items.get().text == "Hello", "the message was committed with the claim, and stays"

"""A streamed run through a thread against the same stream through the client alone.

    python bench/thread_run.py [--runs 100] [--sizes 10,1000] [--first-token-ms 50] [--token-ms 20]
                               [--chunks 5] [--backends responses,chat] [--show-queries]

The fake OpenAI server runs in a separate process on loopback, paced like a model (the first
token ``--first-token-ms`` after the request, then one every ``--token-ms``). For each backend
and thread length, runs alternate between

- the client alone: ``POST /responses`` (or ``/chat/completions``) streamed with the pooled client
  of the ``default`` alias, timed from the call to the first text delta; and
- a thread: ``thread.add_message(...)`` (not timed), then ``thread.run(stream=True)``, timed from
  the call to the first ``text.delta`` event, and read to its end;

so that a drift of the shared machine touches both alike. The added time to first token is the
thread's percentile less the client's. Database queries are counted (``CaptureQueriesContext``)
on separate runs, so that the counting costs the timed runs nothing. Threads are made with
``--sizes`` items and run once before measuring (their first run sends every item and starts the
conversation). On the responses backend each measured run adds two items (its request carries
only the new message); on the chat backend, which replays the whole thread, the two are removed
after each run, so that every run replays the same number of items.

PostgreSQL (``BENCH_DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/django_openai_bench``,
created if missing). Prints a table; nothing here is a test.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODEL = "gpt-4.1-mini"
SLUG = "bench-thread-run"


def _ensure_database() -> None:
    import psycopg

    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/django_openai_bench")
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "-v", "0"],
        check=True,
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT)},
    )


def _start_fake(args: argparse.Namespace) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django_openai.testing",
            "--port",
            "0",
            "--first-token-ms",
            str(args.first_token_ms),
            "--token-ms",
            str(args.token_ms),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # its tasks cancelled when it is stopped
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert server.stdout is not None
    return server, server.stdout.readline().split()[-1]


def _setup_django(base_url: str) -> None:
    os.environ["FAKE_OPENAI_URL"] = base_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- the two paths -------------------------------------------------------------------------------


def client_ttft(client: Any, backend: str, text: str) -> float:
    """Seconds from the call to the first text delta of a stream, through the client alone."""
    if backend == "responses":
        path, body = "/responses", {"model": MODEL, "input": text, "stream": True}
    else:
        path = "/chat/completions"
        body = {
            "model": MODEL,
            "messages": [{"role": "user", "content": text}],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
    first = None
    started = time.perf_counter()
    with client.request("POST", path, body=body, stream=True) as stream:
        for event in stream:
            if first is None and _is_text(event, backend):
                first = time.perf_counter() - started
    assert first is not None, "the stream had no text"
    return first


def _is_text(event: dict[str, Any], backend: str) -> bool:
    if backend == "responses":
        return event.get("type") == "response.output_text.delta"
    return any((choice.get("delta") or {}).get("content") for choice in event.get("choices") or ())


class Marks:
    """When a thread run's request went out (and this process's CPU time then), and when its first
    text came in from the server."""

    request: float | None = None
    request_cpu: float | None = None
    text: float | None = None


MARKS = Marks()


def watch(client: Any) -> Any:
    """Mark the moments ``thread_ttft`` needs (a few microseconds a run); returns the undo."""
    from django_openai.services._run_job import RunJob

    send, feed = client.request, RunJob.feed

    def request(*args: Any, **kwargs: Any) -> Any:
        if MARKS.request is None:
            MARKS.request, MARKS.request_cpu = time.perf_counter(), time.process_time()
        return send(*args, **kwargs)

    def fed(job: Any, event: dict[str, Any]) -> None:
        if MARKS.text is None and _is_text(event, job.run.backend):
            MARKS.text = time.perf_counter()
        feed(job, event)

    client.request = request  # the pooled client the runs use, as an instance attribute
    RunJob.feed = fed  # type: ignore[method-assign]

    def undo() -> None:
        del client.request
        RunJob.feed = feed  # type: ignore[method-assign]

    return undo


def thread_ttft(thread: Any, text: str) -> tuple[float, float, float, float]:
    """Seconds from ``thread.run(stream=True)`` to its first text delta (the run read to its end),
    and of those the thread's own: until its request went out, and from the first text coming in
    to its event reaching the reader; and the CPU seconds of this process until the request."""
    thread.add_message(text)
    MARKS.request = MARKS.request_cpu = MARKS.text = None
    first = None
    started, started_cpu = time.perf_counter(), time.process_time()
    with thread.run(stream=True) as events:
        for event in events:
            if first is None and event.type == "text.delta":
                first = time.perf_counter()
    assert events.run.status == "completed", events.run.error
    assert first is not None, "the run had no text"
    if MARKS.request is None or MARKS.request_cpu is None or MARKS.text is None:  # not watched (the warm-up)
        return first - started, 0.0, 0.0, 0.0
    return first - started, MARKS.request - started, first - MARKS.text, MARKS.request_cpu - started_cpu


def make_thread(assistant: Any, size: int) -> Any:
    from django_openai.models import Thread, ThreadItem
    from django_openai.services.threads import message_item, new_item_row

    thread = Thread.objects.create(assistant=assistant, title=f"bench {size}")
    rows = []
    for n in range(1, size + 1):
        role = "user" if n % 2 else "assistant"
        row = new_item_row(message_item(f"Earlier message number {n} of the bench thread.", role))
        row.thread, row.position = thread, n
        rows.append(row)
    ThreadItem.objects.bulk_create(rows, batch_size=500)
    Thread.objects.filter(pk=thread.pk).update(item_count=size)
    thread.refresh_from_db()
    return thread


def count_queries(thread: Any, text: str, show: bool) -> tuple[int, int, Counter[str]]:
    """Queries of add_message, and the SQL statements of the run (with what they touch; transaction
    control counted apart, under "transaction")."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as adding:
        thread.add_message(text)
    with CaptureQueriesContext(connection) as running, thread.run(stream=True) as events:
        for _ in events:
            pass
    kinds: Counter[str] = Counter(_kind(q["sql"]) for q in running.captured_queries)
    if show:
        for query in running.captured_queries:
            print("   ", query["sql"][:160])
    return len(adding.captured_queries), len(running.captured_queries) - kinds["transaction"], kinds


def _kind(sql: str) -> str:
    verb = sql.split(maxsplit=1)[0].upper() if sql.strip() else "?"
    if verb in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK"):
        return "transaction"
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"django_openai_(\w+)"', sql)
    return f"{verb} {table.group(1)}" if table else " ".join(sql.split()[:2]).upper()


#: What happens between ``thread.run()`` and the request going out, by function: the time to
#: first token a thread adds is spent here (the stream itself is read as the client reads it).
PHASES = (
    ("django_openai.services.runs", "_version", "the assistant's latest version"),
    (
        "django_openai.services.runs",
        "_claim",
        "claim the thread (one compare-and-set; the row lock the long way)",
    ),
    (
        "django_openai.services.runs",
        "prepare_run",
        "all of prepare_run (the above, the run's INSERT, the commit)",
    ),
    ("django_openai.services._run_job", "RunJob.next_request", "read the items to send, build the body"),
)


def profile_phases(thread: Any, runs: int) -> dict[str, list[float]]:
    """Wall and CPU milliseconds of each phase before the request, over ``runs`` runs."""
    import importlib

    import django_openai

    client = django_openai.get_client()  # the one the runs use now (a settings change makes a new one)

    spans: dict[str, list[float]] = {}
    undo = []

    def timed(label: str, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                spans.setdefault(label, []).append((time.perf_counter() - started) * 1000)
                spans.setdefault(label + " (CPU)", []).append((time.thread_time() - cpu) * 1000)

        return wrapper

    for module_name, dotted, _ in PHASES:
        owner: Any = importlib.import_module(module_name)
        *path, name = dotted.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name)
        setattr(owner, name, timed(dotted, original))
        undo.append((owner, name, original))
    sent: list[tuple[float, float]] = []
    send = client.request

    def request(*args: Any, **kwargs: Any) -> Any:
        sent.append((time.perf_counter(), time.thread_time()))
        return send(*args, **kwargs)

    client.request = request  # the pooled client the run uses, as an instance attribute
    try:
        for n in range(runs):
            thread.add_message(f"Profiled question {n}?")
            sent.clear()
            started, cpu = time.perf_counter(), time.thread_time()
            with thread.run(stream=True) as events:
                for _ in events:
                    pass
            spans.setdefault("until the request", []).append((sent[0][0] - started) * 1000)
            spans.setdefault("until the request (CPU)", []).append((sent[0][1] - cpu) * 1000)
    finally:
        del client.request
        for owner, name, original in undo:
            setattr(owner, name, original)
    return spans


# -- the bench -----------------------------------------------------------------------------------


def vacuum() -> None:
    """What autovacuum would do (it may be off on a bench server): without it, every run's updates
    of the thread row pile up dead row versions, and the row lock takes longer run after run."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("thread", "threaditem", "run", "runevent"):
            cursor.execute(f"VACUUM ANALYZE django_openai_{table}")


def measure(backend: str, size: int, runs: int, show: bool, profile: bool) -> dict[str, Any]:
    from django.conf import settings
    from django.test import override_settings

    import django_openai
    from django_openai.models import Assistant
    from django_openai.services.threads import pop_item

    clients = dict(settings.DJANGO_OPENAI["CLIENTS"])
    clients["default"] = {**clients["default"], "THREAD_BACKEND": backend}
    with override_settings(DJANGO_OPENAI={**settings.DJANGO_OPENAI, "CLIENTS": clients}):
        client = django_openai.get_client()
        assistant = Assistant.objects.get(slug=SLUG)
        thread = make_thread(assistant, size)
        vacuum()
        thread_ttft(thread, "Warm up.")  # the first run sends every item (and starts the conversation)
        client_ttft(client, backend, "Warm up.")
        alone, through, before, after, cpu = [], [], [], [], []
        undo = watch(client)
        try:
            for n in range(runs):
                text = f"Question {n} about the weather?"
                alone.append(client_ttft(client, backend, text))
                ttft, until_request, from_text, until_request_cpu = thread_ttft(thread, text)
                through.append(ttft)
                before.append(until_request)
                after.append(from_text)
                cpu.append(until_request_cpu)
                if backend == "chat":
                    # Each run replays the whole thread: keep it at its length (the responses
                    # backend sends only the new message, and its conversation keeps the rest).
                    pop_item(thread)
                    pop_item(thread)
        finally:
            undo()
        counted = [count_queries(thread, f"Counted question {n}?", show and n == 0) for n in range(3)]
        with override_settings(
            DJANGO_OPENAI={**settings.DJANGO_OPENAI, "CLIENTS": clients, "THREADS": {"EVENT_LOG": False}}
        ):
            unlogged = [count_queries(thread, f"Unlogged question {n}?", False) for n in range(3)]
        if profile:
            vacuum()
        phases = profile_phases(thread, min(runs, 30)) if profile else {}
    return {
        "phases": phases,
        "alone": alone,
        "through": through,
        "before": before,
        "after": after,
        "cpu": cpu,
        "add_queries": max(c[0] for c in counted),
        "run_queries": [c[1] for c in counted],
        "run_transaction": [c[2]["transaction"] for c in counted],
        "unlogged_queries": [c[1] for c in unlogged],
        "unlogged_transaction": [c[2]["transaction"] for c in unlogged],
        "unlogged_kinds": unlogged[0][2],
        "kinds": counted[0][2],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--sizes", default="10,1000")
    parser.add_argument("--backends", default="responses,chat")
    parser.add_argument("--first-token-ms", type=int, default=50)
    parser.add_argument("--token-ms", type=int, default=20)
    parser.add_argument("--chunks", type=int, default=5, help="words in each answer")
    parser.add_argument("--show-queries", action="store_true", help="print the queries of one run of each")
    parser.add_argument(
        "--profile", action="store_true", help="time what happens before the request, by function"
    )
    args = parser.parse_args()

    _ensure_database()
    server, base_url = _start_fake(args)
    try:
        _setup_django(base_url)
        import django_openai
        from django_openai.models import Assistant, Thread

        django_openai.get_client().request(
            "POST",
            "/_fake/pacing",
            body={"first_token_ms": args.first_token_ms, "token_ms": args.token_ms, "chunks": args.chunks},
        )
        Thread.objects.filter(assistant__slug=SLUG).delete()
        Assistant.objects.filter(slug=SLUG).delete()
        Assistant.objects.create(name="Bench", slug=SLUG, model=MODEL, instructions="Answer briefly.")
        results = {
            (backend, size): measure(backend, size, args.runs, args.show_queries, args.profile)
            for backend in args.backends.split(",")
            for size in (int(s) for s in args.sizes.split(","))
        }
    finally:
        server.terminate()
        server.wait()

    ms = 1000
    print(
        f"\nPython {sys.version.split()[0]}, {os.cpu_count()} cores; PostgreSQL; fake server in a separate "
        f"process (first token {args.first_token_ms} ms, then {args.token_ms} ms per token, "
        f"{args.chunks} tokens); {args.runs} runs each\n"
    )
    print(
        "| backend | thread items | client alone: TTFT p50 / p99 | thread: TTFT p50 / p99 "
        "| added TTFT p50 / p99 | the thread's own time p50 / p99 | of which before the request p50 "
        "| CPU before the request p50 / p99 | server's first token, thread's request p50 "
        "| statements per run (+ transaction control) | without the event log | queries per add_message |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (backend, size), r in results.items():
        alone, through, before, after = r["alone"], r["through"], r["before"], r["after"]
        own = [b + a for b, a in zip(before, after, strict=True)]
        server = [t - b - a for t, b, a in zip(through, before, after, strict=True)]
        added = (
            f"{(statistics.median(through) - statistics.median(alone)) * ms:.2f} / "
            f"{(pct(through, 0.99) - pct(alone, 0.99)) * ms:.2f}"
        )
        print(
            f"| {backend} | {size:,} | {_ms(alone)} | {_ms(through)} | {added} | {_ms(own)} "
            f"| {statistics.median(before) * ms:.2f} | {_ms(r['cpu'])} | {statistics.median(server) * ms:.1f} "
            f"| {_range(r['run_queries'])} (+ {_range(r['run_transaction'])}) "
            f"| {_range(r['unlogged_queries'])} (+ {_range(r['unlogged_transaction'])}) | {r['add_queries']} |"
        )
    print(
        "\nTimes in ms. Added TTFT: the thread's percentile less the client's. The thread's own time: "
        "from thread.run() to its\nrequest going out, plus from the first text coming in to its event "
        "reaching the reader; the rest of its TTFT\nis the server's (the fake answers the thread's "
        "request on the whole conversation, the client's alone on\none message). CPU: this process's "
        "(time.process_time), from thread.run() to the request."
    )
    if args.profile:
        print("\nBefore the request goes out, p50 wall / CPU (ms):\n")
        labels = [dotted for _, dotted, _ in PHASES] + ["until the request"]
        print("| backend | items | " + " | ".join(f"`{label}`" for label in labels) + " |")
        print("|---|---:|" + "---:|" * len(labels))
        for (backend, size), r in results.items():
            cells = [
                f"{statistics.median(r['phases'][label]):.2f} / {statistics.median(r['phases'][label + ' (CPU)']):.2f}"
                if label in r["phases"]
                else "-"
                for label in labels
            ]
            print(f"| {backend} | {size:,} | " + " | ".join(cells) + " |")
        print()
        for module_name, dotted, what in PHASES:
            print(f"- `{module_name}.{dotted}`: {what}")
        print("- until the request: from `thread.run()` to the client's `request()` call")
    print("\nQueries of one run, by kind (with the event log; without it):")
    for (backend, size), r in results.items():
        for key in ("kinds", "unlogged_kinds"):
            kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(r[key].items()))
            print(f"- {backend}, {size:,} items: {kinds}")


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.2f} / {pct(values, 0.99) * 1000:.2f}"


def _range(values: list[int]) -> str:
    return str(values[0]) if len(set(values)) == 1 else f"{min(values)}-{max(values)}"


if __name__ == "__main__":
    main()

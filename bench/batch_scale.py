"""Batch scale: build and upload a 50,000-request batch; ingest a ~100 MB, 50,000-line output.

    python bench/batch_scale.py [--requests 50000] [--line-bytes 2000]

Runs against the fake OpenAI server (a separate process) and PostgreSQL
(``BENCH_DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/django_openai_bench``,
created if missing). Each phase runs in a fresh process so that its peak RSS is its own.
Prints a table; nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_build(count: int) -> dict[str, float]:
    _setup_django()
    from django_openai.models import Batch

    def requests():  # a generator: the 50,000 dicts are never held together
        for i in range(count):
            yield {
                "custom_id": f"req-{i}",
                "body": {
                    "model": "gpt-4.1-mini",
                    "messages": [
                        {"role": "system", "content": "You are a terse assistant."},
                        {"role": "user", "content": f"Summarise ticket number {i} in one sentence, please."},
                    ],
                },
            }

    started = time.perf_counter()
    batch = Batch.objects.create_from_requests(requests(), "/v1/chat/completions")
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": count, "rss_mb": _rss_mb(), "bytes": batch.input_file.bytes or 0}


def phase_ingest(count: int, line_bytes: int) -> dict[str, float]:
    _setup_django()
    from django_openai.client import OpenAI
    from django_openai.models import Batch, BatchItem
    from django_openai.services.batches import ingest_batch_results

    filler = "x" * max(0, line_bytes - 420)
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as out:
        for i in range(count):
            body = {
                "id": f"chatcmpl-{i}",
                "object": "chat.completion",
                "created": 1,
                "model": "gpt-4.1-mini",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": f"Answer {i} {filler}"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 20, "completion_tokens": 30, "total_tokens": 50},
            }
            line = {
                "id": f"batch_req_{i}",
                "custom_id": f"req-{i}",
                "response": {"status_code": 200, "request_id": f"req_{i}", "body": body},
                "error": None,
            }
            out.write(json.dumps(line).encode() + b"\n")
        path = out.name
    size = os.path.getsize(path)
    # The input, in another order than the output (as OpenAI's may be): ingestion joins it back.
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as inp:
        for i in reversed(range(count)):
            request = {"custom_id": f"req-{i}", "method": "POST", "url": "/v1/chat/completions"}
            request["body"] = {
                "model": "gpt-4.1-mini",
                "messages": [{"role": "user", "content": f"Ticket {i}"}],
            }
            inp.write(json.dumps(request).encode() + b"\n")
    with OpenAI(api_key="sk-bench-0123456789", base_url=os.environ["FAKE_OPENAI_URL"], timeout=600) as client:
        output = client.files.create(file=path, purpose="batch")
        input_file = client.files.create(file=inp.name, purpose="batch")
    os.unlink(path)
    os.unlink(inp.name)
    Batch.objects.filter(openai_id="batch_bench_ingest").delete()
    batch = Batch.objects.create(
        openai_id="batch_bench_ingest",
        endpoint="/v1/chat/completions",
        status="completed",
        data={
            "id": "batch_bench_ingest",
            "status": "completed",
            "input_file_id": input_file.id,
            "output_file_id": output.id,
        },
    )
    rss_before = _rss_mb()
    started = time.perf_counter()
    stored = ingest_batch_results(batch)
    seconds = time.perf_counter() - started
    assert BatchItem.objects.filter(batch=batch).count() == count == stored
    assert not BatchItem.objects.filter(batch=batch, request_body__isnull=True).exists()
    pages = _time_pages(batch, count)
    batch.delete()
    # Reclaim this run's rows now: where autovacuum is off (as on the reference machine), each run
    # would otherwise insert into indexes grown by every run before it, and slow down run by run.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {BatchItem._meta.db_table}")
    return {
        "seconds": seconds,
        "rows": count,
        "rss_mb": _rss_mb(),
        "rss_before_mb": rss_before,
        "bytes": size,
        "pages": pages,
    }


def _time_pages(batch: Any, count: int) -> dict[str, list[float]]:
    """The API's page of a batch's results (``GET batches/{id}/items/``: its filter, its keyset
    page of 20), p50 ms of 30 reads, first and deepest, all results and only the 20 failures; each
    with the failures' partial index and without it (dropped in a transaction rolled back after)."""
    from django.db import connection, transaction

    from django_openai.api.views.batches import filter_by_result
    from django_openai.models import BatchItem

    items = BatchItem.objects.filter(batch_id=batch.pk)
    pks = list(items.order_by("pk").values_list("pk", flat=True))
    failed = pks[1000::2500]
    BatchItem.objects.filter(pk__in=failed).update(status_code=429)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {BatchItem._meta.db_table}")

    def page(status: str | None, after: int) -> float:
        started = time.perf_counter()
        list(filter_by_result(items, status).order_by("pk").filter(pk__gt=after)[:21])
        return (time.perf_counter() - started) * 1000

    def p50s() -> list[float]:
        cases = [(None, 0), (None, pks[count - 30]), ("failed", 0), ("failed", failed[-2])]
        return [statistics.median(page(status, after) for _ in range(30)) for status, after in cases]

    with_index = p50s()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX django_openai_batchitem_failed")
        without_index = p50s()
        transaction.set_rollback(True)
    return {"with": with_index, "without": without_index}


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


def _run_phase(name: str, args: argparse.Namespace, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--phase",
            name,
            "--requests",
            str(args.requests),
            "--line-bytes",
            str(args.line_bytes),
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--line-bytes", type=int, default=2000)
    parser.add_argument("--phase", choices=["build", "ingest"])
    args = parser.parse_args()
    if args.phase == "build":
        print(json.dumps(phase_build(args.requests)))
        return
    if args.phase == "ingest":
        print(json.dumps(phase_ingest(args.requests, args.line_bytes)))
        return

    _ensure_database()
    server = subprocess.Popen(
        [sys.executable, "-m", "django_openai.testing", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert server.stdout is not None
    base_url = server.stdout.readline().split()[-1]
    env = {
        **os.environ,
        "FAKE_OPENAI_URL": base_url,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
    }
    try:
        build = _run_phase("build", args, env)
        ingest = _run_phase("ingest", args, env)
    finally:
        server.terminate()
    print(
        f"\nPython {sys.version.split()[0]}, {os.cpu_count()} cores; PostgreSQL; fake server in a separate process\n"
    )
    print("| phase | rows | file size | time (s) | rows/s | peak RSS (MB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, result in (
        ("build + validate + upload a batch", build),
        ("ingest the output into PostgreSQL", ingest),
    ):
        print(
            f"| {label} | {result['rows']:,.0f} | {result['bytes'] / 1e6:,.1f} MB | {result['seconds']:.2f} | "
            f"{result['rows'] / result['seconds']:,.0f} | {result['rss_mb']:.0f} |"
        )
    print(f"\nA page of the {args.requests:,} results (`GET batches/{{id}}/items/`'s query), p50 ms:\n")
    print(
        "| failures' partial index | first page | deepest page | first page of failures | last page of failures |"
    )
    print("|---|---:|---:|---:|---:|")
    for label in ("with", "without"):
        print(f"| {label} | " + " | ".join(f"{ms:.2f}" for ms in ingest["pages"][label]) + " |")


if __name__ == "__main__":
    main()

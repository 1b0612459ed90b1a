"""A streamed run through ThreadStreamView under uvicorn against the same stream from the upstream.

    python bench/sse_views.py [--rounds 20] [--concurrency 1,100]

The paced upstream (bench/_paced_upstream.py: 50 chunks 20 ms apart, the first after 50 ms) and
uvicorn serving the Django project (bench/sse_settings.py: the six stock middlewares, session
auth, CSRF) run in processes of their own. For each concurrency, rounds alternate between

- the upstream alone: ``POST /v1/chat/completions`` streamed, timed to the first content chunk;
- the view: ``POST /chat/<thread>/stream/`` (a message added, a run on the chat backend, its
  events as OpenAI-style SSE), timed to the first ``text.delta`` event;

each of the ``c`` streams of a round on its own thread. The added time to first token is the
view's percentile less the upstream's; chunks/s counts every stream's chunks (text deltas for
the view) over the round's wall time. PostgreSQL (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/django_openai_sse_bench``, created if missing). Prints a
table; nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.gateway_relay import Server, free_port, start_upstream  # noqa: E402

DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/django_openai_sse_bench")
BODY = {"model": "gpt-4.1-mini", "stream": True, "messages": [{"role": "user", "content": "Hi"}]}


def ensure_database() -> None:
    import psycopg

    name = DATABASE.rsplit("/", 1)[1]
    with psycopg.connect(DATABASE.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(env: dict[str, str], threads: int) -> tuple[str, list[int]]:
    """Migrate; a user, an assistant, ``threads`` threads; the user's session key."""
    code = (
        "import django; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from django.contrib.auth import get_user_model;"
        "from django.contrib.sessions.backends.db import SessionStore;"
        "from django_openai.models import Assistant, Thread;"
        "user, _ = get_user_model().objects.get_or_create(username='bench-sse');"
        "a, _ = Assistant.objects.get_or_create(slug='bench-sse', defaults={'name': 'B', 'model': 'gpt-4.1-mini'});"
        f"ids = [Thread.objects.create(owner=user, assistant=a).pk for _ in range({threads})];"
        "s = SessionStore(); s['_auth_user_id'] = str(user.pk);"
        "s['_auth_user_backend'] = 'django.contrib.auth.backends.ModelBackend';"
        "s['_auth_user_hash'] = user.get_session_auth_hash(); s.create();"
        "print(s.session_key, ','.join(map(str, ids)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    key, ids = done.stdout.strip().splitlines()[-1].split()
    return key, [int(i) for i in ids.split(",")]


async def one_direct(client: httpx.AsyncClient, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    first, chunks = 0.0, 0
    async with client.stream("POST", url, json=BODY) as response:
        async for line in response.aiter_lines():
            if line.startswith("data: {") and '"content"' in line:
                chunks += 1
                first = first or time.perf_counter() - started
    return first, chunks


async def one_view(client: httpx.AsyncClient, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    first, chunks = 0.0, 0
    async with client.stream("POST", url, json={"message": "Hi"}) as response:
        assert response.status_code == 200, response.status_code
        async for line in response.aiter_lines():
            if line == "event: text.delta":
                chunks += 1
                first = first or time.perf_counter() - started
    return first, chunks


async def measure(port: int, upstream: int, session: str, ids: list[int], rounds: int, concurrency: int):
    csrf = "b" * 32
    headers = {"cookie": f"sessionid={session}; csrftoken={csrf}", "x-csrftoken": csrf}
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    results = {"upstream": ([], 0, 0.0), "view": ([], 0, 0.0)}
    async with httpx.AsyncClient(timeout=120, limits=limits, headers=headers) as client:
        for _ in range(rounds):
            for name in ("upstream", "view"):
                started = time.perf_counter()
                if name == "upstream":
                    url = f"http://127.0.0.1:{upstream}/v1/chat/completions"
                    done = await asyncio.gather(*(one_direct(client, url) for _ in range(concurrency)))
                else:
                    base = f"http://127.0.0.1:{port}/chat/"
                    done = await asyncio.gather(
                        *(one_view(client, f"{base}{i}/stream/") for i in ids[:concurrency])
                    )
                firsts, chunks, wall = results[name]
                firsts.extend(first for first, _ in done)
                results[name] = (
                    firsts,
                    chunks + sum(c for _, c in done),
                    wall + time.perf_counter() - started,
                )
    return results


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--concurrency", default="1,100")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    ensure_database()
    upstream_process, upstream = start_upstream()
    folder = Path(tempfile.mkdtemp())
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.sse_settings",
        BENCH_UPSTREAM=f"http://127.0.0.1:{upstream}/v1",
        BENCH_DIR=str(folder),
        BENCH_DATABASE_URL=DATABASE,
        PYTHONPATH=str(ROOT),
    )
    session, ids = prepare(env, max(levels))
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "bench.gateway_app:include_mount", "--host", "127.0.0.1",
        "--port", str(port), "--workers", "1", "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    env["DJANGO_SETTINGS_MODULE"] = "bench.sse_settings"
    server = Server(command, env, port)
    try:
        print(f"{'streams':>7} | {'upstream TTFT p50/p99 ms':>24} | {'view TTFT p50/p99 ms':>20} | "
              f"{'added p50/p99 ms':>16} | {'upstream chunks/s':>17} | {'view chunks/s':>13}")  # fmt: skip
        for concurrency in levels:
            rounds = args.rounds if concurrency == 1 else max(3, args.rounds // 10)
            asyncio.run(measure(port, upstream, session, ids, 2, concurrency))  # warm up
            results = asyncio.run(measure(port, upstream, session, ids, rounds, concurrency))
            (up, up_chunks, up_wall), (view, view_chunks, view_wall) = results["upstream"], results["view"]
            p = {
                name: (percentile(v, 50) * 1000, percentile(v, 99) * 1000)
                for name, v in (("u", up), ("v", view))
            }
            print(
                f"{concurrency:>7} | {p['u'][0]:>11.1f} / {p['u'][1]:>10.1f} | {p['v'][0]:>9.1f} / {p['v'][1]:>8.1f} | "
                f"{p['v'][0] - p['u'][0]:>7.1f} / {p['v'][1] - p['u'][1]:>6.1f} | "
                f"{up_chunks / up_wall:>17.0f} | {view_chunks / view_wall:>13.0f}"
            )
    finally:
        errors = server.stop()
        if "Traceback" in errors:
            print(errors[-3000:], file=sys.stderr)
        upstream_process.terminate()
        upstream_process.wait(10)


if __name__ == "__main__":
    main()

"""A streamed run through ThreadStreamView under uvicorn against the same stream from the upstream.

    python bench/sse_views.py [--rounds 20] [--scenarios one,spread,burst] [--pool] [--plain]
                              [--no-event-log] [--profile] [--one-hop] [--floor]

The paced upstream (bench/_paced_upstream.py: 50 chunks 20 ms apart, the first after 50 ms) and
uvicorn serving the Django project (bench/sse_settings.py: the six stock middlewares, session
auth, CSRF; one worker, uvloop and httptools when installed) run in processes of their own. The
load generator is a bare asyncio protocol, one connection per stream (bench/gateway_relay.py's),
timing from writing the request to the first text: the upstream's first content chunk, or the
view's first ``text.delta`` event. Scenarios, each alternating rounds of the upstream alone and
of the view (``POST /chat/<thread>/stream/``: a message added, a run on the chat backend, its
events as OpenAI-style SSE; each stream on its own thread):

- ``one``: streams one at a time;
- ``spread``: 100 streams whose starts are spread over one second (100 open at once);
- ``burst``: 100 streams started at the same instant.

"added" is the view's percentile less the upstream's. The server prints time marks of each
request (bench/_sse_marks.py): the second table splits the view's time to first token into
Django's request (middlewares, session and user), the view's own lookups, the run core (the
message added and the run claimed: ``open_stream``), the response's start,
the round's request built (``next_request``), the upstream's answer, and the first text sent.
PostgreSQL (``BENCH_DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/django_openai_sse_bench``,
created if missing). ``--pool``: its connections from psycopg's pool; ``--plain``: uvicorn without
uvloop and httptools; ``--no-event-log``: runs without their event log; ``--profile``: cProfile of
the server's main thread (the event loop); ``--one-hop``: the paths served through the one-hop
mount (``django_openai.asgi``); ``--floor``: instead of the view, ``relay/``
(bench/sse_urls.py), a plain Django view that checks the session's user and re-sends the
upstream's text as it comes: what any streaming Django view costs, before anything of a run.
Prints tables; nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.gateway_relay import cpu_seconds, free_port, print_profile, start_upstream, wait_for_port  # noqa: E402

DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/django_openai_sse_bench")
UPSTREAM_BODY = json.dumps(
    {"model": "gpt-4.1-mini", "stream": True, "messages": [{"role": "user", "content": "Hi"}]}
).encode()
VIEW_BODY = b'{"message": "Hi"}'
CSRF = "b" * 32
#: The parts of the view's time to first token, between two of the server's marks.
PARTS = [
    ("Django's request (middlewares, session, user)", "arrived", "view_in", "lookup_in"),
    ("the view's lookup of the thread", "lookup_in", None, "lookup_out"),
    ("run core: message added, run claimed", "start_in", None, "start_out"),
    ("response start (middlewares out, headers)", "start_out", None, "headers"),
    ("to the round's request (next_request)", "headers", None, "request_out"),
    ("upstream's first chunk", "request_out", None, "feed_in"),
    ("first text encoded and sent", "feed_in", None, "sent"),
]


#: A stream's time to its first ``marker``, the markers seen, its rate (markers a second, from the
#: first to the last) and its error ("" for none).
Result = tuple[float, int, float, str]


class Stream(asyncio.Protocol):
    """One request on its own connection: the time to the first ``marker``, the markers seen."""

    def __init__(self, request: bytes, marker: bytes, done: asyncio.Future[Result]) -> None:
        self.request, self.marker, self.done = request, marker, done
        self.head, self.tail, self.status = b"", b"", 0
        self.first, self.last, self.count = 0.0, 0.0, 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.started = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        if not self.status:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            self.status = int(self.head[9:12])
            data = self.head[end + 4 :]
            if self.status != 200:
                return self._finish(f"HTTP {self.status}")
        window = self.tail + data
        found = window.count(self.marker) - self.tail.count(self.marker)
        if found:
            self.last = time.perf_counter() - self.started
            if not self.first:
                self.first = self.last
        self.count += found
        if b"[DONE]" in window or b"event: run.completed" in window or b"event: run.failed" in window:
            return self._finish("")
        self.tail = window[-64:]

    def connection_lost(self, exc: Exception | None) -> None:
        self._finish("" if self.count else f"connection lost: {exc}")

    def _finish(self, error: str) -> None:
        if not self.done.done():
            span = self.last - self.first
            rate = (self.count - 1) / span if self.count > 1 and span > 0 else 0.0
            self.done.set_result((self.first, self.count, rate, error))
            self.transport.close()


async def one(port: int, request: bytes, marker: bytes) -> Result:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[Result] = loop.create_future()
    await loop.create_connection(lambda: Stream(request, marker, done), "127.0.0.1", port)
    return await asyncio.wait_for(done, 120)


def http_request(port: int, path: str, body: bytes, headers: str = "") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\n{headers}"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


async def round_of(requests: list[bytes], port: int, marker: bytes, spread: float | None):
    async def delayed(request: bytes, delay: float) -> Result:
        await asyncio.sleep(delay)
        return await one(port, request, marker)

    if spread is None:
        return [await one(port, request, marker) for request in requests]
    step = spread / len(requests)
    return await asyncio.gather(*(delayed(r, i * step) for i, r in enumerate(requests)))


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


def percentile(values: list[float], q: int) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))] if values else float("nan")


def pct(values: list[float], q: int) -> float:
    """The percentile of times in seconds, in milliseconds."""
    return percentile(values, q) * 1000


def read_marks(path: Path, offset: int) -> tuple[list[dict[str, float]], int]:
    with path.open() as log:
        log.seek(offset)
        text = log.read()
        offset = log.tell()
    rows = []
    for line in text.splitlines():
        if line.startswith("MARKS ") and "sent=" in line:
            rows.append({k: float(v) for k, v in (kv.split("=") for kv in line[6:].split())})
    return rows, offset


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--scenarios", default="one,spread,burst")
    parser.add_argument("--pool", action="store_true")
    parser.add_argument("--plain", action="store_true", help="uvicorn on asyncio's loop and h11")
    parser.add_argument("--no-event-log", action="store_true", help='THREADS["EVENT_LOG"] = False')
    parser.add_argument("--profile", action="store_true", help="cProfile the server; print its top functions")
    parser.add_argument(
        "--one-hop",
        action="store_true",
        help="serve through the one-hop mount (django_openai.asgi)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="the floor instead of the view: relay/, a plain Django view re-sending the upstream",
    )
    args = parser.parse_args()
    ensure_database()
    upstream_process, upstream = start_upstream()
    folder = Path(tempfile.mkdtemp())
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.sse_settings",
        BENCH_UPSTREAM=f"http://127.0.0.1:{upstream}/v1",
        BENCH_DIR=str(folder),
        BENCH_DATABASE_URL=DATABASE,
        BENCH_DB_POOL="1" if args.pool else "0",
        BENCH_EVENT_LOG="0" if args.no_event_log else "1",
        BENCH_ONE_HOP="1" if args.one_hop else "0",
        PYTHONPATH=str(ROOT),
    )
    session, ids = prepare(env, 100)
    port = free_port()
    log_path = folder / "server.log"
    log = log_path.open("w")
    profile = folder / "server.prof"
    command = [sys.executable] + (["-m", "cProfile", "-o", str(profile)] if args.profile else []) + [
        "-m", "uvicorn", "bench._sse_marks:app", "--host", "127.0.0.1",
        "--port", str(port), "--workers", "1", "--log-level", "warning", "--no-access-log",
    ] + (["--loop", "asyncio", "--http", "h11"] if args.plain else [])  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
    wait_for_port(port, server)
    cookie = f"cookie: sessionid={session}; csrftoken={CSRF}\r\nx-csrftoken: {CSRF}\r\n"
    direct = http_request(upstream, "/v1/chat/completions", UPSTREAM_BODY)
    offset = 0
    flavour = "on asyncio and h11" if args.plain else _flavour()
    print(
        f"load average before: {os.getloadavg()[0]:.2f}; uvicorn {flavour}; connection pool: {args.pool}; "
        f"event log: {not args.no_event_log}; one-hop mount: {args.one_hop}"
        + ("; the floor (relay/) instead of the view" if args.floor else "")
    )
    print(
        "| streams | upstream TTFT p50 / p99 | view TTFT p50 / p99 | added p50 / p99 | chunks/s per stream p50, "
        "upstream / view | errors | server CPU ms / stream |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    breakdowns = {}
    try:
        for scenario in args.scenarios.split(","):
            count, spread = (1, None) if scenario == "one" else (100, 1.0 if scenario == "spread" else 0.0)
            rounds = args.rounds if scenario == "one" else max(3, args.rounds // 5)
            up, view, up_rates, view_rates, errors, cpu = [], [], [], [], 0, 0.0
            for index in range(rounds + 1):  # the first round warms up
                done = asyncio.run(round_of([direct] * count, upstream, b'"content"', spread))
                threads = [ids[(index * count + i) % len(ids)] for i in range(count)]
                paths = ["/relay/"] * count if args.floor else [f"/chat/{t}/stream/" for t in threads]
                requests = [http_request(port, p, VIEW_BODY, cookie) for p in paths]
                before = cpu_seconds(server.pid)
                got = asyncio.run(round_of(requests, port, b"event: text.delta", spread))
                spent = cpu_seconds(server.pid) - before
                if index:
                    up += [first for first, _, _, error in done if not error]
                    up_rates += [rate for _, _, rate, error in done if not error]
                    view += [first for first, n, _, error in got if not error and n == 50]
                    view_rates += [rate for _, n, rate, error in got if not error and n == 50]
                    errors += sum(1 for _, n, _, error in got if error or n != 50)
                    cpu += spent / count
                rows, offset = read_marks(log_path, offset)
                if index:
                    breakdowns.setdefault(scenario, []).extend(rows)
            print(
                f"| {scenario} ({count}) | {pct(up, 50):.1f} / {pct(up, 99):.1f} ms | {pct(view, 50):.1f} / "
                f"{pct(view, 99):.1f} ms | {pct(view, 50) - pct(up, 50):+.1f} / {pct(view, 99) - pct(up, 99):+.1f} ms "
                f"| {percentile(up_rates, 50):.1f} / {percentile(view_rates, 50):.1f} | {errors} | {cpu / rounds * 1000:.1f} |"
            )
        print(f"load average after: {os.getloadavg()[0]:.2f}\n")
        print("Where the view's time to first token goes, p50 ms (server marks):\n")
        print("| part | " + " | ".join(breakdowns) + " |")
        print("| --- |" + " --- |" * len(breakdowns))
        for label, start, _, end in PARTS:
            cells = []
            for rows in breakdowns.values():
                spans = [r[end] - r[start] for r in rows if start in r and end in r]
                cells.append(f"{statistics.median(spans):.2f}" if spans else "-")
            print(f"| {label} | " + " | ".join(cells) + " |")
        for scenario, rows in breakdowns.items():
            spans = [r["sent"] for r in rows]
            core = [r["start_out"] - r["start_in"] for r in rows]
            print(f"{scenario}: arrival to first text sent p50 {statistics.median(spans):.2f} ms, of which run core "
                  f"p50 {statistics.median(core):.2f} ms")  # fmt: skip
    finally:
        server.send_signal(signal.SIGINT)  # uvicorn ends cleanly, and cProfile writes its file
        server.wait(20)
        log.close()
        errors = log_path.read_text()
        if "Traceback" in errors:
            print(errors[errors.find("Traceback") :][:3000], file=sys.stderr)
        upstream_process.terminate()
        upstream_process.wait(10)
    if args.profile:
        print_profile(profile, top=30)


def _flavour() -> str:
    import importlib.util

    found = [name for name in ("uvloop", "httptools") if importlib.util.find_spec(name)]
    return "with " + " and ".join(found) if found else "without uvloop and httptools"


if __name__ == "__main__":
    main()

"""The fake server under load: concurrent paced streams, errors, and how closely pacing is kept.

    python bench/fake_server_load.py [--levels 1,10,100,500] [--rounds 3]
                                     [--first-token-ms 200] [--token-ms 20] [--chunks 40]

The fake runs as ``python -m django_openai.testing`` in its own process (frozen clock, so only the
asked profile paces it). For each concurrency level, that many clients each keep one connection
open and stream ``--rounds`` chat completions one after the other on it (so rounds after the first
run on a reused connection, where Nagle's algorithm used to hold the first token back), each
asking ``X-Fake-Pacing: first_token_ms=.. token_ms=.. chunks=..``. Clients start spread over one
stream's duration, so the load is steady rather than one burst. The load generator is a plain
asyncio HTTP/1.1 reader, as light as it can be; its own CPU is reported (a saturated generator
makes the server look late).

Time to first token (TTFT) is from writing the request to the first chunk with text; a gap is the
time between two text chunks. CPU is a share of one core over the level's wall time; the server's
CPU per text chunk (everything it did, divided by the text chunks delivered) does not depend on how
busy the machine is, and tells how many streams one core can pace. Prints a table; nothing here is
a test.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Results:
    streams: int = 0
    errors: list[str] = field(default_factory=list)
    ttft: list[float] = field(default_factory=list)
    ttft_reused: list[float] = field(default_factory=list)
    gaps: list[float] = field(default_factory=list)
    chunks: int = 0


def start_fake() -> tuple[subprocess.Popen[str], str, int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "django_openai.testing", "--port", "0", "--frozen-clock"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    found = re.search(r"http://([\d.]+):(\d+)/v1", proc.stdout.readline())
    assert found, "the fake did not start"
    return proc, found.group(1), int(found.group(2))


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def request_bytes(host: str, profile: str) -> bytes:
    body = json.dumps(
        {
            "model": "gpt-4.1-mini",
            "messages": [{"role": "user", "content": "Benchmark the fake server, please."}],
            "stream": True,
        }
    ).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n"
        f"x-fake-pacing: {profile}\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def read_stream(reader: asyncio.StreamReader, sent: float) -> tuple[list[float], bool]:
    """Arrival times of the chunks that carry text; whether [DONE] came."""
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
    arrivals: list[float] = []
    done = False
    while True:
        size = int((await reader.readline()).strip(), 16)
        if size == 0:
            await reader.readline()
            return arrivals, done
        chunk = await reader.readexactly(size)
        await reader.readline()
        now = time.perf_counter() - sent
        # One SSE event per chunk; a text delta is '"content": "<something>"' (the role chunk's is "").
        if b'"content": "' in chunk and b'"content": ""' not in chunk:
            arrivals.append(now)
        elif chunk.startswith(b"data: [DONE]"):
            done = True


async def client(
    host: str, port: int, payload: bytes, rounds: int, delay: float, timeout: float, results: Results
) -> None:
    await asyncio.sleep(delay)
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, TimeoutError) as exc:
        results.errors.append(f"connect: {exc!r}")
        return
    try:
        for round_ in range(rounds):
            results.streams += 1
            sent = time.perf_counter()
            writer.write(payload)
            try:
                arrivals, done = await asyncio.wait_for(read_stream(reader, sent), timeout)
            except (OSError, TimeoutError, RuntimeError, asyncio.IncompleteReadError) as exc:
                results.errors.append(repr(exc))
                return
            if not done or not arrivals:
                results.errors.append("stream ended early")
                return
            (results.ttft_reused if round_ else results.ttft).append(arrivals[0])
            results.gaps.extend(b - a for a, b in itertools.pairwise(arrivals))
            results.chunks += len(arrivals)
    finally:
        writer.close()


async def level(host: str, port: int, concurrency: int, args: argparse.Namespace) -> Results:
    profile = f"first_token_ms={args.first_token_ms} token_ms={args.token_ms} chunks={args.chunks}"
    payload = request_bytes(host, profile)
    stream_seconds = (args.first_token_ms + (args.chunks - 1) * args.token_ms) / 1000
    rng = random.Random(concurrency)
    results = Results()
    await asyncio.gather(
        *(
            client(
                host,
                port,
                payload,
                args.rounds,
                rng.uniform(0, stream_seconds) if concurrency > 1 else 0.0,
                args.timeout,
                results,
            )
            for _ in range(concurrency)
        )
    )
    return results


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--levels", default="1,10,100,500")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--first-token-ms", type=int, default=200)
    parser.add_argument("--token-ms", type=int, default=20)
    parser.add_argument("--chunks", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    load_before = Path("/proc/loadavg").read_text().split()[0]
    # The load generator's own garbage collections would stop its loop and count against the
    # server (a late first token, a long gap): it runs without them; a level makes little garbage.
    gc.disable()
    proc, host, port = start_fake()
    rows = []
    try:
        for concurrency in [int(n) for n in args.levels.split(",")]:
            server_cpu, own_cpu, wall = cpu_seconds(proc.pid), own_cpu_seconds(), time.perf_counter()
            results = asyncio.run(level(host, port, concurrency, args))
            wall = time.perf_counter() - wall
            server_cpu, own_cpu = cpu_seconds(proc.pid) - server_cpu, own_cpu_seconds() - own_cpu
            ttft = [t * 1000 for t in results.ttft + results.ttft_reused]
            reused = [t * 1000 for t in results.ttft_reused]
            gaps = [g * 1000 for g in results.gaps]
            rows.append(
                [
                    f"{concurrency}",
                    f"{results.streams}",
                    f"{len(results.errors)}",
                    f"{pct(ttft, 0.5):.1f} / {pct(ttft, 0.99):.1f}",
                    f"{pct(reused, 0.5):.1f}",
                    f"{pct(gaps, 0.5):.1f} / {pct(gaps, 0.99):.1f}",
                    f"{results.chunks / wall:,.0f}",
                    f"{100 * own_cpu / wall:.0f}%",
                    f"{100 * server_cpu / wall:.0f}%",
                    f"{1e6 * server_cpu / max(1, results.chunks):.0f}",
                ]
            )
            if results.errors:
                print(f"  {concurrency}: first errors: {results.errors[:3]}", file=sys.stderr)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    asked = f"asked: first token {args.first_token_ms} ms, then {args.chunks - 1} gaps of {args.token_ms} ms"
    load_after = Path("/proc/loadavg").read_text().split()[0]
    print(f"fake server load — {asked}, {args.rounds} streams per connection")
    print(f"{os.cpu_count()} cores; 1-minute load average {load_before} before, {load_after} after")
    header = [
        "concurrency",
        "streams",
        "errors",
        f"TTFT p50 / p99 ms (asked {args.first_token_ms})",
        "TTFT p50 reused conn",
        f"gap p50 / p99 ms (asked {args.token_ms})",
        "text chunks/s",
        "load generator CPU",
        "fake server CPU",
        "server CPU µs / text chunk",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()

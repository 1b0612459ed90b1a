"""Client overhead: this client vs the official ``openai`` SDK vs raw httpx, in one run.

    python bench/client_overhead.py [--requests 4000] [--concurrent 5000] [--events 20000]

Against one loopback server (``bench/_server.py``, a separate process): sequential sync
requests/s, 64-way concurrent async requests/s (both in interleaved rounds, median reported), SSE
events/s decoded, import time and RSS.
Prints a table; nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MESSAGES = [{"role": "user", "content": "Say hello"}]
#: Request rates are measured in rounds, the three clients taking turns in a rotating order, and
#: the median round is reported: the machine's own drift then weighs on all three alike.
ROUNDS = 10


def _rotated(names: list[str], by: int) -> list[str]:
    by %= len(names)
    return names[by:] + names[:by]


def start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, str(HERE / "_server.py")], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = proc.stdout.readline().strip()
    return proc, f"http://127.0.0.1:{port}/v1"


def import_cost(module: str, runs: int = 7) -> tuple[float, float]:
    """Median wall time of ``import module`` in a fresh interpreter, and the RSS after it (MB)."""
    code = (
        "import time, resource; t = time.perf_counter(); import " + module + "; "
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    times, rss = [], []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        ).stdout
        seconds, kb = out.split()
        times.append(float(seconds))
        rss.append(int(kb) / 1024)
    return statistics.median(times) * 1000, statistics.median(rss)


def sync_rps(base_url: str, n: int) -> dict[str, float]:
    import httpx
    import openai

    from django_openai.client import OpenAI

    results: dict[str, float] = {}
    body = {"model": "gpt-4.1-mini", "messages": MESSAGES}

    with (
        OpenAI(api_key="sk-bench", base_url=base_url, max_retries=0) as ours,
        openai.OpenAI(api_key="sk-bench", base_url=base_url, max_retries=0) as sdk,
        httpx.Client(base_url=base_url, headers={"Authorization": "Bearer sk-bench"}) as raw,
    ):
        calls = {
            "django_openai": lambda: ours.chat.completions.create(**body).choices[0].message.content,
            "openai SDK": lambda: sdk.chat.completions.create(**body).choices[0].message.content,
            "raw httpx": lambda: json.loads(raw.post("/chat/completions", content=json.dumps(body)).content)[
                "choices"
            ][0],
        }
        for call in calls.values():
            for _ in range(50):
                call()
        rates: dict[str, list[float]] = {name: [] for name in calls}
        for round_ in range(ROUNDS):
            for name in _rotated(list(calls), round_):
                start = time.perf_counter()
                for _ in range(n // ROUNDS):
                    calls[name]()
                rates[name].append(n // ROUNDS / (time.perf_counter() - start))
        results = {name: statistics.median(values) for name, values in rates.items()}
    return results


def async_rps(base_url: str, n: int, width: int = 64) -> dict[str, float]:
    import httpx
    import openai

    from django_openai.client import AsyncOpenAI

    body = {"model": "gpt-4.1-mini", "messages": MESSAGES}

    async def run(make_call, count: int) -> float:  # type: ignore[no-untyped-def]
        gate = asyncio.Semaphore(width)

        async def one() -> None:
            async with gate:
                await make_call()

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(count)))
        return count / (time.perf_counter() - start)

    async def main() -> dict[str, float]:
        limits = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
        async with (
            AsyncOpenAI(api_key="sk-bench", base_url=base_url, max_retries=0) as ours,
            openai.AsyncOpenAI(api_key="sk-bench", base_url=base_url, max_retries=0) as sdk,
            httpx.AsyncClient(
                base_url=base_url, limits=limits, headers={"Authorization": "Bearer sk-bench"}
            ) as raw,
        ):

            async def raw_call() -> None:
                response = await raw.post("/chat/completions", content=json.dumps(body))
                json.loads(response.content)

            calls = {
                "django_openai": lambda: ours.chat.completions.create(**body),
                "openai SDK": lambda: sdk.chat.completions.create(**body),
                "raw httpx": raw_call,
            }
            for call in calls.values():
                await run(call, 100)
            rates: dict[str, list[float]] = {name: [] for name in calls}
            for round_ in range(ROUNDS):
                for name in _rotated(list(calls), round_):
                    rates[name].append(await run(calls[name], n // ROUNDS))
            return {name: statistics.median(values) for name, values in rates.items()}

    return asyncio.run(main())


def sse_eps(base_url: str, events: int) -> dict[str, float]:
    import httpx
    import openai

    from django_openai.client import OpenAI

    body = {"model": "gpt-4.1-mini", "messages": MESSAGES, "stream": True}
    query = {"events": str(events)}

    def timed(fn) -> float:  # type: ignore[no-untyped-def]
        best = 0.0
        for _ in range(3):
            start = time.perf_counter()
            count = fn()
            assert count == events, count
            best = max(best, count / (time.perf_counter() - start))
        return best

    results = {}
    with OpenAI(api_key="sk-bench", base_url=base_url, max_retries=0) as ours:
        results["django_openai"] = timed(
            lambda: sum(1 for _ in ours.chat.completions.create(extra_query=query, **body))
        )
    with openai.OpenAI(api_key="sk-bench", base_url=base_url, max_retries=0) as sdk:
        results["openai SDK"] = timed(
            lambda: sum(1 for _ in sdk.chat.completions.create(extra_query=query, **body))
        )
    with httpx.Client(base_url=base_url) as raw:

        def raw_stream() -> int:
            count = 0
            with raw.stream("POST", "/chat/completions", params=query, content=json.dumps(body)) as response:
                for line in response.iter_lines():
                    if line.startswith("data: ") and line != "data: [DONE]":
                        json.loads(line[6:])
                        count += 1
            return count

        results["raw httpx"] = timed(raw_stream)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrent", type=int, default=5000)
    parser.add_argument("--events", type=int, default=20000)
    args = parser.parse_args()

    imports = {
        name: import_cost(mod)
        for name, mod in [
            ("django_openai", "django_openai.client"),
            ("openai SDK", "openai"),
            ("raw httpx", "httpx"),
        ]
    }
    server, base_url = start_server()
    try:
        seq = sync_rps(base_url, args.requests)
        conc = async_rps(base_url, args.concurrent)
        sse = sse_eps(base_url, args.events)
    finally:
        server.terminate()

    names = ["django_openai", "openai SDK", "raw httpx"]
    print(
        f"\nPython {sys.version.split()[0]}, {os.cpu_count()} cores; loopback server in a separate process\n"
    )
    print(f"| {'metric':<34} | " + " | ".join(f"{n:>13}" for n in names) + " | ours/SDK | ours/httpx |")
    print("|" + "-" * 36 + "|" + "|".join("-" * 15 for _ in names) + "|----------|------------|")

    def row(label: str, values: dict[str, float], fmt: str, higher_is_better: bool = True) -> None:
        ours, sdk, raw = (values[n] for n in names)
        cells = " | ".join(f"{values[n]:>13{fmt}}" for n in names)
        print(f"| {label:<34} | {cells} | {ours / sdk:>7.2f}x | {ours / raw:>9.2f}x |")

    row(f"sync requests/s ({args.requests} sequential)", seq, ",.0f")
    row("async requests/s (64 concurrent)", conc, ",.0f")
    row(f"SSE events/s ({args.events} chunks)", sse, ",.0f")
    row("import time (ms, median of 7)", {n: imports[n][0] for n in names}, ".0f")
    row("RSS after import (MB)", {n: imports[n][1] for n in names}, ".1f")


if __name__ == "__main__":
    main()

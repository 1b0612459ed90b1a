"""The gateway's relay under load: added time to first token and chunks relayed per second.

    python bench/gateway_relay.py [--sequential 20] [--targets direct,asgi,include,litellm] [--profile]

An upstream (``bench/_paced_upstream.py``, plain asyncio, its own process) streams 50 chunks 20 ms
apart, the first at 50 ms, then a usage chunk. The same streams go to it directly and through:
the gateway's ASGI mount and its Django include mount (uvicorn, one worker, the six stock
middlewares of a new project; SQLite in a temporary folder unless ``BENCH_DATABASE_URL``; limits in
Redis with ``BENCH_REDIS_URL``), and LiteLLM's proxy when installed in its own virtualenv
(``BENCH_LITELLM=/path/to/litellm``, or ``/work/venvs/litellm/bin/litellm``).

A byte-forwarding asyncio relay (``bench/_floor_relay.py``: no Django, no HTTP parsing) runs
the same streams at the same moment: the floor, on whatever the machine gives at that moment.

Scenarios: streams one at a time; 100 streams whose starts are spread over one second (any steady
100 open streams); 500 streams started at once. The load generator is a bare asyncio protocol in
this process (its CPU time is reported: it must not be the bottleneck). Prints a table; nothing
here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODEL = "gpt-4.1-mini"
BODY = json.dumps(
    {
        "model": MODEL,
        "messages": [{"role": "user", "content": "Stream me fifty tokens"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
).encode()
USAGE = re.compile(rb'"usage"\s*:\s*\{')
TICK = os.sysconf("SC_CLK_TCK")


# -- the load generator ---------------------------------------------------------------------------


@dataclass
class StreamResult:
    ttft: float | None = None
    duration: float | None = None
    chunks: int = 0
    usage: bool = False
    error: str | None = None


class StreamProtocol(asyncio.Protocol):
    """One streamed request on its own connection; counts SSE events as they arrive."""

    def __init__(self, request: bytes, done: asyncio.Future[StreamResult]) -> None:
        self.request = request
        self.done = done
        self.result = StreamResult()
        self.head = b""
        self.status: int | None = None
        self.tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.started = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        if self.status is None:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            self.status = int(self.head[9:12])
            data = self.head[end + 4 :]
            if self.status != 200:
                self._finish(f"HTTP {self.status}")
                return
        events = data.count(b"data: ")
        if events and self.result.ttft is None:
            self.result.ttft = time.perf_counter() - self.started
        self.result.chunks += events
        window = self.tail + data
        if not self.result.usage and USAGE.search(window):
            self.result.usage = True
        if b"[DONE]" in window:
            self.result.duration = time.perf_counter() - self.started
            self._finish(None)
        self.tail = data[-64:]

    def connection_lost(self, exc: Exception | None) -> None:
        self._finish(f"connection lost: {exc}")

    def _finish(self, error: str | None) -> None:
        if self.done.done():
            return
        self.result.error = error
        self.done.set_result(self.result)
        self.transport.close()


async def one_stream(port: int, request: bytes, timeout: float = 60.0) -> StreamResult:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[StreamResult] = loop.create_future()
    try:
        await loop.create_connection(lambda: StreamProtocol(request, done), "127.0.0.1", port)
        return await asyncio.wait_for(done, timeout)
    except (OSError, TimeoutError) as exc:
        return StreamResult(error=f"{type(exc).__name__}: {exc}")


def build_request(port: int, key: str) -> bytes:
    return (
        f"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nauthorization: Bearer {key}\r\n"
        f"content-type: application/json\r\ncontent-length: {len(BODY)}\r\nconnection: close\r\n\r\n"
    ).encode() + BODY


@dataclass
class Scenario:
    name: str
    count: int
    spread: float  # seconds over which the starts are spread (0: one at a time when count is sequential)
    sequential: bool = False


@dataclass
class Measure:
    results: list[StreamResult] = field(default_factory=list)
    wall: float = 0.0
    loadgen_cpu: float = 0.0
    server_cpu: float | None = None
    server_rss_mb: float | None = None

    @property
    def ok(self) -> list[StreamResult]:
        return [r for r in self.results if r.error is None]

    def ttft_ms(self, q: float) -> float:
        values = sorted(r.ttft for r in self.ok if r.ttft is not None)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, round(q * (len(values) - 1)))] * 1000

    @property
    def chunks_per_second(self) -> float:
        return sum(r.chunks for r in self.results) / self.wall if self.wall else 0.0


async def run_scenario(port: int, key: str, scenario: Scenario) -> Measure:
    request = build_request(port, key)
    measure = Measure()
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    if scenario.sequential:
        for _ in range(scenario.count):
            measure.results.append(await one_stream(port, request))
    else:

        async def delayed(delay: float) -> StreamResult:
            await asyncio.sleep(delay)
            return await one_stream(port, request)

        step = scenario.spread / scenario.count
        measure.results = list(await asyncio.gather(*(delayed(i * step) for i in range(scenario.count))))
    measure.wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    measure.loadgen_cpu = (after.ru_utime + after.ru_stime) - (cpu.ru_utime + cpu.ru_stime)
    return measure


# -- processes ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def process_tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    total = 0.0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def rss_mb(pid: int) -> float:
    total = 0
    for member in process_tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class Server:
    def __init__(self, command: list[str], env: dict[str, str], port: int, cwd: Path = ROOT) -> None:
        self.port = port
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        wait_for_port(port, self.process)

    def stop(self) -> str:
        try:
            os.killpg(self.process.pid, signal.SIGINT)
            self.process.wait(20)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        return (self.process.stderr.read() if self.process.stderr else b"").decode(errors="replace")


def start_upstream() -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, str(HERE / "_paced_upstream.py")], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def gateway_env(upstream_port: int, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.gateway_settings",
        BENCH_UPSTREAM=f"http://127.0.0.1:{upstream_port}/v1",
        BENCH_DIR=str(folder),
        PYTHONPATH=str(ROOT),
    )
    return env


def prepare_gateway(env: dict[str, str]) -> str:
    code = (
        "import django; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from django.contrib.auth import get_user_model; from django_openai.services.gateway_keys import create_key;"
        "user, _ = get_user_model().objects.get_or_create(username='bench');"
        "print(create_key(user, name='bench')[1])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def start_gateway(mount: str, env: dict[str, str], profile: Path | None) -> Server:
    port = free_port()
    command = [sys.executable]
    if profile is not None:
        command += ["-m", "cProfile", "-o", str(profile)]
    command += [
        "-m", "uvicorn", f"bench.gateway_app:{mount}", "--host", "127.0.0.1", "--port", str(port),
        "--workers", "1", "--log-level", "warning", "--no-access-log", "--backlog", "4096",
    ]  # fmt: skip
    return Server(command, env, port)


def litellm_executable() -> str | None:
    candidate = os.environ.get("BENCH_LITELLM") or "/work/venvs/litellm/bin/litellm"
    return (
        candidate
        if Path(candidate).exists()
        else shutil.which("litellm")
        if not os.environ.get("BENCH_LITELLM")
        else None
    )


def start_litellm(executable: str, upstream_port: int, folder: Path) -> tuple[Server, str]:
    master = "sk-" + secrets.token_hex(16)
    config = folder / "litellm.yaml"
    config.write_text(
        "model_list:\n"
        f"  - model_name: {MODEL}\n"
        "    litellm_params:\n"
        f"      model: openai/{MODEL}\n"
        f"      api_base: http://127.0.0.1:{upstream_port}/v1\n"
        "      api_key: sk-bench-upstream\n"
        f"general_settings:\n  master_key: {master}\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTHONPATH")}
    env.update(LITELLM_LOCAL_MODEL_COST_MAP="True", LITELLM_MASTER_KEY=master, LITELLM_LOG="ERROR")
    port = free_port()
    command = [
        executable,
        "--config",
        str(config),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--num_workers",
        "1",
    ]
    return Server(command, env, port, cwd=folder), master


def litellm_version(executable: str) -> str:
    python = Path(executable).with_name("python")
    try:
        out = subprocess.run(
            [str(python), "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        return out.stdout.strip() or "?"
    except OSError:
        return "?"


# -- the run -----------------------------------------------------------------------------------------


def measure_target(port: int, key: str, scenarios: list[Scenario], pid: int | None) -> dict[str, Measure]:
    async def go() -> dict[str, Measure]:
        # Warm up: connections, caches, the key lookup, lazy imports.
        await run_scenario(port, key, Scenario("warm-up", 20, 0.2))
        results: dict[str, Measure] = {}
        for scenario in scenarios:
            cpu_before = cpu_seconds(pid) if pid else None
            measure = await run_scenario(port, key, scenario)
            if pid:
                measure.server_cpu = cpu_seconds(pid) - (cpu_before or 0.0)
                measure.server_rss_mb = rss_mb(pid)
            results[scenario.name] = measure
            await asyncio.sleep(0.5)  # let the usage of the last streams be written
        return results

    return asyncio.run(go())


def print_table(results: dict[str, dict[str, Measure]], scenarios: list[Scenario]) -> None:
    direct = results.get("direct", {})
    header = (
        f"| {'target':<18} | {'streams':<24} | {'TTFT p50':>8} | {'TTFT p99':>8} | {'added p50':>9} | "
        f"{'added p99':>9} | {'chunks/s':>8} | {'errors':>6} | {'usage':>7} | {'server CPU':>10} | "
        f"{'RSS MB':>6} | {'loadgen CPU':>11} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for target, measures in results.items():
        for scenario in scenarios:
            m = measures.get(scenario.name)
            if m is None:
                continue
            base = direct.get(scenario.name)
            added50 = m.ttft_ms(0.5) - base.ttft_ms(0.5) if base and target != "direct" else float("nan")
            added99 = m.ttft_ms(0.99) - base.ttft_ms(0.99) if base and target != "direct" else float("nan")
            errors = len(m.results) - len(m.ok)
            with_usage = sum(1 for r in m.ok if r.usage)
            server_cpu = f"{m.server_cpu / m.wall * 100:.0f}%" if m.server_cpu is not None else "-"
            rss = f"{m.server_rss_mb:.0f}" if m.server_rss_mb is not None else "-"
            print(
                f"| {target:<18} | {scenario.name:<24} | {m.ttft_ms(0.5):8.1f} | {m.ttft_ms(0.99):8.1f} | "
                f"{added50:+9.1f} | {added99:+9.1f} | {m.chunks_per_second:8,.0f} | {errors:>6} | "
                f"{with_usage:>3}/{len(m.results):<3} | {server_cpu:>10} | {rss:>6} | "
                f"{m.loadgen_cpu / m.wall * 100:10.0f}% |"
            )


def print_profile(path: Path, top: int = 25) -> None:
    import pstats

    print(f"\nprofile of the gateway ({path.name}), by own time:")
    pstats.Stats(str(path)).sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequential", type=int, default=20, help="streams one at a time")
    parser.add_argument("--targets", default="direct,floor,asgi,include,litellm")
    parser.add_argument("--scenarios", default="1,100,500")
    parser.add_argument("--profile", action="store_true", help="run the gateway under cProfile and print it")
    args = parser.parse_args()
    wanted = args.scenarios.split(",")
    scenarios = [
        s
        for s in (
            Scenario("1 at a time", args.sequential, 0, sequential=True),
            Scenario("100, starts over 1 s", 100, 1.0),
            Scenario("500 at once", 500, 0.0),
        )
        if s.name.split()[0].split(",")[0] in wanted
    ]
    targets = args.targets.split(",")
    folder = Path(tempfile.mkdtemp(prefix="gateway-bench-"))
    upstream, upstream_port = start_upstream()
    notes: list[str] = []
    results: dict[str, dict[str, Measure]] = {}
    try:
        env = gateway_env(upstream_port, folder)
        key = prepare_gateway(env)
        for target in targets:
            if target == "direct":
                results[target] = measure_target(upstream_port, "sk-bench", scenarios, None)
            elif target == "floor":
                floor = subprocess.Popen(
                    [sys.executable, str(HERE / "_floor_relay.py"), str(upstream_port)],
                    stdout=subprocess.PIPE,
                    text=True,
                )
                assert floor.stdout is not None
                try:
                    port = int(floor.stdout.readline())
                    results["asyncio byte relay"] = measure_target(port, "sk-bench", scenarios, floor.pid)
                finally:
                    floor.terminate()
                    floor.wait()
            elif target in ("asgi", "include"):
                profile = folder / f"{target}.prof" if args.profile else None
                mount = "asgi_mount" if target == "asgi" else "include_mount"
                server = start_gateway(mount, env, profile)
                try:
                    results[f"gateway ({target})"] = measure_target(
                        server.port, key, scenarios, server.process.pid
                    )
                finally:
                    errors = server.stop()
                    if "Traceback" in errors:
                        notes.append(f"{target}: server errors:\n{errors[-3000:]}")
                if profile is not None and profile.exists():
                    print_profile(profile)
            elif target == "litellm":
                executable = litellm_executable()
                if executable is None:
                    notes.append(
                        "LiteLLM skipped: not installed (set BENCH_LITELLM or install it in /work/venvs/litellm)"
                    )
                    continue
                server, master = start_litellm(executable, upstream_port, folder)
                try:
                    name = f"LiteLLM {litellm_version(executable)}"
                    results[name] = measure_target(server.port, master, scenarios, server.process.pid)
                finally:
                    server.stop()
    finally:
        upstream.terminate()
        upstream.wait()
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(folder, ignore_errors=True)
    print(
        f"\nupstream: 50 chunks 20 ms apart, first at 50 ms; uvicorn one worker "
        f"({_server_flavour()}); Python {sys.version.split()[0]}\n"
    )
    print_table(results, scenarios)
    for note in notes:
        print(f"\nnote: {note}")


def _server_flavour() -> str:
    parts = []
    for module, label in (("uvloop", "uvloop"), ("httptools", "httptools")):
        try:
            __import__(module)
            parts.append(label)
        except ImportError:
            parts.append(f"no {label}")
    return ", ".join(parts)


if __name__ == "__main__":
    main()

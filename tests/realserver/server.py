"""llama.cpp's llama-server on loopback, serving the tiny model, for tests against a real server.

The binary is found, in order: the path in $DJANGO_OPENAI_LLAMA_SERVER (it must exist), the newest
build in the cache that .ci/llama_server.sh fills (~/.cache/django-openai/llama-server-*/), or
llama-server on PATH. See docs/testing.md.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ENV_BINARY = "DJANGO_OPENAI_LLAMA_SERVER"
MODEL_ALIAS = "tiny-greeter"
API_KEY = "sk-llama-local-0123456789"
CONTEXT = 8192
STARTUP_TIMEOUT = 60.0


class BinaryMissingError(RuntimeError):
    """$DJANGO_OPENAI_LLAMA_SERVER names a file that is not there: a broken setup, not a skip."""


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "django-openai"


def find_binary() -> Path | None:
    configured = os.environ.get(ENV_BINARY)
    if configured:
        path = Path(configured)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise BinaryMissingError(f"${ENV_BINARY}={configured} is not an executable file")
        return path
    builds = [p for p in cache_root().glob("llama-server-*/bin/llama-server") if os.access(p, os.X_OK)]
    if builds:
        return max(builds, key=lambda p: p.stat().st_mtime)
    found = shutil.which("llama-server")
    return Path(found) if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LlamaServer:
    binary: Path
    model_path: Path
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    api_key = API_KEY
    model = MODEL_ALIAS

    def start(self) -> None:
        command = [
            str(self.binary),
            "--model", str(self.model_path),
            "--alias", MODEL_ALIAS,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--api-key", API_KEY,
            # Chat templates through Jinja: needed for tools.
            "--jinja",
            "--ctx-size", str(CONTEXT),
            # One slot: a request that the server failed to cancel would hold up the next one.
            "--parallel", "1",
            "--threads", "1",
            "--metrics",
            "--no-webui",
            "--no-warmup",
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama-server exited with {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.root_url}/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"llama-server was not healthy within {STARTUP_TIMEOUT:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # Monitoring endpoints of llama-server, outside the OpenAI API.
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {API_KEY}"}

    def is_busy(self) -> bool:
        slots = httpx.get(f"{self.root_url}/slots", headers=self._headers(), timeout=5).json()
        return any(slot["is_processing"] for slot in slots)

    def tokens_predicted_total(self) -> int:
        """The server's own count of every token it has generated (Prometheus metrics)."""
        text = httpx.get(f"{self.root_url}/metrics", headers=self._headers(), timeout=5).text
        for line in text.splitlines():
            if line.startswith("llamacpp:tokens_predicted_total "):
                return int(float(line.split()[1]))
        raise AssertionError(f"no llamacpp:tokens_predicted_total in /metrics:\n{text}")

    def wait_until_idle(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.is_busy():
            if time.monotonic() > deadline:
                raise AssertionError(f"llama-server still busy after {timeout:.0f}s")
            time.sleep(0.05)

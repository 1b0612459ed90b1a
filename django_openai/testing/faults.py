"""Fault injection, programmable per route from tests, the CLI or the control API.

    fake.faults.add("POST", "/chat/completions", status=429, times=2, headers={"retry-after": "1"})
    fake.faults.add("POST", "/chat/completions", stream_error_after=3)
    fake.faults.add("POST", "/uploads/*/parts", status=500, skip=2)  # the third part on fails

A fault matches a method and a path (``*`` in the path matches one segment; the ``/v1`` prefix is
optional) and applies to the next ``times`` matching requests (``None``: every one).
"""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Fault:
    method: str
    path: str
    #: Answer this status instead (with ``headers`` and an OpenAI error body, or ``body``).
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    #: Answer with this stream instead: events (dicts, or ``(name, dict)`` for an ``event:`` line),
    #: then ``[DONE]`` unless ``stream_done`` is false (the Responses API sends none).
    stream: list[Any] | None = None
    stream_done: bool = True
    #: How many matching requests this fault applies to; None = all of them.
    times: int | None = None
    #: How many matching requests pass untouched before the fault applies (a failure mid-way).
    skip: int = 0
    #: Seconds before the first byte of the response.
    delay: float = 0.0
    #: Seconds between stream chunks.
    chunk_delay: float = 0.0
    #: Close the connection abruptly after this many body bytes.
    reset_after_bytes: int | None = None
    #: End a stream after this many events, without ``[DONE]``.
    cut_stream_after: int | None = None
    #: Send an ``error`` event after this many stream events.
    stream_error_after: int | None = None
    #: Answer 200 with a body that is not JSON.
    malformed_json: bool = False
    #: Send the body one byte at a time.
    drip: bool = False
    hits: int = 0
    skipped: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method not in ("*", method.upper()):
            return False
        pattern = "^" + re.escape(self.path.removeprefix("/v1")).replace(r"\*", "[^/]+") + "$"
        return re.match(pattern, path.removeprefix("/v1")) is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_FIELDS = set(Fault.__dataclass_fields__)


class FaultPlan:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, method: str, path: str, **options: Any) -> Fault:
        unknown = set(options) - _FIELDS
        if unknown:
            raise ValueError(f"unknown fault options: {', '.join(sorted(unknown))}")
        fault = Fault(method.upper(), path, **options)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first active fault for this request, counting the hit."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path) and (fault.times is None or fault.hits < fault.times):
                    if fault.skipped < fault.skip:
                        fault.skipped += 1
                        continue
                    fault.hits += 1
                    return fault
        return None

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_dict() for f in self._faults]


def parse_cli_fault(text: str) -> tuple[str, str, dict[str, Any]]:
    """``"POST /v1/chat/completions status=429 times=2 retry-after=1"`` -> add() arguments."""
    method, path, *pairs = text.split()
    options: dict[str, Any] = {}
    headers: dict[str, str] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key in ("retry-after", "retry-after-ms", "x-should-retry"):
            headers[key] = value
        elif key in ("malformed_json", "drip"):
            options[key] = value.lower() in ("1", "true", "yes", "")
        elif key in ("delay", "chunk_delay"):
            options[key] = float(value)
        elif key in _FIELDS:
            options[key] = int(value) if value.lstrip("-").isdigit() else value
        else:
            raise ValueError(f"unknown fault option {key!r}")
    if headers:
        options["headers"] = headers
    return method, path, options

"""The fake's state: its objects, its clock, its ids and its data directory.

Endpoint handlers receive a :class:`FakeState` and nothing else of the fake; ``FakeOpenAI``
(``fake.py``) extends it with dispatch, faults and the control API, so imports point one way:
``fake -> endpoints -> state -> wire`` (see docs/testing.md, "How the fake is built").
"""

from __future__ import annotations

import itertools
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

from . import webhooks
from .clock import Clock
from .content import digest
from .routing import Router
from .wire import FakeRequest, FakeResponse

#: Simulated processing time of one batch line on a frozen clock (tests advance it by hand).
BATCH_SECONDS_PER_LINE = 0.0005
#: On a real-time clock: slow enough that a poller sees a batch's progress move item by item.
REAL_TIME_BATCH_SECONDS_PER_LINE = 0.5


class FakeState:
    def __init__(
        self,
        *,
        clock: Clock | None = None,
        data_dir: str | Path | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        id_seed: str | None = None,
        batch_seconds_per_line: float | None = None,
        file_processing_seconds: float = 0.0,
    ) -> None:
        self.clock = clock or Clock()
        # What reset() returns to (None: the clock's default).
        self._configured_batch_seconds = batch_seconds_per_line
        self._configured_file_seconds = file_processing_seconds
        # Ids differ between fake instances (a restarted fake must not reuse ids a database already
        # holds); pass id_seed for ids that repeat from run to run. Content never depends on it.
        self.id_seed = id_seed if id_seed is not None else uuid.uuid4().hex
        # Nothing is written where the fake was started from: a temporary directory unless told.
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="fake-openai-")
        self.data_dir = Path(data_dir or self._tmp.name)  # type: ignore[union-attr]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        #: The routes, for requests the fake makes to itself (a batch runs its lines through them).
        self.router = Router()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests: list[FakeRequest] = []
            self.files: dict[str, dict[str, Any]] = {}
            self.uploads: dict[str, dict[str, Any]] = {}
            self.batches: dict[str, dict[str, Any]] = {}
            self.jobs: dict[str, dict[str, Any]] = {}
            self.responses: dict[str, dict[str, Any]] = {}
            self.conversations: dict[str, dict[str, Any]] = {}
            self.chat_completions: dict[str, dict[str, Any]] = {}
            self.vector_stores: dict[str, dict[str, Any]] = {}
            self.fine_tuned_models: dict[str, dict[str, Any]] = {}
            self._counter = itertools.count(1)
            self._batch_seconds_per_line = self._configured_batch_seconds
            #: Seconds (on the clock) a new file stays "uploaded" before it is "processed".
            self.file_processing_seconds = self._configured_file_seconds
            self.webhooks_sent: list[dict[str, Any]] = []
            # Only what the fake itself wrote (file contents, named by file id): a --data-dir may
            # be a directory that holds other things too.
            for path in self.data_dir.glob("file-*"):
                path.unlink(missing_ok=True)

    @property
    def batch_seconds_per_line(self) -> float:
        """Simulated processing time of one batch line (raise it to make a batch outlive 24 h)."""
        if self._batch_seconds_per_line is not None:
            return self._batch_seconds_per_line
        return REAL_TIME_BATCH_SECONDS_PER_LINE if self.clock.real else BATCH_SECONDS_PER_LINE

    @batch_seconds_per_line.setter
    def batch_seconds_per_line(self, seconds: float) -> None:
        self._batch_seconds_per_line = seconds

    def new_id(self, prefix: str) -> str:
        n = next(self._counter)
        return f"{prefix}{digest(self.id_seed, prefix, n).hex()[:24]}"

    def now(self) -> int:
        return self.clock.timestamp()

    def call(self, method: str, path: str, body: dict[str, Any]) -> FakeResponse:
        """Run a JSON request through the fake's own handlers (no faults, no request log)."""
        handler, params = self.router.match(method, path)
        request = FakeRequest(method, "/v1" + path, {}, {"content-type": "application/json"}, _json=body)
        return handler(self, request, **params)

    def notify(self, event_type: str, object_id: str) -> None:
        """A job reached a final state: record a signed webhook (and POST it, given a URL)."""
        webhooks.notify(self, event_type, object_id)

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

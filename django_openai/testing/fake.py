"""The fake OpenAI API: state, routing and the request/response shapes shared by both modes.

``FakeOpenAI.handle(request)`` is a pure step from a :class:`FakeRequest` to a
:class:`FakeResponse`; the loopback HTTP server (``server.py``) and the in-process httpx
transport (``transport()``) both call it, so both modes behave the same.
"""

from __future__ import annotations

import itertools
import json
import re
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from .clock import Clock
from .content import digest
from .faults import Fault, FaultPlan
from .multipart import parse_multipart


class FakeError(Exception):
    """An API error in OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def not_found(kind: str, object_id: str, param: str | None = None) -> FakeError:
    return FakeError(404, f"No {kind} found with id '{object_id}'.", param=param, code=None)


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    _json: Any = field(default=None, repr=False)

    @classmethod
    def build(cls, method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes) -> FakeRequest:
        path, _, query = target.partition("?")
        return cls(
            method.upper(),
            path,
            parse_qs(query, keep_blank_values=True),
            {k.lower(): v for k, v in headers},
            body,
        )

    @property
    def api_path(self) -> str:
        return self.path.removeprefix("/v1") or "/"

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        if self._json is None:
            if not self.body:
                self._json = {}
            else:
                try:
                    self._json = json.loads(self.body)
                except ValueError:
                    raise FakeError(
                        400,
                        "We could not parse the JSON body of your request. "
                        "(HINT: This likely means you aren't "
                        "using your HTTP library correctly.)",
                    ) from None
            if not isinstance(self._json, dict):
                raise FakeError(400, "The request body must be a JSON object.")
        return self._json

    def form(self) -> dict[str, Any]:
        content_type = self.headers.get("content-type", "")
        if not content_type.startswith("multipart/form-data"):
            raise FakeError(400, "This endpoint expects a multipart/form-data body.")
        return parse_multipart(self.body, content_type)


@dataclass
class FakeResponse:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: For streams: the body as separate chunks (one SSE event each).
    chunks: list[bytes] | None = None
    fault: Fault | None = None

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> FakeResponse:
        return cls(status, json.dumps(data).encode(), {"content-type": "application/json", **(headers or {})})

    @classmethod
    def sse(cls, events: list[Any], *, done: bool = True) -> FakeResponse:
        chunks = []
        for event in events:
            if isinstance(event, tuple):
                name, data = event
                chunks.append(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
            else:
                chunks.append(f"data: {json.dumps(event)}\n\n".encode())
        if done:
            chunks.append(b"data: [DONE]\n\n")
        return cls(200, b"", {"content-type": "text/event-stream", "cache-control": "no-cache"}, chunks)

    @classmethod
    def binary(cls, data: bytes, content_type: str) -> FakeResponse:
        return cls(200, data, {"content-type": content_type})

    def iter_chunks(self) -> list[bytes]:
        return self.chunks if self.chunks is not None else [self.body]


Handler = Callable[..., Any]


class FakeOpenAI:
    """All the state of one fake API: objects, clock, faults, and the log of requests."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        data_dir: str | Path | None = None,
        spec_path: str | Path | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        api_key: str | None = None,
        id_seed: str | None = None,
    ) -> None:
        self.clock = clock or Clock()
        # Ids differ between fake instances (a restarted fake must not reuse ids a database already
        # holds); pass id_seed for ids that repeat from run to run. Content never depends on it.
        self.id_seed = id_seed if id_seed is not None else uuid.uuid4().hex
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="fake-openai-")
        self.data_dir = Path(data_dir or self._tmp.name)  # type: ignore[union-attr]
        self.faults = FaultPlan()
        self.lock = threading.RLock()
        self.api_key = api_key
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.webhooks_sent: list[dict[str, Any]] = []
        self._validator = None
        if spec_path is not None:
            from .strict import SpecValidator

            self._validator = SpecValidator(Path(spec_path))
        self.reset()

    # -- state ----------------------------------------------------------------------------------

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
            #: Simulated processing time of one batch line (raise it to make a batch outlive 24 h).
            self.batch_seconds_per_line = 0.0005
            self.webhooks_sent = []
            self.faults.clear()
            for path in self.data_dir.glob("*"):
                path.unlink()

    def new_id(self, prefix: str) -> str:
        n = next(self._counter)
        return f"{prefix}{digest(self.id_seed, prefix, n).hex()[:24]}"

    def now(self) -> int:
        return self.clock.timestamp()

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

    @property
    def strict(self) -> bool:
        return self._validator is not None

    def deliver(self, method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes) -> Delivery:
        """Handle one request and plan its delivery (what the transports call)."""
        return plan_delivery(self.handle(FakeRequest.build(method, target, headers, body)))

    def transport(self) -> Any:
        """An httpx transport (sync and async) that serves this fake in-process."""
        from ..client._http import InProcessTransport

        return InProcessTransport(self.deliver)

    # -- dispatch -------------------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        path = request.api_path
        if path.startswith("/_fake/"):
            return self._control(request, path)
        with self.lock:
            self.requests.append(request)
        fault = self.faults.take(request.method, path)
        if fault is not None and fault.status is not None:
            body = (
                fault.body
                if fault.body is not None
                else FakeError(
                    fault.status,
                    f"Injected failure ({fault.status}).",
                    type="server_error" if fault.status >= 500 else "requests",
                ).body()
            )
            response = FakeResponse.json(body, fault.status, fault.headers)
            response.fault = fault
            return response
        try:
            self._check_auth(request)
            handler, params = self._route(request.method, path)
            if self._validator is not None:
                self._validator.check(request, path)
            with self.lock:
                response = handler(self, request, **params)
        except FakeError as exc:
            response = FakeResponse.json(exc.body(), exc.status)
        response.headers.setdefault(
            "x-request-id", f"req_{digest(request.method, path, len(self.requests)).hex()[:16]}"
        )
        if fault is not None:
            response.fault = fault
            if fault.malformed_json:
                response.body, response.chunks = b'{"id": "broken", "choices": [', None
            if fault.headers:
                response.headers.update(fault.headers)
        return response

    def _check_auth(self, request: FakeRequest) -> None:
        if self.api_key is None:
            return
        sent = request.headers.get("authorization", "").removeprefix("Bearer ") or request.headers.get(
            "api-key"
        )
        if sent != self.api_key:
            raise FakeError(401, "Incorrect API key provided.", code="invalid_api_key")

    def _route(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        from .routes import ROUTES

        allowed = False
        for route_method, pattern, handler in ROUTES:
            match = pattern.match(path)
            if match:
                if route_method == method:
                    return handler, dict(match.groupdict())
                allowed = True
        if allowed:
            raise FakeError(405, f"Method {method} is not allowed on {path}.")
        raise FakeError(404, f"Invalid URL ({method} /v1{path})", code="unknown_url")

    # -- control API (for the CLI and for tests that use the real server) -----------------------

    def _control(self, request: FakeRequest, path: str) -> FakeResponse:
        if path == "/_fake/clock/advance" and request.method == "POST":
            return FakeResponse.json({"now": self.clock.advance(float(request.json().get("seconds", 0)))})
        if path == "/_fake/faults" and request.method == "POST":
            spec = dict(request.json())
            fault = self.faults.add(spec.pop("method"), spec.pop("path"), **spec)
            return FakeResponse.json(fault.to_dict(), 201)
        if path == "/_fake/faults" and request.method == "GET":
            return FakeResponse.json({"data": self.faults.list()})
        if path == "/_fake/faults" and request.method == "DELETE":
            self.faults.clear()
            return FakeResponse.json({"cleared": True})
        if path == "/_fake/reset" and request.method == "POST":
            self.reset()
            return FakeResponse.json({"reset": True})
        if path == "/_fake/requests" and request.method == "GET":
            return FakeResponse.json(
                {"data": [{"method": r.method, "path": r.api_path, "query": r.query} for r in self.requests]}
            )
        raise FakeError(404, f"unknown control endpoint {path}")


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """A stored object as the API shows it: the fake's own ``_`` bookkeeping keys left out."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def route(method: str, template: str) -> tuple[str, re.Pattern[str]]:
    """``"/files/{file_id}"`` -> a compiled pattern with named groups."""
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return method, re.compile(f"^{pattern}$")


@dataclass
class Delivery:
    """How a response goes on the wire, faults applied: the same plan for both modes."""

    status: int
    headers: dict[str, str]
    first_byte_delay: float
    #: (seconds to wait before it, bytes) for each write.
    segments: list[tuple[float, bytes]]
    #: Close the connection abruptly after the segments (a reset mid-body).
    reset: bool
    #: Streamed (chunked) rather than sent with a content-length.
    streamed: bool


def plan_delivery(response: FakeResponse) -> Delivery:
    fault = response.fault
    chunks = list(response.iter_chunks())
    streamed = response.chunks is not None
    if fault is not None and streamed:
        if fault.cut_stream_after is not None:
            chunks = [c for c in chunks if c != b"data: [DONE]\n\n"][: fault.cut_stream_after]
        if fault.stream_error_after is not None:
            error = FakeError(
                500, "The server had an error while processing your request.", type="server_error"
            ).body()
            event = b"event: error\ndata: " + json.dumps(error).encode() + b"\n\n"
            chunks = [*chunks[: fault.stream_error_after], event]
    reset = False
    if fault is not None and fault.reset_after_bytes is not None:
        body = b"".join(chunks)
        chunks, reset = [body[: fault.reset_after_bytes]], True
    if fault is not None and fault.drip:
        chunks = [bytes([b]) for chunk in chunks for b in chunk]
    gap = fault.chunk_delay if fault is not None else 0.0
    segments = [(gap if i else 0.0, chunk) for i, chunk in enumerate(chunks)]
    headers = dict(response.headers)
    return Delivery(
        response.status,
        headers,
        fault.delay if fault else 0.0,
        segments,
        reset,
        streamed or reset or bool(fault and fault.drip),
    )

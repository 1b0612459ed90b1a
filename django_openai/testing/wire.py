"""What every part of the fake speaks: requests, responses, API errors, and how a response goes out.

The bottom of the fake's import graph: the endpoint modules, the state, the routing table and
both transports import from here, and this module imports none of them (docs/testing.md, "How
the fake is built").
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from .faults import Fault
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


def require(body: dict[str, Any], *names: str) -> None:
    """A 400 naming the first of ``names`` the body lacks, as the API words it."""
    for name in names:
        if body.get(name) in (None, ""):
            raise FakeError(
                400, f"Missing required parameter: '{name}'.", param=name, code="missing_required_parameter"
            )


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """A stored object as the API shows it: the fake's own ``_`` bookkeeping keys left out."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    _json: Any = field(default=None, repr=False)
    #: A generated text answer of exactly this many words (stream chunks): a pacing profile's ``chunks``.
    answer_words: int | None = None

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
    #: For streams: the decoded event of each chunk (None for ``[DONE]``), which pacing reads.
    events: list[Any] | None = None
    #: Seconds to wait before each chunk (pacing); None: send them as fast as they go.
    chunk_delays: list[float] | None = None
    #: Seconds to wait before anything is sent (pacing of a non-streamed answer).
    first_byte_delay: float = 0.0
    #: Tokens a non-streamed answer generated, which pacing turns into time.
    generated_tokens: int = 0
    fault: Fault | None = None

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> FakeResponse:
        return cls(status, json.dumps(data).encode(), {"content-type": "application/json", **(headers or {})})

    @classmethod
    def sse(cls, events: list[Any], *, done: bool = True) -> FakeResponse:
        """Events as ``data:`` lines; an ``(name, data)`` tuple adds an ``event:`` line."""
        chunks, decoded = [], []
        for event in events:
            if isinstance(event, tuple):
                name, data = event
                chunks.append(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
                decoded.append(data)
            else:
                chunks.append(f"data: {json.dumps(event)}\n\n".encode())
                decoded.append(event)
        if done:
            chunks.append(b"data: [DONE]\n\n")
            decoded.append(None)
        headers = {"content-type": "text/event-stream", "cache-control": "no-cache"}
        return cls(200, b"", headers, chunks, decoded)

    @classmethod
    def binary(cls, data: bytes, content_type: str) -> FakeResponse:
        return cls(200, data, {"content-type": content_type})

    def iter_chunks(self) -> list[bytes]:
        return self.chunks if self.chunks is not None else [self.body]


def paginate(req: FakeRequest, items: list[dict[str, Any]], *, default_limit: int = 20) -> FakeResponse:
    """Cursor pagination as the API does it: ``limit``, ``after``, ``order``; newest first by default."""
    try:
        limit = int(req.q("limit") or default_limit)
    except ValueError:
        raise FakeError(400, "'limit' must be an integer.", param="limit") from None
    if not 1 <= limit <= 10_000:
        raise FakeError(400, "'limit' must be between 1 and 10000.", param="limit")
    if req.q("order", "desc") == "desc":
        items = list(reversed(items))
    after = req.q("after")
    if after is not None:
        ids = [i.get("id") for i in items]
        if after not in ids:
            raise FakeError(400, f"Invalid 'after': no object with id '{after}'.", param="after")
        items = items[ids.index(after) + 1 :]
    page = items[:limit]
    return FakeResponse.json(
        {
            "object": "list",
            "data": page,
            "has_more": len(items) > limit,
            "first_id": page[0].get("id") if page else None,
            "last_id": page[-1].get("id") if page else None,
        }
    )


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
    #: Each segment in a write of its own even when no time separates them (the drip fault);
    #: otherwise segments due at the same moment may share a write.
    separate_writes: bool = False


_DONE = b"data: [DONE]\n\n"


def plan_delivery(response: FakeResponse) -> Delivery:
    fault = response.fault
    chunks = list(response.iter_chunks())
    streamed = response.chunks is not None
    delays = list(response.chunk_delays or [0.0] * len(chunks))
    if fault is not None and streamed:
        if fault.cut_stream_after is not None:
            kept = [i for i, c in enumerate(chunks) if c != _DONE][: fault.cut_stream_after]
            chunks, delays = [chunks[i] for i in kept], [delays[i] for i in kept]
        if fault.stream_error_after is not None:
            error = FakeError(
                500, "The server had an error while processing your request.", type="server_error"
            ).body()
            event = b"event: error\ndata: " + json.dumps(error).encode() + b"\n\n"
            chunks = [*chunks[: fault.stream_error_after], event]
            delays = [*delays[: fault.stream_error_after], 0.0]
    reset = False
    if fault is not None and fault.reset_after_bytes is not None:
        body = b"".join(chunks)
        chunks, delays, reset = [body[: fault.reset_after_bytes]], [delays[0] if delays else 0.0], True
    if fault is not None and fault.drip:
        chunks = [bytes([b]) for chunk in chunks for b in chunk]
        delays = [0.0] * len(chunks)
    if fault is not None and fault.chunk_delay:
        delays = [fault.chunk_delay if i else 0.0 for i in range(len(chunks))]
    segments = list(zip(delays, chunks, strict=True))
    headers = dict(response.headers)
    return Delivery(
        response.status,
        headers,
        response.first_byte_delay + (fault.delay if fault else 0.0),
        segments,
        reset,
        streamed or reset or bool(fault and fault.drip),
        separate_writes=bool(fault and fault.drip),
    )

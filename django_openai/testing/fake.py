"""The fake OpenAI API: its state, the routes of every endpoint module, faults and the control API.

``FakeOpenAI.handle(request)`` is a pure step from a :class:`FakeRequest` to a
:class:`FakeResponse`; the loopback HTTP server (``server.py``) and the in-process httpx
transport (``transport()``) both call it, so both modes behave the same. This module sits at the
top of the fake's imports: nothing in it is imported by the endpoint modules it composes.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .clock import Clock
from .content import digest
from .endpoints import (
    batches,
    chat,
    completions,
    conversations,
    embeddings,
    files,
    fine_tuning,
    media,
    models,
    moderations,
    responses,
    vector_stores,
)
from .faults import FaultPlan
from .pacing import HEADER as PACING_HEADER
from .pacing import REAL_TIME, Pacing, PacingError
from .routing import Handler, Route, Router
from .state import FakeState
from .wire import Delivery, FakeError, FakeRequest, FakeResponse, plan_delivery

#: Every endpoint the fake serves, joined from the modules that implement them.
ROUTES: list[Route] = [
    *models.ROUTES,
    *chat.ROUTES,
    *completions.ROUTES,
    *embeddings.ROUTES,
    *moderations.ROUTES,
    *media.ROUTES,
    *responses.ROUTES,
    *conversations.ROUTES,
    *files.ROUTES,
    *vector_stores.ROUTES,
    *batches.ROUTES,
    *fine_tuning.ROUTES,
]


class FakeOpenAI(FakeState):
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
        pacing: Pacing | None = None,
        batch_seconds_per_line: float | None = None,
    ) -> None:
        self.faults = FaultPlan()
        # What reset() returns to: the pacing the fake was built with (the CLI's flags, say).
        self._configured_pacing = self._pacing = pacing
        self.api_key = api_key
        self._validator = None
        if spec_path is not None:
            from .strict import SpecValidator

            self._validator = SpecValidator(Path(spec_path))
        super().__init__(
            clock=clock,
            data_dir=data_dir,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            id_seed=id_seed,
            batch_seconds_per_line=batch_seconds_per_line,
        )
        self.router = Router(ROUTES)

    def reset(self) -> None:
        with self.lock:
            super().reset()
            self.faults.clear()
            self._pacing = self._configured_pacing

    @property
    def pacing(self) -> Pacing | None:
        """How fast answers come: as set, else like a model on a real-time clock, else at once."""
        if self._pacing is not None:
            return self._pacing
        return REAL_TIME if self.clock.real else None

    @pacing.setter
    def pacing(self, pacing: Pacing | None) -> None:
        self._pacing = pacing

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
            try:
                return self._control(request, path)
            except FakeError as exc:
                return FakeResponse.json(exc.body(), exc.status)
            except (KeyError, TypeError, ValueError) as exc:
                return FakeResponse.json(FakeError(400, f"Invalid control request: {exc}").body(), 400)
        with self.lock:
            self.requests.append(request)
        fault = self.faults.take(request.method, path)
        if fault is not None and fault.stream is not None:
            response = FakeResponse.sse(fault.stream, done=fault.stream_done)
            response.fault = fault
            return response
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
        pacing = None
        try:
            self._check_auth(request)
            handler, params = self._route(request.method, path)
            if self._validator is not None:
                self._validator.check(request, path)
            pacing = self._pacing_for(request)
            if pacing is not None:
                request.answer_words = pacing.chunks
            with self.lock:
                response = handler(self, request, **params)
        except FakeError as exc:
            response = FakeResponse.json(exc.body(), exc.status)
        if pacing is not None and response.status == 200:
            _pace(response, pacing)
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

    def _route(self, method: str, path: str) -> tuple[Handler, dict[str, Any]]:
        return self.router.match(method, path)

    def _pacing_for(self, request: FakeRequest) -> Pacing | None:
        header = request.headers.get(PACING_HEADER)
        if header is None:
            return self.pacing
        try:
            return Pacing.parse(header)
        except PacingError as exc:
            raise FakeError(400, f"Invalid {PACING_HEADER} header: {exc}.", param=PACING_HEADER) from None

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
        if path == "/_fake/pacing" and request.method == "POST":
            try:
                self.pacing = Pacing.from_dict(request.json())
            except PacingError as exc:
                raise FakeError(400, str(exc)) from None
            return FakeResponse.json({"pacing": self.pacing.to_dict()})
        if path == "/_fake/pacing" and request.method == "DELETE":
            self.pacing = self._configured_pacing
        if path == "/_fake/pacing" and request.method in ("GET", "DELETE"):
            return FakeResponse.json({"pacing": self.pacing.to_dict() if self.pacing else None})
        if path == "/_fake/requests" and request.method == "GET":
            return FakeResponse.json(
                {"data": [{"method": r.method, "path": r.api_path, "query": r.query} for r in self.requests]}
            )
        raise FakeError(404, f"unknown control endpoint {path}")


def _pace(response: FakeResponse, pacing: Pacing) -> None:
    """Turn the profile into waits: per stream event, or once before a whole answer."""
    if response.events is not None:
        response.chunk_delays = pacing.delays(response.events)
    elif response.generated_tokens:
        response.first_byte_delay = pacing.whole_answer_delay(response.generated_tokens)

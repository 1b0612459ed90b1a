"""Streams of Server-Sent Events, and binary bodies read as they arrive.

A stream is an iterator (or async iterator) and a context manager; the HTTP response is closed
when the stream ends, when ``close()`` is called, when the ``with`` block exits, or when a loop over
it is left early (the generator is finalised). Streams are never retried: once bytes have arrived,
sending the request again could bill it twice.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Generic, TypeVar

from . import _http
from .errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStreamError,
    APITimeoutError,
    IncompleteStreamError,
    OpenAIError,
    describe_invalid,
    excerpt,
)
from .sse import ServerSentEvent, SSEDecoder

T = TypeVar("T")

_DONE = object()


class RawJSON:
    """A stream "type" that keeps each event as the decoded JSON."""

    @staticmethod
    def model_validate(obj: Any) -> Any:
        return obj


#: Responses stream events after which nothing more is to come.
RESPONSE_END_EVENTS = frozenset({"response.completed", "response.failed", "response.incomplete"})


class StreamEnd:
    """Whether the events so far say the answer is whole, ``[DONE]`` aside.

    A chat or completions stream is whole once every choice it has shown carries a
    ``finish_reason``; a Responses stream, once a final ``response.*`` event arrived (the
    Responses API sends no ``[DONE]``). Read from the decoded JSON, so that typed and raw streams
    are judged alike.
    """

    __slots__ = ("finished", "open_choices", "seen_finish")

    def __init__(self) -> None:
        self.finished = False
        self.seen_finish = False
        self.open_choices: set[Any] = set()

    def see(self, obj: dict[str, Any]) -> None:
        if obj.get("type") in RESPONSE_END_EVENTS:
            self.finished = True
            return
        choices = obj.get("choices")
        if choices and isinstance(choices, list):
            for choice in choices:
                if isinstance(choice, dict):
                    index = choice.get("index", 0)
                    if choice.get("finish_reason"):
                        self.seen_finish = True
                        self.open_choices.discard(index)
                    else:
                        self.open_choices.add(index)

    @property
    def complete(self) -> bool:
        return self.finished or (self.seen_finish and not self.open_choices)


def convert_event(
    sse: ServerSentEvent, cast: Any, request_id: str | None, end: StreamEnd | None = None
) -> Any:
    """One event to one item; ``_DONE`` at ``[DONE]``; raise on an error event."""
    data = sse.data
    if data.startswith("[DONE]"):
        return _DONE
    try:
        obj = json.loads(data) if data else None
    except ValueError:
        raise APIResponseValidationError(
            f"stream event is not JSON: {excerpt(data, 200)}", body=excerpt(data), request_id=request_id
        ) from None
    if sse.event == "error" or (
        isinstance(obj, dict) and (("error" in obj and "choices" not in obj) or obj.get("type") == "error")
    ):
        error = obj.get("error", obj) if isinstance(obj, dict) else obj
        message = error.get("message") if isinstance(error, dict) else None
        body = obj if isinstance(obj, dict) and "error" in obj else {"error": error}
        raise APIStreamError(str(message or "error event in stream"), body=body, request_id=request_id)
    if end is not None and isinstance(obj, dict):
        end.see(obj)
    if cast is None or obj is None:
        return obj
    try:
        return cast.model_validate(obj)
    except ValueError as exc:
        raise APIResponseValidationError(
            f"stream event does not match {cast.__name__}: {describe_invalid(exc)}",
            body=obj,
            request_id=request_id,
        ) from None


class _StreamBase(Generic[T]):
    def __init__(
        self,
        response: _http.Response,
        cast: Any,
        *,
        method: str = "",
        path: str = "",
        on_error: Callable[[BaseException], None] | None = None,
        require_end: bool = True,
    ) -> None:
        self.response = response
        self._cast = cast
        self._method = method
        self._path = path
        #: Called with every error before it leaves the loop: the client's redaction.
        self._on_error = on_error
        #: Raise IncompleteStreamError when the connection ends before the answer is whole.
        self._require_end = require_end
        self.request_id: str | None = response.headers.get("x-request-id")
        #: True once the server sent ``[DONE]``.
        self.done = False
        #: Read to its end or closed: iterating again yields nothing.
        self._spent = False
        self._end = StreamEnd()
        self.decoder = SSEDecoder()

    @property
    def complete(self) -> bool:
        """True once the server said the answer is whole: ``[DONE]``, a ``finish_reason`` on every
        choice, or a final Responses event. False for a stream that just stopped."""
        return self.done or self._end.complete

    def _items(self, events: list[ServerSentEvent]) -> Iterator[T]:
        """Parsed items of some events; stops (and sets ``done``) at ``[DONE]``."""
        if self.done:
            return
        for sse in events:
            item = convert_event(sse, self._cast, self.request_id, self._end)
            if item is _DONE:
                self.done = True
                return
            yield item

    def _wrap_transport_error(self, exc: Exception) -> APIConnectionError:
        if isinstance(exc, _http.TimeoutException):
            return APITimeoutError(
                "Timed out while reading the stream.", method=self._method, path=self._path
            )
        return APIConnectionError(
            f"The stream was cut off: {type(exc).__name__}.", method=self._method, path=self._path
        )

    def _check_end(self) -> None:
        """At the end of the body: a stream that stopped short of its end is an error, unless the
        caller accepts such streams (a server that never says where its streams end)."""
        if self._require_end and not self.complete:
            raise self.incomplete_error()

    def incomplete_error(self) -> IncompleteStreamError:
        return IncompleteStreamError(
            "The stream ended before the server said it was complete (no [DONE], no finish_reason, "
            "no final response event): what arrived is partial. For a server that never marks the "
            "end of its streams, pass require_stream_end=False.",
            method=self._method,
            path=self._path,
        )


class Stream(_StreamBase[T]):
    """A synchronous stream of parsed events."""

    def __iter__(self) -> Iterator[T]:
        return self._iterate()

    def _iterate(self) -> Iterator[T]:
        if self._spent:
            # Read to its end or closed: a second loop (a helper's get_final_completion() after
            # the caller's own) finds nothing more, as a spent iterator would.
            return
        try:
            try:
                for chunk in self.response.iter_bytes():
                    yield from self._items(self.decoder.feed(chunk))
                    if self.done:
                        return
            except _http.TransportError as exc:
                raise self._wrap_transport_error(exc) from exc
            yield from self._items(self.decoder.close())
            self._check_end()
        except OpenAIError as exc:
            if self._on_error is not None:
                self._on_error(exc)
            raise
        finally:
            self.close()

    def close(self) -> None:
        self._spent = True
        self.response.close()

    def __enter__(self) -> Stream[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncStream(_StreamBase[T]):
    """An asynchronous stream of parsed events."""

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[T]:
        if self._spent:
            return  # see Stream._iterate
        try:
            try:
                async for chunk in self.response.aiter_bytes():
                    for item in self._items(self.decoder.feed(chunk)):
                        yield item
                    if self.done:
                        return
            except _http.TransportError as exc:
                raise self._wrap_transport_error(exc) from exc
            for item in self._items(self.decoder.close()):
                yield item
            self._check_end()
        except OpenAIError as exc:
            if self._on_error is not None:
                self._on_error(exc)
            raise
        finally:
            await self.close()

    async def close(self) -> None:
        self._spent = True
        await self.response.aclose()

    async def __aenter__(self) -> AsyncStream[T]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _cut_off(exc: Exception) -> APIConnectionError:
    if isinstance(exc, _http.TimeoutException):
        return APITimeoutError("Timed out while reading the body.")
    return APIConnectionError(f"The body was cut off: {type(exc).__name__}.")


class BinaryResponse:
    """A binary body (file content, speech audio) that can be streamed to a file."""

    def __init__(self, response: _http.Response) -> None:
        self.response = response

    @property
    def content(self) -> bytes:
        return self.read()

    def read(self) -> bytes:
        try:
            return self.response.read()
        finally:
            self.response.close()

    def iter_bytes(self, chunk_size: int | None = 65536) -> Iterator[bytes]:
        """The body in pieces of ``chunk_size`` bytes, or as each piece arrives (``None``).
        A connection lost mid-body raises :class:`APIConnectionError`."""
        try:
            yield from self.response.iter_bytes(chunk_size)
        except _http.TransportError as exc:
            raise _cut_off(exc) from exc
        finally:
            self.response.close()

    def write_to_file(self, path: str, *, progress: Callable[[int], None] | None = None) -> int:
        written = 0
        with open(path, "wb") as out:
            for chunk in self.iter_bytes():
                out.write(chunk)
                written += len(chunk)
                if progress is not None:
                    progress(written)
        return written

    stream_to_file = write_to_file

    def close(self) -> None:
        self._spent = True
        self.response.close()

    def __enter__(self) -> BinaryResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncBinaryResponse:
    def __init__(self, response: _http.Response) -> None:
        self.response = response

    async def read(self) -> bytes:
        try:
            return await self.response.aread()
        finally:
            await self.response.aclose()

    async def iter_bytes(self, chunk_size: int | None = 65536) -> AsyncIterator[bytes]:
        """The body in pieces of ``chunk_size`` bytes, or as each piece arrives (``None``: what a
        relay wants). A connection lost mid-body raises :class:`APIConnectionError`."""
        try:
            async for chunk in self.response.aiter_bytes(chunk_size):
                yield chunk
        except _http.TransportError as exc:
            raise _cut_off(exc) from exc
        finally:
            await self.response.aclose()

    async def write_to_file(self, path: str, *, progress: Callable[[int], None] | None = None) -> int:
        written = 0
        with open(path, "wb") as out:
            async for chunk in self.iter_bytes():
                out.write(chunk)
                written += len(chunk)
                if progress is not None:
                    progress(written)
        return written

    stream_to_file = write_to_file

    async def close(self) -> None:
        self._spent = True
        await self.response.aclose()

    async def __aenter__(self) -> AsyncBinaryResponse:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class APIResponse(Generic[T]):
    """The raw-response form: the parsed body plus the HTTP details (``client.with_raw_response``)."""

    def __init__(self, response: _http.Response, parsed: T, retries_taken: int) -> None:
        self.http_response = response
        self._parsed = parsed
        self.retries_taken = retries_taken

    @property
    def headers(self) -> Any:
        return self.http_response.headers

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def request_id(self) -> str | None:
        return self.http_response.headers.get("x-request-id")

    @property
    def rate_limits(self) -> dict[str, str]:
        return {k: v for k, v in self.http_response.headers.items() if k.startswith("x-ratelimit-")}

    def parse(self) -> T:
        return self._parsed

    def __repr__(self) -> str:
        return f"<APIResponse {self.status_code} request_id={self.request_id}>"

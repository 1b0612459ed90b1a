"""The connection pools behind ``OpenAI`` and ``AsyncOpenAI`` (part of the HTTP layer; only ``_http``
imports this module).

httpx's default transports hand requests to httpcore's connection pools, which on every request
and every response close scan all queued requests against all connections, asking each idle socket
whether it is readable (a system call). At 64 concurrent async requests that scan costs more than
the request itself (bench/client_overhead.py: raw httpx served 265 requests/s 64-wide against 870
one at a time). These pools keep httpcore's connections (HTTP/1.1, TLS, timeouts, keep-alive
expiry) and replace only the bookkeeping: a stack of idle connections per origin, checked one at a
time when taken, and a semaphore for the connection limit.

``max_connections`` bounds the requests in flight (each holds one connection); at most
``max_keepalive_connections`` more stay open, idle. Requests through a proxy never come here:
httpx mounts its own transports for proxies.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any, Generic, TypeVar

import httpcore
import httpx

Origin = tuple[bytes, bytes, int]
Connection = TypeVar("Connection", httpcore.HTTPConnection, httpcore.AsyncHTTPConnection)


@contextlib.contextmanager
def httpx_errors() -> Iterator[None]:
    """Raise httpcore's errors as the httpx errors of the same name, as httpx's transports do."""
    try:
        yield
    except Exception as exc:
        for cls in type(exc).__mro__:
            if cls.__module__.startswith("httpcore"):
                mapped = getattr(httpx, cls.__name__, None)
                if isinstance(mapped, type) and issubclass(mapped, httpx.TransportError):
                    raise mapped(str(exc)) from exc
        raise


class _IdleConnections(Generic[Connection]):
    """The bookkeeping both pools share: idle connections per origin, most recently used first."""

    def __init__(
        self,
        connection_class: type[Connection],
        max_idle: int | None,
        keepalive_expiry: float | None,
        ssl_context: ssl.SSLContext | None,
    ) -> None:
        self._connection_class: type[Connection] = connection_class
        self._max_idle = max_idle if max_idle is not None else 1 << 30
        self._keepalive_expiry = keepalive_expiry
        self._ssl_context = ssl_context
        self._stacks: dict[Origin, list[Connection]] = {}
        self._count = 0
        self._lock = threading.Lock()  # the sync pool is shared by threads; uncontended under asyncio
        self.closed = False

    def take(self, origin: Origin) -> tuple[Connection, list[Connection]]:
        """A usable connection for ``origin`` (reused or new), and the stale ones to close."""
        stale: list[Connection] = []
        with self._lock:
            stack = self._stacks.get(origin)
            while stack:
                connection = stack.pop()
                self._count -= 1
                # has_expired() also notices a peer that closed the idle socket: one poll, this one only.
                if connection.is_available() and not connection.has_expired():
                    return connection, stale
                stale.append(connection)
        fresh = self._connection_class(
            origin=httpcore.Origin(*origin),
            ssl_context=self._ssl(origin),
            keepalive_expiry=self._keepalive_expiry,
        )
        return fresh, stale

    def give_back(self, origin: Origin, connection: Connection) -> bool:
        """Keep ``connection`` for reuse; False when it should be closed instead."""
        with self._lock:
            if self.closed or not connection.is_idle() or self._count >= self._max_idle:
                return False
            self._stacks.setdefault(origin, []).append(connection)
            self._count += 1
            return True

    def drain(self) -> list[Connection]:
        with self._lock:
            self.closed = True
            stacks, self._stacks, self._count = self._stacks, {}, 0
        return [connection for stack in stacks.values() for connection in stack]

    def _ssl(self, origin: Origin) -> ssl.SSLContext | None:
        if origin[0] != b"https":
            return None
        if self._ssl_context is None:  # loading the CA bundle takes a while: only when needed
            self._ssl_context = httpx.create_ssl_context()
        return self._ssl_context


def _origin_and_request(request: httpx.Request) -> tuple[Origin, httpcore.Request]:
    url = request.url
    default_port = 443 if url.raw_scheme == b"https" else 80
    core_request = httpcore.Request(
        method=request.method,
        url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
        headers=request.headers.raw,
        content=request.stream,  # an httpx byte stream: an iterable (async iterable) of bytes
        extensions=request.extensions,
    )
    return (url.raw_scheme, url.raw_host, url.port or default_port), core_request


def _pool_timeout(request: httpx.Request) -> float | None:
    timeouts = request.extensions.get("timeout") or {}
    value = timeouts.get("pool")
    return float(value) if value is not None else None


def _no_free_connection() -> httpx.PoolTimeout:
    return httpx.PoolTimeout("no connection became free within the pool timeout")


def _response(
    response: httpcore.Response, body: httpx.SyncByteStream | httpx.AsyncByteStream
) -> httpx.Response:
    return httpx.Response(
        status_code=response.status, headers=response.headers, stream=body, extensions=response.extensions
    )


class _PoolBase:
    """What both transports share: their settings, and taking a connection or giving the slot back."""

    _connection_class: type[httpcore.HTTPConnection] | type[httpcore.AsyncHTTPConnection]

    def __init__(
        self,
        *,
        max_connections: int | None = 1000,
        max_keepalive_connections: int | None = 100,
        keepalive_expiry: float | None = 5.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._idle: _IdleConnections[Any] = _IdleConnections(
            self._connection_class, max_keepalive_connections, keepalive_expiry, ssl_context
        )
        self._max_connections = max_connections

    def _release(self) -> None:
        raise NotImplementedError

    def _take(self, origin: Origin) -> tuple[Any, list[Any]]:
        try:
            return self._idle.take(origin)
        except BaseException:
            self._release()
            raise


class SyncPoolTransport(_PoolBase, httpx.BaseTransport):
    _connection_class = httpcore.HTTPConnection

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._slots = threading.BoundedSemaphore(self._max_connections) if self._max_connections else None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        origin, core_request = _origin_and_request(request)
        if self._slots is not None:
            timeout = _pool_timeout(request)
            if not self._slots.acquire(timeout=timeout):  # None: wait as long as it takes
                raise _no_free_connection()
        connection, stale = self._take(origin)
        for old in stale:
            old.close()
        try:
            with httpx_errors():
                response = connection.handle_request(core_request)
        except BaseException:
            self._release()
            connection.close()
            raise
        return _response(response, _SyncBody(self, origin, connection, response))

    def _finished(self, origin: Origin, connection: httpcore.HTTPConnection) -> None:
        try:
            if not self._idle.give_back(origin, connection):
                connection.close()
        finally:
            self._release()

    def _release(self) -> None:
        if self._slots is not None:
            self._slots.release()

    def close(self) -> None:
        for connection in self._idle.drain():
            connection.close()


class _SyncBody(httpx.SyncByteStream):
    """A response body; closing it puts its connection back in the pool and frees the slot."""

    def __init__(
        self,
        pool: SyncPoolTransport,
        origin: Origin,
        connection: httpcore.HTTPConnection,
        response: httpcore.Response,
    ) -> None:
        self._pool, self._origin, self._connection, self._response = pool, origin, connection, response
        self._released = False

    def __iter__(self) -> Iterator[bytes]:
        with httpx_errors():
            yield from self._response.iter_stream()

    def close(self) -> None:
        if self._released:
            return
        self._released = True
        try:
            with httpx_errors():
                self._response.close()
        finally:
            self._pool._finished(self._origin, self._connection)


class AsyncPoolTransport(_PoolBase, httpx.AsyncBaseTransport):
    _connection_class = httpcore.AsyncHTTPConnection
    _slots: asyncio.Semaphore | None = None  # created on first use, inside the running loop

    async def _acquire_slot(self, timeout: float | None) -> None:
        if self._max_connections is None:
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._max_connections)
        if not self._slots.locked():
            await self._slots.acquire()
            return
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout)
        except TimeoutError:
            raise _no_free_connection() from None

    def _release(self) -> None:
        if self._slots is not None:
            self._slots.release()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        origin, core_request = _origin_and_request(request)
        await self._acquire_slot(_pool_timeout(request))
        connection, stale = self._take(origin)
        for old in stale:
            _close_soon(old)
        try:
            with httpx_errors():
                response = await connection.handle_async_request(core_request)
        except BaseException:
            self._release()
            if not connection.is_closed():
                _close_soon(connection)
            raise
        return _response(response, _AsyncBody(self, origin, connection, response))

    def _finished(self, origin: Origin, connection: httpcore.AsyncHTTPConnection) -> None:
        try:
            if not self._idle.give_back(origin, connection) and not connection.is_closed():
                _close_soon(connection)
        finally:
            self._release()

    async def aclose(self) -> None:
        for connection in self._idle.drain():
            await connection.aclose()


class _AsyncBody(httpx.AsyncByteStream):
    """A response body; closing it puts its connection back in the pool and frees the slot."""

    def __init__(
        self,
        pool: AsyncPoolTransport,
        origin: Origin,
        connection: httpcore.AsyncHTTPConnection,
        response: httpcore.Response,
    ) -> None:
        self._pool, self._origin, self._connection, self._response = pool, origin, connection, response
        self._released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with httpx_errors():
            async for chunk in self._response.aiter_stream():
                yield chunk

    async def aclose(self) -> None:
        if self._released:
            return
        self._released = True
        try:
            with httpx_errors():
                await self._response.aclose()
        finally:
            self._pool._finished(self._origin, self._connection)


def _close_soon(connection: httpcore.AsyncHTTPConnection) -> None:
    # Closing an idle HTTP/1.1 connection only closes its socket; it never waits on the network.
    task = asyncio.ensure_future(connection.aclose())
    _CLOSING.add(task)
    task.add_done_callback(_CLOSING.discard)


_CLOSING: set[asyncio.Future[Any]] = set()

"""The one module that talks to the HTTP library.

Everything else in ``django_openai.client`` goes through the names defined here, so that moving
to another HTTP library (``httpx2`` is the maintained continuation of ``httpx``) is a change to
this file alone.
"""

from __future__ import annotations

import urllib.request
import weakref
from collections.abc import Mapping, Sequence
from typing import IO, Any

import httpx

Request = httpx.Request
Response = httpx.Response
SyncHTTPClient = httpx.Client
AsyncHTTPClient = httpx.AsyncClient
Timeout = httpx.Timeout
BaseTransport = httpx.BaseTransport
AsyncBaseTransport = httpx.AsyncBaseTransport

#: Raised by the HTTP library when a connect/read/write/pool timeout expires.
TimeoutException = httpx.TimeoutException
#: Raised for every other failure to get a response (refused, reset, DNS, protocol errors).
TransportError = httpx.TransportError

# Our own pools (_http_pool) take these; httpx's keep-alive expiry default (5 s) is kept.
DEFAULT_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100)

TimeoutValue = float | Timeout | Mapping[str, float | None] | None


def make_timeout(value: TimeoutValue, default: Timeout | None = None) -> Timeout:
    """A float, a ``{"connect": .., "read": .., "write": .., "pool": ..}`` mapping or a Timeout."""
    if isinstance(value, Timeout):
        return value
    if value is None:
        return default if default is not None else Timeout(600.0, connect=5.0)
    if isinstance(value, Mapping):
        unknown = set(value) - {"connect", "read", "write", "pool", "timeout"}
        if unknown:
            raise ValueError(f"unknown timeout keys: {', '.join(sorted(unknown))}")
        base = value.get("timeout", 600.0)
        return Timeout(
            base,
            connect=value.get("connect", 5.0),
            read=value.get("read", base),
            write=value.get("write", base),
            pool=value.get("pool", base),
        )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"timeout must be a number, a mapping or a Timeout, not {type(value).__name__}")
    return Timeout(float(value), connect=min(5.0, float(value)))


# Pools we created ourselves carry no default headers, cookies or params of a user's, so their
# requests can be built directly, skipping httpx's merging (about 60 us a request, measured).
_OWN_CLIENTS: weakref.WeakSet[Any] = weakref.WeakSet()


class _NoCookies(httpx.Cookies):
    """The jar of our own pools: an API client keeps no cookies. Requests on these pools are built
    without a jar (see build_request), so storing a response's Set-Cookie would only cost time: httpx
    wraps every response in urllib objects to do it (~30 us a request, measured)."""

    def extract_cookies(self, response: Response) -> None:
        return None


def _environment_proxies() -> bool:
    """Whether HTTP(S)_PROXY / ALL_PROXY is set: httpx then routes through its own proxy transports
    (and honours NO_PROXY), which it only does when no transport of ours is given."""
    proxies = urllib.request.getproxies()
    return any(scheme in proxies for scheme in ("http", "https", "all"))


def _pool_options(limits: httpx.Limits) -> dict[str, Any]:
    return {
        "max_connections": limits.max_connections,
        "max_keepalive_connections": limits.max_keepalive_connections,
        "keepalive_expiry": limits.keepalive_expiry,
    }


def new_sync_client(
    timeout: Timeout, transport: BaseTransport | None = None, limits: httpx.Limits | None = None
) -> SyncHTTPClient:
    client: SyncHTTPClient = _new_client(httpx.Client, timeout, transport, limits)
    return client


def new_async_client(
    timeout: Timeout, transport: AsyncBaseTransport | None = None, limits: httpx.Limits | None = None
) -> AsyncHTTPClient:
    client: AsyncHTTPClient = _new_client(httpx.AsyncClient, timeout, transport, limits)
    return client


def _new_client(client_class: Any, timeout: Timeout, transport: Any, limits: httpx.Limits | None) -> Any:
    """An httpx client on our own pool (unless given a transport, or a proxy is set), marked as ours."""
    limits = limits or DEFAULT_LIMITS
    if transport is None and not _environment_proxies():
        from ._http_pool import AsyncPoolTransport, SyncPoolTransport  # with httpcore: on first use

        pool_class = AsyncPoolTransport if client_class is httpx.AsyncClient else SyncPoolTransport
        transport = pool_class(**_pool_options(limits))
    client = client_class(timeout=timeout, transport=transport, limits=limits, follow_redirects=True)
    client._cookies = _NoCookies()  # the attribute behind httpx's `cookies` property
    _OWN_CLIENTS.add(client)
    return client


MultipartFiles = Sequence[tuple[str, tuple[str, IO[bytes] | bytes, str]]]


def build_request(
    client: SyncHTTPClient | AsyncHTTPClient,
    method: str,
    url: str,
    *,
    params: Mapping[str, Any] | None,
    headers: Mapping[str, str],
    content: bytes | None = None,
    data: Mapping[str, Any] | None = None,
    files: MultipartFiles | None = None,
    timeout: Timeout | None = None,
) -> Request:
    if client in _OWN_CLIENTS:
        merged = {"accept-encoding": client.headers["accept-encoding"], **headers}
        return Request(
            method,
            url,
            params=_clean_params(params),
            headers=merged,
            content=content,
            data=data,
            files=files,
            extensions={"timeout": (timeout or client.timeout).as_dict()},
        )
    return client.build_request(
        method,
        url,
        params=_clean_params(params),
        headers=headers,
        content=content,
        data=data,
        files=files,
        timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
    )


def _clean_params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Drop ``None`` values and render booleans the way the API expects (``true``/``false``)."""
    if not params:
        return None
    cleaned: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            cleaned[key] = "true" if value else "false"
        else:
            cleaned[key] = value
    return cleaned


class RedirectNotFollowed(Exception):
    """A redirect answer that was not followed; its response is already closed.

    Redirects are followed only within the origin (scheme, host, port) of the request that
    received them: the request carries credentials (``Authorization``, Azure's ``api-key``, any
    header of the user's own) and a body, and httpx would strip only ``Authorization`` on the way
    to another origin. See docs/architecture.md, "Redirects".
    """

    def __init__(self, response: Response, reason: str) -> None:
        target = str(response.next_request.url) if response.next_request is not None else ""
        super().__init__(f"redirect to {target} not followed: {reason}")
        self.status_code = response.status_code
        self.headers = dict(response.headers)
        self.target = target
        self.reason = reason


def send(client: SyncHTTPClient, request: Request) -> Response:
    """Send; follow redirects within the request's origin (if ``client`` follows redirects at all)."""
    response = client.send(request, stream=True, follow_redirects=False)
    redirects = 0
    while response.next_request is not None:
        refusal = _refusal(client, request, response.next_request, redirects)
        if refusal is not None:
            response.close()
            raise RedirectNotFollowed(response, refusal)
        response.read()  # a redirect's body is short; reading it frees the connection for reuse
        request, redirects = response.next_request, redirects + 1
        response = client.send(request, stream=True, follow_redirects=False)
    return response


async def send_async(client: AsyncHTTPClient, request: Request) -> Response:
    response = await client.send(request, stream=True, follow_redirects=False)
    redirects = 0
    while response.next_request is not None:
        refusal = _refusal(client, request, response.next_request, redirects)
        if refusal is not None:
            await response.aclose()
            raise RedirectNotFollowed(response, refusal)
        await response.aread()
        request, redirects = response.next_request, redirects + 1
        response = await client.send(request, stream=True, follow_redirects=False)
    return response


def _refusal(
    client: SyncHTTPClient | AsyncHTTPClient, request: Request, next_request: Request, redirects: int
) -> str | None:
    """Why the redirect from ``request`` to ``next_request`` is not to be followed, if it is not."""
    if _origin(next_request.url) != _origin(request.url):
        return "it leads to another origin; a request's credentials and body stay with base_url's origin"
    if not client.follow_redirects:
        return "the http_client given does not follow redirects"
    if redirects >= client.max_redirects:
        return f"too many redirects (more than {client.max_redirects})"
    return None


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


def merge_url(base_url: str, path: str) -> str:
    """Join ``base_url`` and an API path without losing a path prefix such as ``/v1``."""
    if path.startswith(("http://", "https://")):
        return path
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def is_valid_http_url(value: str) -> bool:
    try:
        url = httpx.URL(value)
    except Exception:
        return False
    return url.scheme in {"http", "https"} and bool(url.host)


class InProcessTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Serve requests from a Python callable instead of the network (the fake's in-process mode).

    ``deliver(method, target, headers, body)`` returns an object with ``status``, ``headers``,
    ``first_byte_delay``, ``segments`` ([(delay, bytes)]) and ``reset``; a reset surfaces as the
    same read error a dropped connection gives.
    """

    def __init__(self, deliver: Any) -> None:
        self._deliver = deliver

    def _plan(self, request: Request) -> Any:
        target = request.url.raw_path.decode("ascii")
        body = request.read()
        return self._deliver(request.method, target, list(request.headers.items()), body)

    def handle_request(self, request: Request) -> Response:
        import time

        plan = self._plan(request)
        if plan.first_byte_delay:
            time.sleep(plan.first_byte_delay)

        def stream() -> Any:
            for delay, chunk in plan.segments:
                if delay:
                    time.sleep(delay)
                yield chunk
            if plan.reset:
                raise httpx.ReadError("connection reset by peer")

        return Response(plan.status, headers=plan.headers, stream=_SyncChunks(stream()), request=request)

    async def handle_async_request(self, request: Request) -> Response:
        import asyncio

        plan = self._plan(request)
        if plan.first_byte_delay:
            await asyncio.sleep(plan.first_byte_delay)

        async def stream() -> Any:
            for delay, chunk in plan.segments:
                if delay:
                    await asyncio.sleep(delay)
                yield chunk
            if plan.reset:
                raise httpx.ReadError("connection reset by peer")

        return Response(plan.status, headers=plan.headers, stream=_AsyncChunks(stream()), request=request)


class _SyncChunks(httpx.SyncByteStream):
    def __init__(self, chunks: Any) -> None:
        self._chunks = chunks

    def __iter__(self) -> Any:
        yield from self._chunks


class _AsyncChunks(httpx.AsyncByteStream):
    def __init__(self, chunks: Any) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> Any:
        async for chunk in self._chunks:
            yield chunk

"""The fast mount: an ASGI application in front of Django that serves ``/v1/`` itself.

    # asgi.py
    from django.core.asgi import get_asgi_application
    from django_openai.gateway.asgi import gateway_asgi

    application = gateway_asgi(get_asgi_application())

Requests under the prefix never walk Django's middleware chain (under ASGI each synchronous
middleware is a hop to a thread: see docs/gateway.md for the measured cost); everything else
goes to Django unchanged. The lifespan protocol is answered here (Django does not speak it): at
shutdown the usage still buffered is written and the pooled clients are closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

# Neither needs Django's apps to be ready (the handler, imported on first use, does).
from . import errors
from .config import get as get_config

Scope = dict[str, Any]
Receive = Any
Send = Any

_JSON = [(b"content-type", b"application/json")]


class GatewayASGI:
    def __init__(self, django_app: Any, prefix: str = "/v1/") -> None:
        self.django_app = django_app
        self.prefix = "/" + prefix.strip("/") + "/"
        self._handler: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path = scope["path"]
            root = scope.get("root_path") or ""
            if root and path.startswith(root):
                path = path[len(root) :]
            if path.startswith(self.prefix) or path == self.prefix[:-1]:
                await self._serve(scope, receive, send, path[len(self.prefix) :])
                return
        elif kind == "lifespan":
            await _lifespan(receive, send)
            return
        await self.django_app(scope, receive, send)

    def _modules(self) -> Any:
        # Imported on first use: the project's asgi.py imports this module before Django is set up.
        if self._handler is None:
            from . import handler

            self._handler = handler
        return self._handler

    async def _serve(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        started = time.perf_counter()
        handler = self._modules()
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
        }
        limit = get_config().max_body_bytes
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _send_plain(send, handler.error_response(errors.too_large(limit)))
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > limit:
                await _send_plain(send, handler.error_response(errors.too_large(limit)))
                return
            if not message.get("more_body"):
                break
        request = handler.GatewayRequest(
            scope["method"],
            path,
            headers,
            bytes(body),
            started,
            session=_session_loader(scope, headers, bytes(body)),
        )
        response = await handler.handle(request)
        if response.stream is None:
            await _send_plain(send, response)
            return
        await _send_stream(send, receive, response)


async def _send_plain(send: Send, response: Any) -> None:
    headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


async def _send_stream(send: Send, receive: Receive, response: Any) -> None:
    from .relay import UpstreamCutOff

    relay = response.stream
    headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in response.headers]

    async def pump() -> None:
        body = relay.__aiter__()
        try:
            await send({"type": "http.response.start", "status": response.status, "headers": headers})
            async for chunk in body:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await body.aclose()
            await relay.aclose()

    async def client_gone() -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return

    sending = asyncio.ensure_future(pump())
    watching = asyncio.ensure_future(client_gone())
    try:
        await asyncio.wait((sending, watching), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (watching, sending):
            if not task.done():
                task.cancel()
        with contextlib.suppress(asyncio.CancelledError, UpstreamCutOff):
            await sending
        with contextlib.suppress(asyncio.CancelledError):
            await watching


def _session_loader(scope: Scope, headers: dict[str, str], body: bytes) -> Any:
    """Session authentication for a same-site browser call: only when a session cookie came."""
    from django.conf import settings

    cookie = headers.get("cookie", "")
    if settings.SESSION_COOKIE_NAME + "=" not in cookie:
        return None

    async def load() -> Any:
        import io

        from django.core.handlers.asgi import ASGIRequest

        from . import db
        from .authentication import session_principal

        request = ASGIRequest(scope, io.BytesIO(body))
        return await db.run(session_principal, request, get_config())

    return load


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            with contextlib.suppress(Exception):
                from .. import aclose_clients
                from . import usage
                from .limits import RedisStore

                await usage.flush()
                await RedisStore.aclose()
                await aclose_clients()
            await send({"type": "lifespan.shutdown.complete"})
            return


def gateway_asgi(django_app: Any, *, prefix: str = "/v1/") -> GatewayASGI:
    """Serve the gateway at ``prefix`` and pass every other request (and websocket) to ``django_app``."""
    return GatewayASGI(django_app, prefix)

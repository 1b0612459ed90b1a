"""The simple mount: the gateway as a Django view, ``path("v1/", include("django_openai.gateway.urls"))``.

Every request walks the project's middleware chain first, which costs time on each call and
throughput on streams (docs/gateway.md#mounting); ``asgi.gateway_asgi`` avoids that. Under WSGI a
response is read whole before it is sent (its event loop ends with the view), so serve the site
with ASGI.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from django.core.exceptions import RequestDataTooBig
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from . import db, errors, usage
from .authentication import session_principal
from .config import get as get_config
from .handler import GatewayRequest, GatewayResponse, error_response, handle
from .principal import Principal
from .relay import Relay, UpstreamCutOff


@csrf_exempt  # keys need no CSRF token; session calls are checked in session_principal
async def gateway_view(request: HttpRequest, path: str = "") -> HttpResponse | StreamingHttpResponse:
    started = time.perf_counter()
    config = get_config()
    under_wsgi = not isinstance(request, ASGIRequest)
    length = request.META.get("CONTENT_LENGTH") or ""
    if length.isdigit() and int(length) > config.max_body_bytes:
        return _django_response(error_response(errors.too_large(config.max_body_bytes)))
    try:
        body = request.body
    except RequestDataTooBig:
        return _django_response(error_response(errors.too_large(config.max_body_bytes)))
    if len(body) > config.max_body_bytes:
        return _django_response(error_response(errors.too_large(config.max_body_bytes)))

    async def session() -> Principal | None:
        return await db.run(session_principal, request, config)

    response = await handle(
        GatewayRequest(
            request.method or "GET",
            path,
            {name.lower(): value for name, value in request.headers.items()},
            body,
            started,
            session=session,
        )
    )
    if under_wsgi:
        # This event loop ends with the view, and the upstream connection with it: read the whole
        # body now (Django would buffer a stream under WSGI anyway) and write the usage record.
        if response.stream is not None:
            relay, response.stream = response.stream, None
            try:
                response.body = b"".join([chunk async for chunk in _chunks_of(relay)])
            except UpstreamCutOff as exc:
                response = error_response(errors.upstream_unavailable(str(exc)))
        await usage.flush()
    return _django_response(response)


def _django_response(response: GatewayResponse) -> HttpResponse | StreamingHttpResponse:
    out: HttpResponse | StreamingHttpResponse
    if response.stream is None:
        out = HttpResponse(response.body, status=response.status)
    else:
        out = StreamingHttpResponse(_chunks(response), status=response.status)
    for name, value in response.headers:
        out[name] = value
    return out


async def _chunks(response: GatewayResponse) -> AsyncIterator[bytes]:
    relay = response.stream
    assert relay is not None
    async for chunk in _chunks_of(relay):
        yield chunk


async def _chunks_of(relay: Relay) -> AsyncIterator[bytes]:
    try:
        async for chunk in relay:
            yield chunk
    finally:
        await relay.aclose()

"""``sse_response()``: a run's events as a streamed HTTP response, in either format."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from typing import Any, Literal

from django.http import HttpRequest, StreamingHttpResponse

from ..conf import app_settings
from ..services.events import RunEventBase
from .formats import encoder_for
from .iterators import aencode_events, encode_events

__all__ = ["sse_response", "stream_headers"]

Protocol = Literal["openai", "ui"]


def stream_headers(response: StreamingHttpResponse) -> StreamingHttpResponse:
    """What every event stream says to caches and proxies: never store it, never hold it back."""
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each chunk on as it comes
    return response


def sse_response(
    events: Iterable[RunEventBase] | AsyncIterable[RunEventBase],
    protocol: Protocol | str = "openai",
    *,
    request: HttpRequest | None = None,
    heartbeat: float | None = None,
    status: int = 200,
) -> StreamingHttpResponse:
    """A ``StreamingHttpResponse`` of a run's events (``thread.run(stream=True)``,
    ``thread.arun(stream=True)``, ``follow_run()``, ``afollow_run()``...) in ``protocol``:
    ``"openai"`` (named events: ``id``, ``event``, ``data``) or ``"ui"`` (the AI SDK's UI message
    stream). Give an async iterable under ASGI and a sync one under WSGI: a server reads the other
    kind whole before sending a byte.

    ``heartbeat``: seconds without an event after which a ``: ping`` comment is sent (async
    iterables only); ``STREAMING["HEARTBEAT_SECONDS"]`` by default, 0 for none. With ``request``,
    compression middleware is kept off the stream (it would hold chunks back): the request's
    ``Accept-Encoding`` is removed, which Django's ``GZipMiddleware`` and others read.
    """
    encoder = encoder_for(protocol)
    if heartbeat is None:
        heartbeat = app_settings.STREAMING.HEARTBEAT_SECONDS
    content: Any
    if hasattr(events, "__aiter__"):
        content = aencode_events(events, encoder, heartbeat=heartbeat or None)
    else:
        content = encode_events(events, encoder)
    response = StreamingHttpResponse(content, content_type=encoder.content_type, status=status)
    for name, value in encoder.headers.items():
        response[name] = value
    if request is not None:
        request.META.pop("HTTP_ACCEPT_ENCODING", None)
    return stream_headers(response)

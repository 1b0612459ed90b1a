"""The one-hop mount: the streaming views' paths served by Django's own ASGI handler, with the
middleware chain walked in one hop to the request's thread instead of one hop per middleware.

    # asgi.py
    from django.core.asgi import get_asgi_application
    from django_openai.asgi import streaming_asgi

    application = streaming_asgi(get_asgi_application(), prefixes=["/chat/", "/api/chat"])

Under ASGI, Django adapts each synchronous middleware (all the stock ones) to async code: its
``process_request`` and ``process_response`` each hop to the request's thread and back, a dozen
hops for a new project's six middlewares before a sync view (one more hop) starts. Under a stream's
load that is most of what Django costs per request (docs/streaming-views.md, "The one-hop mount").
For the paths under ``prefixes``, this mount runs the same middlewares, the same way WSGI runs them
(``load_middleware(is_async=False)``), in one call in the request's thread: the same session,
user, CSRF check, the same responses and signals. Everything else goes to ``django_app`` unchanged.

This module imports nothing of the app's own (a project's ``asgi.py`` imports it before Django's
apps are ready), only Django's handlers.

Only for paths whose views are sync (the streaming views are): an async view under the mount is
run with ``async_to_sync`` from that thread, which works but costs what the mount saves. The mount
serves its paths with a handler of its own, so wrappers put around ``django_app`` (an APM's ASGI
middleware, say) do not see them: put such wrappers around the mount instead. Prefixes are
matched as they are written (``/api/chat`` also matches ``/api/chats``). Django's
``request_started`` comes from :class:`OneHopASGIHandler` here: a receiver connected with
``sender=ASGIHandler`` does not hear the mount's requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponseBase

__all__ = ["OneHopASGIHandler", "StreamingASGI", "streaming_asgi"]


class OneHopASGIHandler(ASGIHandler):
    """Django's ASGI handler (the request, the disconnect, the streamed body, the signals), whose
    requests walk the synchronous middleware chain in one call in the request's thread."""

    def __init__(self) -> None:
        BaseHandler.__init__(self)  # not ASGIHandler's, whose async chain would go unused
        self.load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # thread_sensitive: the request's own thread (ASGIHandler gives each request one), where
        # its later sync calls (the stream's first database call, the response's close) run too.
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


class StreamingASGI:
    """Paths under ``prefixes`` to :class:`OneHopASGIHandler`; the rest, and every other kind of
    connection (lifespan, websocket), to ``django_app``."""

    def __init__(self, django_app: Any, prefixes: Iterable[str]) -> None:
        self.django_app = django_app
        self.prefixes = tuple("/" + prefix.lstrip("/") for prefix in prefixes)
        if not self.prefixes:
            raise ValueError("streaming_asgi() needs the path prefixes of the streaming views.")
        self.handler = OneHopASGIHandler()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.serves(scope):
            await self.handler(scope, receive, send)
        else:
            await self.django_app(scope, receive, send)

    def serves(self, scope: dict[str, Any]) -> bool:
        path: str = scope["path"]
        root = scope.get("root_path") or ""
        if root and path.startswith(root):
            path = path[len(root) :]
        return path.startswith(self.prefixes)


def streaming_asgi(django_app: Any, prefixes: Iterable[str]) -> StreamingASGI:
    """``django_app`` with the paths under ``prefixes`` served in one hop (see the module)."""
    return StreamingASGI(django_app, prefixes)

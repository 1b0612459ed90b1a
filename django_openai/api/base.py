"""What every view of the API shares: configured classes, ownership, error translation."""

from __future__ import annotations

import functools
from typing import Any

from asgiref.sync import sync_to_async
from django.db import models
from django.http import HttpRequest, HttpResponseBase
from django.utils.module_loading import import_string
from rest_framework import generics
from rest_framework.response import Response

from ..conf import app_settings
from .errors import translate
from .schema import auto_schema


@functools.cache
def _classes(paths: tuple[str, ...]) -> list[type]:
    return [import_string(path) for path in paths]


def owned(queryset: models.QuerySet[Any], user: Any, owner_field: str = "owner") -> models.QuerySet[Any]:
    """The rows a user may reach: their own, or every one for staff."""
    if user is not None and user.is_authenticated and user.is_staff:
        return queryset
    if user is None or not user.is_authenticated:
        return queryset.none()
    return queryset.filter(**{owner_field: user})


class APIView(generics.GenericAPIView):
    """The base of the API's views.

    Authentication, permissions and throttles are read from ``DJANGO_OPENAI["API"]`` at each
    request, so ``override_settings`` works and the project's DRF defaults are left alone.
    Ownership is not a permission class (which a setting could drop) but the queryset itself:
    another user's object is simply not found, a 404. ``throttle_scopes`` names the throttle
    scope of each HTTP method.
    """

    schema = auto_schema()
    owner_field = "owner"
    throttle_scopes: dict[str, str] = {}
    throttle_scope: str | None = None

    def get_authenticators(self) -> list[Any]:
        return [cls() for cls in _classes(tuple(app_settings.API.AUTHENTICATION_CLASSES))]

    def get_permissions(self) -> list[Any]:
        return [cls() for cls in _classes(tuple(app_settings.API.PERMISSION_CLASSES))]

    def get_throttles(self) -> list[Any]:
        self.throttle_scope = self.throttle_scopes.get(self.request.method or "")
        return [cls() for cls in _classes(tuple(app_settings.API.THROTTLE_CLASSES))]

    def get_queryset(self) -> models.QuerySet[Any]:
        return owned(super().get_queryset(), self.request.user, self.owner_field)

    def handle_exception(self, exc: Exception) -> Response:
        return super().handle_exception(translate(exc))

    @property
    def client_alias(self) -> str:
        return app_settings.API.CLIENT_ALIAS


class RemoteObjectView(APIView):
    """A view of one mirror row, found by its remote id in the URL (``file-abc``, ``batch_abc``)."""

    lookup_field = "openai_id"
    lookup_url_kwarg = "openai_id"


class AsyncAPIView(APIView):
    """A view whose handlers are coroutines, served as an async view under ASGI.

    DRF's own ``dispatch`` is sync (it cannot await a handler), so this one does what it does in
    the same order: the request is wrapped, then authentication, permissions and throttles
    (``initial()``: the session or token lookup and the throttle's cache read) run in Django's
    thread for sync code, in one hop; the handler is awaited on the event loop; errors become
    answers exactly as in the sync views. Every handler of such a view must be ``async def``
    (Django serves a view async only when all of them are), and reaches the ORM with
    ``sync_to_async`` or the async ORM. A long answer (a stream) then holds no worker thread.
    """

    async def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        self.args = args
        self.kwargs = kwargs
        drf_request = self.initialize_request(request, *args, **kwargs)
        self.request = drf_request
        self.headers = self.default_response_headers
        try:
            await sync_to_async(self.initial)(drf_request, *args, **kwargs)
            method = (drf_request.method or "").lower()
            handler = getattr(self, method, None) if method in self.http_method_names else None
            if handler is None:
                handler = self.http_method_not_allowed
            response = handler(drf_request, *args, **kwargs)
            if not isinstance(response, HttpResponseBase):
                response = await response
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(drf_request, response, *args, **kwargs)  # type: ignore[arg-type]
        return self.response

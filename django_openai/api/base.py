"""What every view of the API shares: configured classes, ownership, error translation."""

from __future__ import annotations

import functools
from typing import Any

from django.db import models
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

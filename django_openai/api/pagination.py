"""Lists as the OpenAI API pages them: ``?limit=&after=`` and ``{"data", "has_more", ...}``.

Keyset pagination on the primary key: the page after an id is ``pk < id's pk`` (newest first) or
``pk > id`` (oldest first), ``LIMIT limit + 1`` to know whether more follow, and no ``COUNT``,
so the 2,500th page of a batch of 50,000 items costs what the first does. A list may key on
another indexed column (a thread's items on ``position``): ``key`` names it.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from ..conf import app_settings


class ListPagination(BasePagination):
    """Newest first; ``after`` is an id, turned into a pk by the view's ``cursor_pk(after, queryset)``
    (into the value of ``key``, for a list keyed on another column)."""

    newest_first = True
    key = "pk"
    has_more = False

    def is_newest_first(self, request: Any) -> bool:
        return self.newest_first

    def limit(self, request: Any) -> int:
        raw = request.query_params.get("limit")
        if raw is None:
            return app_settings.API.PAGE_SIZE
        maximum = app_settings.API.MAX_PAGE_SIZE
        try:
            value = int(raw)
        except ValueError:
            raise ValidationError({"limit": [f"limit must be a whole number from 1 to {maximum}."]}) from None
        if not 1 <= value <= maximum:
            raise ValidationError({"limit": [f"limit must be from 1 to {maximum}, not {value}."]})
        return value

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any]:
        limit = self.limit(request)
        after = request.query_params.get("after")
        newest_first = self.is_newest_first(request)
        queryset = queryset.order_by(f"-{self.key}" if newest_first else self.key)
        if after:
            value = view.cursor_pk(after, queryset)
            if value is None:
                raise ValidationError({"after": [f"no {after!r} in this list."]})
            queryset = queryset.filter(**{f"{self.key}__{'lt' if newest_first else 'gt'}": value})
        rows = list(queryset[: limit + 1])
        self.has_more = len(rows) > limit
        return rows[:limit]

    def get_paginated_response(self, data: Any) -> Response:
        data = list(data)
        return Response(
            {
                "object": "list",
                "data": data,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
                "has_more": self.has_more,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["object", "data", "has_more"],
            "properties": {
                "object": {"type": "string", "enum": ["list"]},
                "data": schema,
                "first_id": {"type": "string", "nullable": True},
                "last_id": {"type": "string", "nullable": True},
                "has_more": {"type": "boolean"},
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": "How many to return (1 to MAX_PAGE_SIZE; PAGE_SIZE by default).",
                "schema": {"type": "integer"},
            },
            {
                "name": "after",
                "in": "query",
                "required": False,
                "description": "The id after which the page starts (the previous page's last_id).",
                "schema": {"type": "string"},
            },
        ]


def pk_of_remote_id(openai_id: str, queryset: models.QuerySet[Any]) -> int | None:
    """The pk of the row with this remote id, within the rows the user may see."""
    return queryset.order_by().filter(openai_id=openai_id).values_list("pk", flat=True).first()


class OldestFirstPagination(ListPagination):
    """Oldest first (a batch's items, a job's events): ``after`` reads on from where one stopped."""

    newest_first = False


class PositionPagination(OldestFirstPagination):
    """A thread's items by ``position`` (indexed with the thread, unique): oldest first, or newest
    first with ``?order=desc`` (a chat shows the last page first). Any page costs what the first
    does, however long the thread."""

    key = "position"

    def is_newest_first(self, request: Any) -> bool:
        order = request.query_params.get("order", "asc")
        if order not in ("asc", "desc"):
            raise ValidationError({"order": [f"order must be asc or desc, not {order!r}."]})
        return order == "desc"

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": "order",
                "in": "query",
                "required": False,
                "description": "asc (oldest first, the default) or desc (newest first).",
                "schema": {"type": "string", "enum": ["asc", "desc"]},
            },
        ]

"""Lists as the OpenAI API pages them: ``?limit=&after=`` and ``{"data", "has_more", ...}``.

Keyset pagination on the primary key: the page after an id is ``pk < id's pk`` (newest first) or
``pk > id`` (oldest first), ``LIMIT limit + 1`` to know whether more follow, and no ``COUNT``,
so the 2,500th page of a batch of 50,000 items costs what the first does.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from ..conf import app_settings


class ListPagination(BasePagination):
    """Newest first; ``after`` is an id, turned into a pk by the view's ``cursor_pk(after, queryset)``."""

    newest_first = True
    has_more = False

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
        queryset = queryset.order_by("-pk" if self.newest_first else "pk")
        if after:
            pk = view.cursor_pk(after, queryset)
            if pk is None:
                raise ValidationError({"after": [f"no {after!r} in this list."]})
            queryset = queryset.filter(pk__lt=pk) if self.newest_first else queryset.filter(pk__gt=pk)
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

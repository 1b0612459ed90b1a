"""List filters the admin's pages share: a date range typed in two date fields, with presets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils import timezone


class DateRangeFilter(admin.ListFilter):
    """``?<field>_from=2026-03-01&<field>_to=2026-03-31``: both days included, in the current time
    zone. A date that does not parse is said so in the filter and ignored (never an error page)."""

    title = "date"
    template = "django_openai/admin/date_range_filter.html"
    field_name = "created_at"

    def __init__(self, request: HttpRequest, params: dict[str, Any], model: Any, model_admin: Any) -> None:
        super().__init__(request, params, model, model_admin)
        self.problems: list[str] = []
        for name in (self.from_parameter, self.to_parameter):
            if name in params:
                value = params.pop(name)
                self.used_parameters[name] = value[-1] if isinstance(value, list) else value
        self.start = self._day(self.from_parameter)
        self.end = self._day(self.to_parameter)
        self.hidden = [
            (name, value)
            for name, values in request.GET.lists()
            if name not in (self.from_parameter, self.to_parameter, "p")
            for value in values
        ]

    @property
    def from_parameter(self) -> str:
        return f"{self.field_name}_from"

    @property
    def to_parameter(self) -> str:
        return f"{self.field_name}_to"

    def _day(self, name: str) -> dt.date | None:
        text = str(self.used_parameters.get(name) or "").strip()
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            self.problems.append(f"{text!r} is not a date (YYYY-MM-DD): ignored.")
            return None

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str | None]:
        return [self.from_parameter, self.to_parameter]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        zone = timezone.get_current_timezone()
        if self.start is not None:
            start = dt.datetime.combine(self.start, dt.time.min, zone)
            queryset = queryset.filter(**{f"{self.field_name}__gte": start})
        if self.end is not None:
            end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, zone)
            queryset = queryset.filter(**{f"{self.field_name}__lt": end})
        return queryset

    def presets(self) -> list[tuple[str, dt.date | None, dt.date | None]]:
        today = timezone.localdate()
        return [
            ("Any date", None, None),
            ("Today", today, today),
            ("Last 7 days", today - dt.timedelta(days=6), today),
            ("Last 30 days", today - dt.timedelta(days=29), today),
            ("This month", today.replace(day=1), today),
        ]

    def choices(self, changelist: Any) -> Iterator[dict[str, Any]]:
        for label, start, end in self.presets():
            yield {
                "selected": (self.start, self.end) == (start, end) and not self.problems,
                # None removes a parameter: "Any date" clears the range.
                "query_string": changelist.get_query_string(
                    {
                        self.from_parameter: start.isoformat() if start else None,
                        self.to_parameter: end.isoformat() if end else None,
                    }
                ),
                "display": label,
            }

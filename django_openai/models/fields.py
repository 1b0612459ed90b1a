"""Fields whose choices and help texts stay out of migrations.

Changing a label or adding a status the API grew must not cost every user a migration.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class _QuietDeconstruct:
    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()  # type: ignore[misc]
        kwargs.pop("choices", None)
        kwargs.pop("help_text", None)
        kwargs.pop("verbose_name", None)
        return name, path, args, kwargs


class StatusField(_QuietDeconstruct, models.CharField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

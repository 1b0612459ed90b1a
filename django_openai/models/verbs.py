"""Model and manager verbs that are the service functions themselves (docs/architecture.md, "Verbs").

Models sit below services and never import them (docs/architecture.md, "Layers"), yet
``batch.refresh()`` and ``Batch.objects.create_from_requests(...)`` read well in a view. Each such
attribute names its service function by dotted path and imports it on first use: it *is* that
function (bound to the row, for a model verb), so its signature and docstring cannot drift from
the service's. Type checkers see the same function: each model declares the names again under
``if TYPE_CHECKING``, where importing the services costs nothing at run time.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from django.utils.module_loading import import_string


class _ServiceAttribute:
    def __init__(self, path: str) -> None:
        self.path = path
        self._function: Callable[..., Any] | None = None

    def function(self) -> Callable[..., Any]:
        if self._function is None:
            self._function = import_string(self.path)
        return self._function


class ServiceFunction(_ServiceAttribute):
    """A manager attribute that is a service function: ``Batch.objects.create_from_requests``."""

    def __get__(self, instance: Any, owner: type) -> Callable[..., Any]:
        return self.function()


class ServiceMethod(_ServiceAttribute):
    """A model attribute that is a service function taking the row first: ``batch.refresh()``."""

    def __get__(self, instance: Any, owner: type) -> Callable[..., Any]:
        function = self.function()
        return function if instance is None else types.MethodType(function, instance)

"""The fake's routing table: (method, path template, handler), paths without the ``/v1`` prefix.

Each endpoint module (``endpoints/``) declares its own ``ROUTES``; ``FakeOpenAI`` joins them into
one :class:`Router`. A handler is called as ``handler(state, request, **path_params)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from .wire import FakeError, FakeResponse

Handler = Callable[..., FakeResponse]
#: (method, template such as ``"/files/{file_id}"``, handler)
Route = tuple[str, str, Handler]


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")


class Router:
    def __init__(self, routes: Iterable[Route] = ()) -> None:
        self._table: list[tuple[str, re.Pattern[str], Handler]] = [
            (method, _compile(template), handler) for method, template, handler in routes
        ]

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, Any]]:
        """The handler and its path parameters; a 404 or 405 in the API's shape otherwise."""
        allowed = False
        for route_method, pattern, handler in self._table:
            found = pattern.match(path)
            if found:
                if route_method == method:
                    return handler, dict(found.groupdict())
                allowed = True
        if allowed:
            raise FakeError(405, f"Method {method} is not allowed on {path}.")
        raise FakeError(404, f"Invalid URL ({method} /v1{path})", code="unknown_url")

"""The base of every resource: a thin description of calls, written once for sync and async.

A resource method builds :class:`RequestOptions` and hands them to its client's ``_call`` (or
``_call_page``). The sync client answers with the result; the async client answers with an
awaitable of the same result. That is how one resource class serves both clients.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._request import build_options

if TYPE_CHECKING:
    from .._base import BaseClient


def without_self(local_vars: Mapping[str, Any], *drop: str) -> dict[str, Any]:
    """The keyword arguments of a method as a dict: ``without_self(locals(), "file_id")``.

    ``**params`` is flattened in, so explicit and pass-through arguments travel together.
    """
    params = dict(local_vars)
    params.pop("self", None)
    params.pop("__class__", None)
    extra = params.pop("params", None) or {}
    for name in drop:
        params.pop(name, None)
    params.update(extra)
    return params


class Resource:
    def __init__(self, client: BaseClient) -> None:
        self._client = client

    def _request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        cast: Any = None,
        in_query: bool = False,
        files: Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> Any:
        opts = build_options(method, path, params, cast=cast, in_query=in_query, files=files, **extra)
        return self._client._call(opts)  # type: ignore[attr-defined]

    def _get(self, path: str, params: dict[str, Any] | None = None, *, cast: Any = None, **extra: Any) -> Any:
        return self._request("GET", path, params, cast=cast, in_query=True, **extra)

    def _post(
        self, path: str, params: dict[str, Any] | None = None, *, cast: Any = None, **extra: Any
    ) -> Any:
        return self._request("POST", path, params, cast=cast, **extra)

    def _delete(self, path: str, params: dict[str, Any] | None = None, *, cast: Any = None) -> Any:
        return self._request("DELETE", path, params, cast=cast, in_query=True)

    def _list(self, path: str, params: dict[str, Any] | None, item: Any, *, method: str = "GET") -> Any:
        opts = build_options(method, path, params, in_query=method == "GET", page_item=item)
        return self._client._call_page(opts)  # type: ignore[attr-defined]

    def _sleep(self, seconds: float) -> Any:
        """``time.sleep`` for the sync client; an awaitable ``asyncio.sleep`` for the async one."""
        if self._client.is_async:
            import asyncio

            return asyncio.sleep(seconds)
        _blocking_sleep(seconds)
        return None


def _blocking_sleep(seconds: float) -> None:
    import time

    time.sleep(seconds)


def path_id(value: str, what: str) -> str:
    """Refuse an empty id before it turns ``/files/{id}`` into ``/files/`` (a list call)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string, not {value!r}")
    if "/" in value or "?" in value or "#" in value:
        raise ValueError(f"{what} must not contain '/', '?' or '#': {value!r}")
    return value

"""What a call asks for, independent of how (sync or async) it is sent.

Resources describe a call as :class:`RequestOptions`; :func:`split_call_options` pulls the
per-call knobs every method accepts (``extra_headers``, ``extra_query``, ``extra_body``,
``timeout``, ``idempotency_key``, ``max_retries``, ``require_stream_end``) out of the keyword
arguments, and passes every other keyword through to the API untouched: compatible servers add
parameters of their own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._files import FilePart, to_file_part


@dataclass(slots=True)
class RequestOptions:
    method: str
    path: str
    query: dict[str, Any] | None = None
    body: dict[str, Any] | None = None
    #: A JSON body already encoded, sent as it is (``body`` then only informs the provider, e.g.
    #: Azure's deployment path): a relay forwards a caller's bytes without encoding them again.
    content: bytes | None = None
    files: list[tuple[str, FilePart]] | None = None
    headers: dict[str, str | None] | None = None
    timeout: Any = None
    max_retries: int | None = None
    idempotency_key: str | None = None
    #: A pydantic model class, ``None`` for decoded JSON, or ``bytes``.
    cast: Any = None
    #: When set, the response is a Server-Sent Events stream of this type.
    stream_cast: Any = None
    #: When true, the body is returned unread, to be streamed by the caller (binary downloads).
    stream_body: bool = False
    #: For list endpoints: the type of one item and the query key of the cursor.
    page_item: Any = None
    #: For streams: whether a stream that stops short of its end raises (None: the client's choice).
    require_stream_end: bool | None = None

    def replace(self, **changes: Any) -> RequestOptions:
        return dataclasses.replace(self, **changes)


_CALL_OPTIONS = (
    "extra_headers",
    "extra_query",
    "extra_body",
    "timeout",
    "idempotency_key",
    "max_retries",
    "require_stream_end",
)


def split_call_options(params: dict[str, Any]) -> dict[str, Any]:
    """Remove and return the per-call options from ``params`` (modified in place)."""
    return {key: params.pop(key) for key in _CALL_OPTIONS if key in params}


def build_options(
    method: str,
    path: str,
    params: dict[str, Any] | None = None,
    *,
    cast: Any = None,
    in_query: bool = False,
    files: Mapping[str, Any] | None = None,
    **extra: Any,
) -> RequestOptions:
    """Build the options of one call from its keyword arguments.

    ``params`` go to the JSON body (or to the query string with ``in_query``); ``None`` values are
    dropped, so an optional argument left out is never sent as ``null``. ``files`` become
    multipart parts, and then the remaining params become form fields.
    """
    params = dict(params or {})
    call = split_call_options(params)
    params = {k: v for k, v in params.items() if v is not None}
    query: dict[str, Any] | None = None
    body: dict[str, Any] | None = None
    if in_query:
        query = params or None
    else:
        body = params
    if call.get("extra_query"):
        query = {**(query or {}), **call["extra_query"]}
    if call.get("extra_body"):
        body = {**(body or {}), **call["extra_body"]}
    parts = None
    if files:
        parts = [
            (name, to_file_part(item))
            for name, value in files.items()
            if value is not None
            for item in (value if isinstance(value, list) else [value])
        ]
    return RequestOptions(
        method=method,
        path=path,
        query=query,
        body=body or None,
        files=parts,
        headers=call.get("extra_headers"),
        timeout=call.get("timeout"),
        max_retries=call.get("max_retries"),
        idempotency_key=call.get("idempotency_key"),
        require_stream_end=call.get("require_stream_end"),
        cast=cast,
        **extra,
    )


def _json_default(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json", exclude_unset=True)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode_json(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=_json_default).encode()


def form_fields(body: Mapping[str, Any] | None) -> dict[str, Any]:
    """Multipart form fields: strings, with lists repeated and objects as JSON."""
    fields: dict[str, Any] = {}
    for key, value in (body or {}).items():
        if isinstance(value, bool):
            fields[key] = "true" if value else "false"
        elif isinstance(value, list | tuple):
            fields[key] = [v if isinstance(v, str) else json.dumps(v, default=_json_default) for v in value]
        elif isinstance(value, dict):
            fields[key] = encode_json(value).decode()
        else:
            fields[key] = str(value)
    return fields

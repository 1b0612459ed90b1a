"""The exceptions the client raises.

The hierarchy follows the official SDK so that ``except openai.RateLimitError`` habits carry over:
every HTTP error is an :class:`APIStatusError` subclass chosen by status code, and every failure to
get a response at all is an :class:`APIConnectionError`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APIStreamError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "IncompleteStreamError",
    "InternalServerError",
    "InvalidWebhookSignatureError",
    "NotFoundError",
    "OpenAIError",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
]


class OpenAIError(Exception):
    """Base class of everything this package raises about the API."""


class APIError(OpenAIError):
    """An error about one API request.

    ``type``, ``code`` and ``param`` come from the standard ``{"error": {...}}`` body when the server
    sent one; ``body`` is the decoded body (or the raw text when it was not JSON).
    """

    status_code: int | None = None

    def __init__(
        self,
        message: str,
        *,
        body: Any = None,
        request_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.body = body
        self.request_id = request_id
        self.method = method
        self.path = path
        error = body.get("error") if isinstance(body, dict) else None
        details = error if isinstance(error, dict) else (body if isinstance(body, dict) else {})
        self.type: str | None = _str_or_none(details.get("type"))
        self.code: str | None = _str_or_none(details.get("code"))
        self.param: str | None = _str_or_none(details.get("param"))

    def __str__(self) -> str:
        parts = [self.message]
        if self.status_code is not None:
            parts.insert(0, f"Error code: {self.status_code} -")
        if self.request_id:
            parts.append(f"(request id {self.request_id})")
        return " ".join(parts)


class APIStatusError(APIError):
    """The server answered with a 4xx or 5xx status."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        headers: dict[str, str] | None = None,
        body: Any = None,
        request_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message, body=body, request_id=request_id, method=method, path=path)
        self.status_code = status_code
        self.headers = headers or {}


class BadRequestError(APIStatusError):
    pass


class AuthenticationError(APIStatusError):
    pass


class PermissionDeniedError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class ConflictError(APIStatusError):
    pass


class UnprocessableEntityError(APIStatusError):
    pass


class RateLimitError(APIStatusError):
    pass


class InternalServerError(APIStatusError):
    pass


class APIConnectionError(APIError):
    """No response arrived: connection refused or reset, DNS failure, protocol error."""

    def __init__(
        self, message: str = "Connection error.", *, method: str | None = None, path: str | None = None
    ) -> None:
        super().__init__(message, method=method, path=path)


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read, write or pool)."""

    def __init__(
        self, message: str = "Request timed out.", *, method: str | None = None, path: str | None = None
    ) -> None:
        super().__init__(message, method=method, path=path)


class IncompleteStreamError(APIConnectionError):
    """A stream's connection ended cleanly, but before the server said the answer was complete
    (``[DONE]``, a ``finish_reason`` on every choice, or a final Responses event): what arrived is
    partial. A connection error, because that is what it almost always is: a proxy or server that
    closed the connection early."""


class APIResponseValidationError(APIError):
    """The server answered 2xx with a body that is not the JSON we expected."""


class APIStreamError(APIError):
    """An ``error`` event arrived in the middle of a stream."""


class InvalidWebhookSignatureError(OpenAIError):
    """A webhook's signature, timestamp or headers did not check out."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_class_for(status_code: int) -> type[APIStatusError]:
    if status_code >= 500:
        return InternalServerError
    return _STATUS_ERRORS.get(status_code, APIStatusError)


def decode_error_body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


#: How much of an unexpected body (or stream event) an error keeps: its head, this many characters.
BODY_EXCERPT = 1000


def excerpt(text: str, limit: int = BODY_EXCERPT) -> str:
    """The head of ``text``. Keep an excerpt at the end of any string it goes into: a credential
    that the cut falls across is then still found by :func:`redact` (see there)."""
    return text if len(text) <= limit else text[:limit]


def error_message(body: Any, status_code: int) -> str:
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if isinstance(error, str):
            return error
        if body.get("message"):
            return str(body["message"])
    if isinstance(body, str) and body.strip():
        return excerpt(body.strip(), 500)
    return f"HTTP {status_code}"


def describe_invalid(exc: ValueError) -> str:
    """What was wrong with a body, without quoting it.

    pydantic's own message repeats the offending input, which may hold an echoed credential; its
    structured errors name each field and problem without it. Other ``ValueError``s here come
    from ``json.loads``, whose messages give a position, not the text.
    """
    errors = getattr(exc, "errors", None)
    if errors is None:
        return str(exc)
    problems = errors(include_url=False, include_context=False, include_input=False)
    described = [
        f"{'.'.join(str(part) for part in problem['loc']) or '(body)'}: {problem['msg']}"
        for problem in problems[:5]
    ]
    if len(problems) > 5:
        described.append(f"and {len(problems) - 5} more")
    return "; ".join(described)


#: Shorter than this, a string is not treated as a secret (nor a cut-off head of one as a leak).
_MIN_SECRET = 8
#: The shortest head of a secret masked at the end of a string (where an excerpt was cut).
_MIN_CUT_HEAD = 6


def redact(value: Any, secrets: Iterable[str]) -> Any:
    """Replace every occurrence of a secret in a (possibly nested) value by ``[redacted]``.

    Servers sometimes echo the credential they rejected; it must never reach an exception message,
    a log line or an error tracker through us. A string that ends with the head of a secret (an
    excerpt cut across it) has that head masked too.
    """
    secrets = [s for s in secrets if s and len(s) >= _MIN_SECRET]
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "[redacted]")
        for secret in secrets:
            for size in range(len(secret) - 1, _MIN_CUT_HEAD - 1, -1):
                if value.endswith(secret[:size]):
                    return value[:-size] + "[redacted]"
        return value
    if isinstance(value, dict):
        return {redact(k, secrets): redact(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact(v, secrets) for v in value)
    return value


def redact_error(error: BaseException, secrets: Iterable[str]) -> None:
    """Take every secret out of ``error``, in place: message, args, body, error fields, headers;
    and out of the exceptions chained to it (a connection error's cause quotes the library's own
    message), as far as a traceback would print them.

    The one routine every error goes through before it leaves the client (docs/architecture.md,
    "Errors and redaction").
    """
    secrets = tuple(s for s in secrets if s and len(s) >= _MIN_SECRET)
    if not secrets:
        return
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        with contextlib.suppress(AttributeError, TypeError):  # a type whose args are read-only
            current.args = tuple(redact(arg, secrets) for arg in current.args)
        if isinstance(current, APIError):
            current.message = redact(current.message, secrets)
            current.body = redact(current.body, secrets)
            current.type, current.code, current.param = (
                redact(current.type, secrets),
                redact(current.code, secrets),
                redact(current.param, secrets),
            )
            if isinstance(current, APIStatusError):
                current.headers = redact(current.headers, secrets)
        if current.__cause__ is not None:
            current = current.__cause__
        else:
            current = None if current.__suppress_context__ else current.__context__


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)

"""The exceptions the client raises.

The hierarchy follows the official SDK so that ``except openai.RateLimitError`` habits carry over:
every HTTP error is an :class:`APIStatusError` subclass chosen by status code, and every failure to
get a response at all is an :class:`APIConnectionError`.
"""

from __future__ import annotations

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
        return body.strip()[:500]
    return f"HTTP {status_code}"


def redact(value: Any, secrets: Iterable[str]) -> Any:
    """Replace every occurrence of a secret in a (possibly nested) value by ``[redacted]``.

    Servers sometimes echo the credential they rejected; it must never reach an exception message,
    a log line or an error tracker through us.
    """
    secrets = [s for s in secrets if s and len(s) >= 8]
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "[redacted]")
        return value
    if isinstance(value, dict):
        return {k: redact(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secrets) for v in value]
    return value


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)

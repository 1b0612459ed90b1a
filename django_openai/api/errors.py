"""What a failure becomes in the API: a status and a detail that names the problem, never a 500.

A service refuses bad input with Django's ``ValidationError`` (naming the line, the field...): a
400. The OpenAI API's own answers are passed on by kind: its 404 is ours, its refusal of the
request (400, 409, 422) a 400 with its message; its refusal of our credentials, its rate limit
and its failures are the server's problem (502/503), said without any detail of the setup.
Messages of the client's errors are redacted already (docs/architecture.md, "Errors and
redaction").

A thread that cannot take a message or a run says why: a run in progress is a 409 (the request
is fine, and will be once the run ends); an archived thread (it takes nothing until unarchived),
no assistant, nothing to answer, an assistant of another provider or a tool nobody registered
are a 400, as the streaming views answer them. Each carries its ``code``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError

from ..client import (
    APIConnectionError,
    APIError,
    APIStatusError,
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from ..services.threads import ThreadBusy, ThreadError
from ..tools import ToolNotFound


class UpstreamError(APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "The OpenAI API failed to answer; try again later."
    default_code = "upstream_error"


class UpstreamBusy(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The OpenAI API is rate limiting this server; try again later."
    default_code = "upstream_rate_limited"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object is not in a state that allows this."
    default_code = "conflict"


def translate(exc: Exception) -> Exception:
    """The DRF exception for a service's or the client's error; any other exception as it is."""
    if isinstance(exc, ThreadBusy):
        return Conflict(str(exc), code=exc.code)
    if isinstance(exc, ThreadError):
        return ValidationError({"detail": str(exc)}, code=exc.code)
    if isinstance(exc, ToolNotFound):
        return ValidationError({"detail": str(exc)}, code="unknown_tool")
    if isinstance(exc, DjangoValidationError):
        return ValidationError(
            {"detail": " ".join(exc.messages)}, code=getattr(exc, "code", None) or "invalid"
        )
    if not isinstance(exc, APIError):
        return exc
    if isinstance(exc, NotFoundError):
        return NotFound(f"Not found on the OpenAI API: {exc.message}")
    if isinstance(exc, AuthenticationError | PermissionDeniedError):
        return UpstreamError("The OpenAI API refused this server's credentials.")
    if isinstance(exc, RateLimitError):
        return UpstreamBusy()
    if isinstance(exc, APIStatusError) and (exc.status_code or 500) < 500:
        return ValidationError(
            {"detail": f"The OpenAI API refused the request: {exc.message}"}, code="upstream"
        )
    if isinstance(exc, APIConnectionError):
        return UpstreamError("The OpenAI API could not be reached; try again later.")
    return UpstreamError()

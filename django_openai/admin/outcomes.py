"""What an operation that fails is, in a message: never more than the client's (redacted) error says."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ..client import APIError

#: The failures an action reports (anything else is a bug, and a 500 says so).
FAILURES = (APIError, ValidationError)


def reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)

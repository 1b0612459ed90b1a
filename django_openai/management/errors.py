"""What a management command meets that is not a bug, turned into a message instead of a traceback.

A mistyped client alias, an API that answers an error or cannot be reached, a broker that is down:
each ends the command with a ``CommandError`` (one line on stderr, exit status 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from kombu.exceptions import OperationalError as BrokerError

from ..client import APIError


@contextmanager
def reported(doing: str) -> Iterator[None]:
    """Re-raise the expected failures of ``doing`` (e.g. "importing files") as a ``CommandError``."""
    try:
        yield
    except ImproperlyConfigured as exc:
        # Already says what to set (e.g. "No OpenAI client named 'x': add it to ...").
        raise CommandError(str(exc)) from exc
    except APIError as exc:
        raise CommandError(f"{doing} failed: {describe(exc)}") from exc
    except BrokerError as exc:
        raise CommandError(
            f"{doing} failed: the Celery broker could not be reached ({exc}). "
            "Check CELERY_BROKER_URL, or poll in this process with --inline."
        ) from exc


def describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"

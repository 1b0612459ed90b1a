"""Function tools registered both in the test process and in the Celery worker it starts."""

from __future__ import annotations

import os

import django_openai


@django_openai.tool
def forecast(city: str) -> str:
    """Tomorrow's weather, and which process answered."""
    return f"rain in {city} (pid {os.getpid()})"

"""The ASGI application of bench/sse_views.py: the Django project, with time marks in each request.

Each request notes when it reaches a few points (a dict in a context variable: a few microseconds)
and prints them, relative to its arrival in Django, as one ``MARKS`` line on stderr at its end.
"""

from __future__ import annotations

import contextvars
import os
import sys
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.sse_settings")

from django.core.asgi import get_asgi_application

application = get_asgi_application()
if os.environ.get("BENCH_ONE_HOP") == "1":
    from django_openai.asgi import streaming_asgi

    application = streaming_asgi(application, prefixes=["/chat/", "/relay/"])

from django_openai import views  # noqa: E402
from django_openai.services import _run_job  # noqa: E402

MARKS: contextvars.ContextVar[dict[str, float] | None] = contextvars.ContextVar("marks", default=None)


def mark(name: str) -> None:
    marks = MARKS.get()
    if marks is not None and name not in marks:
        marks[name] = time.perf_counter()


def around(owner: Any, name: str, label: str) -> None:
    original = getattr(owner, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        mark(f"{label}_in")
        try:
            return original(*args, **kwargs)
        finally:
            mark(f"{label}_out")

    setattr(owner, name, wrapped)


around(views._StreamView, "dispatch", "view")
around(views._StreamView, "get_thread", "lookup")
around(views._StreamView, "start", "start")
around(_run_job.RunJob, "next_request", "request")
around(_run_job.RunJob, "feed", "feed")


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return await application(scope, receive, send)
    marks = {"arrived": time.perf_counter()}
    MARKS.set(marks)

    async def sending(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            mark("headers")
        elif b"event: text.delta" in message.get("body", b""):
            mark("sent")
        await send(message)

    try:
        await application(scope, receive, sending)
    finally:
        start = marks["arrived"]
        line = " ".join(f"{k}={(v - start) * 1000:.3f}" for k, v in marks.items())
        print(f"MARKS {line}", file=sys.stderr, flush=True)

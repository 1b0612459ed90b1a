"""threads/{id}/runs/: start a run (answered when it ends, at once in the background, or as a
stream of Server-Sent Events), list, retrieve, cancel.

Starting a run is an async view (``AsyncAPIView``): under ASGI a run, streamed or not, waits on
the event loop and holds no worker thread. Everything that can refuse a run (bad input, another
run in progress, an archived thread, an unknown tool...) refuses it before a row is written, and
before the first byte of a stream: the answer is then a 400 or 409 that names the problem.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.shortcuts import get_object_or_404
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from ...downloads import is_asgi
from ...models import Run
from ...services.runs import AsyncRun, cancel_run, run_thread
from ...streaming import sse_response
from ..base import AsyncAPIView
from ..pagination import ListPagination
from ..schema import document, event_stream, with_errors
from ..thread_serializers import RunCreateSerializer, RunSerializer
from .threads import ThreadScoped

EVENT_STREAM = "text/event-stream"


def accepts_event_stream(request: Request) -> bool:
    accept = request.headers.get("Accept", "")
    return any(part.split(";")[0].strip().lower() == EVENT_STREAM for part in accept.split(","))


def _run_queryset() -> Any:
    return Run.objects.select_related("assistant_version__assistant")


class RunList(AsyncAPIView, ThreadScoped):
    """GET lists a thread's runs; POST starts one (throttled per user: the ``runs`` scope)."""

    serializer_class = RunSerializer
    pagination_class = ListPagination
    throttle_scopes = {"POST": "runs"}

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # A stream is asked for with Accept: text/event-stream; every other answer, errors
        # included, is JSON whatever the Accept header says.
        return super().perform_content_negotiation(request, force=True)

    def cursor_pk(self, after: str, queryset: Any) -> int | None:
        return int(after) if after.isdecimal() and queryset.filter(pk=int(after)).exists() else None

    def _page(self) -> Any:
        thread = self.get_thread()
        page = self.paginate_queryset(_run_queryset().filter(thread_id=thread.pk))
        return self.get_paginated_response(RunSerializer(page, many=True).data)

    @document(
        summary="A thread's runs, newest first", responses=with_errors(RunSerializer(many=True), 400, 404)
    )
    async def get(self, request: Request, thread_id: int) -> Response:
        return await sync_to_async(self._page)()

    def _prepare(self, request: Request) -> tuple[Any, dict[str, Any]]:
        """The thread (the user's own) and the validated input: database work, in one hop."""
        thread = self.get_thread()
        form = RunCreateSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        return thread, dict(form.validated_data)

    @document(
        summary="Start a run",
        description=(
            "The thread's assistant answers what was added since the last run (`assistant` runs "
            "another; `overrides` change its settings for this run only). Answered when the run ends "
            "(201), at once with `background: true` (202, the run queued), or with `stream: true` "
            "and `Accept: text/event-stream` as Server-Sent Events: `id` the event's sequence, "
            "`event` its type, `data` the event as JSON, ending with `run.completed` or `run.failed`. "
            "A run in progress is a 409, an archived thread a 400; nothing is created."
        ),
        request=RunCreateSerializer,
        responses=with_errors(
            {
                201: RunSerializer,
                202: RunSerializer,
                **event_stream("The run's events as they happen (stream: true)."),
            },
            400,
            404,
            409,
            429,
        ),
    )
    async def post(self, request: Request, thread_id: int) -> Any:
        thread, data = await sync_to_async(self._prepare)(request)
        stream, background = data["stream"], data["background"]
        if stream and not accepts_event_stream(request):
            raise ValidationError(
                {"stream": [f"a stream is answered as Server-Sent Events: send Accept: {EVENT_STREAM}."]},
                code="not_acceptable",
            )
        assistant, overrides = data.get("assistant"), data.get("overrides") or {}
        if stream and not is_asgi(request):
            # Under WSGI this event loop ends with the view: the run is read by the server's
            # thread, on the sync client, as it streams (one thread per stream, as any WSGI view).
            events = await sync_to_async(
                lambda: run_thread(thread, assistant, stream=True, background=background, **overrides)
            )()
            return sse_response(events, data["protocol"], request=request._request)
        run = AsyncRun(thread, assistant, stream=stream, background=background, overrides=overrides)
        if stream:
            # Started here, so that a refusal is an error answer rather than a broken stream. The
            # server cancels the stream when the reader goes away, which closes the run's events:
            # a foreground run stops and keeps what came.
            await run.__aenter__()
            return sse_response(run, data["protocol"], request=request._request)
        finished = await run
        body = await sync_to_async(lambda: RunSerializer(_run_queryset().get(pk=finished.pk)).data)()
        return Response(body, status=status.HTTP_202_ACCEPTED if background else status.HTTP_201_CREATED)


class RunScoped(ThreadScoped):
    serializer_class = RunSerializer

    def get_run(self) -> Run:
        """The run, within the thread of the URL (itself the user's own): anything else is a 404."""
        thread = self.get_thread()
        return get_object_or_404(_run_queryset(), thread_id=thread.pk, pk=self.kwargs["run_id"])


class RunDetail(RunScoped):
    @document(summary="Retrieve a run", responses=with_errors(RunSerializer, 404))
    def get(self, request: Request, thread_id: int, run_id: int) -> Response:
        return Response(RunSerializer(self.get_run()).data)


class RunCancel(RunScoped):
    @document(
        summary="Cancel a run",
        description=(
            "A background run is cancelled at the provider, a queued one never starts, one that "
            "another process is running stops at its next check keeping what came. A run that "
            "ended is answered as it is."
        ),
        request=None,
        responses=with_errors(RunSerializer, 404, 502),
    )
    def post(self, request: Request, thread_id: int, run_id: int) -> Response:
        run = cancel_run(self.get_run())
        return Response(RunSerializer(_run_queryset().get(pk=run.pk)).data)

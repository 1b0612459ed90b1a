"""A stand-in for django_openai.views.ThreadStreamView until it is available: the same wire
format, so that static/demo/chat.js needs no change when it is swapped in.

POST {"message": ...} adds the message and streams the run; GET follows the thread's active run
(204 when none). Each event: ``id: <sequence>``, ``event: <type>``, ``data: <json>``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from django_openai.models import Thread
from django_openai.services.events import RunEventBase
from django_openai.services.run_log import active_run, afollow_run
from django_openai.services.runs import ThreadError


def _frame(event: RunEventBase) -> str:
    return f"id: {event.sequence}\nevent: {event.type}\ndata: {json.dumps(event.to_dict())}\n\n"


def _sse(events: AsyncIterator[str]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


async def thread_stream(request: HttpRequest, thread_id: int) -> HttpResponse:
    user = await request.auser()
    if not user.is_authenticated:
        return JsonResponse({"error": "Log in first."}, status=403)
    thread = await Thread.objects.filter(pk=thread_id, owner=user).afirst()
    if thread is None:
        return JsonResponse({"error": "Not found."}, status=404)
    if request.method == "GET":
        run = await sync_to_async(active_run)(thread)
        if run is None:
            return HttpResponse(status=204)
        after = int(request.headers.get("Last-Event-ID") or 0)

        async def followed() -> AsyncIterator[str]:
            async for event in afollow_run(run, after=after):
                yield _frame(event)

        return _sse(followed())
    if request.method != "POST":
        return JsonResponse({"error": "GET or POST."}, status=405)
    try:
        message = str(json.loads(request.body or b"{}").get("message", "")).strip()
    except (ValueError, AttributeError):
        return JsonResponse({"error": 'Send JSON: {"message": "..."}.'}, status=400)
    if not message:
        return JsonResponse({"error": "Type a message first."}, status=400)
    try:
        await thread.aadd_message(message)
    except ThreadError as exc:
        return JsonResponse({"error": str(exc)}, status=409)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)

    async def streamed() -> AsyncIterator[str]:
        try:
            async with thread.arun(stream=True) as events:
                async for event in events:
                    yield _frame(event)
        except ThreadError as exc:  # refused before it started: nothing was written
            error = {"type": "run.failed", "status": "failed", "error": {"code": exc.code, "message": str(exc)}}
            yield f"event: run.failed\ndata: {json.dumps(error)}\n\n"

    return _sse(streamed())

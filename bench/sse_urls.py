"""The URLs of bench/sse_views.py: the streaming view, and the floor it is compared with.

``relay/`` is what any Django view that streams a model's answer costs, and nothing of this app's
run: the same middlewares and session user, then the upstream's chunks re-sent as they come through
the async client (no thread, no run, no database write).
"""

import json
from collections.abc import AsyncIterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path

from django_openai import get_async_client
from django_openai.views import ThreadStreamView

BODY = {"model": "gpt-4.1-mini", "stream": True, "messages": [{"role": "user", "content": "Hi"}]}


async def _relay() -> AsyncIterator[bytes]:
    upstream = await get_async_client().request("POST", "/chat/completions", body=BODY, stream=True)
    async with upstream:
        async for chunk in upstream:
            for choice in chunk.get("choices") or ():
                text = (choice.get("delta") or {}).get("content")
                if text:
                    yield f"event: text.delta\ndata: {json.dumps({'delta': text})}\n\n".encode()
    yield b"event: run.completed\ndata: {}\n\n"


def relay(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    return StreamingHttpResponse(_relay(), content_type="text/event-stream")


urlpatterns = [
    path("chat/<int:thread_id>/stream/", ThreadStreamView.as_view()),
    path("relay/", relay),
]

"""A client that leaves while the view runs: Django cancels the request and drops the response the
view returns, unsent and unread. The run that view claimed ends as if its reader had left
(incomplete, the user's message kept), and the thread takes the next message at once instead of
answering "busy" until the run is taken for dead (docs/streaming-views.md, "Disconnects")."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.asgi import get_asgi_application
from django.db import OperationalError

from django_openai.asgi import streaming_asgi
from django_openai.models import Run
from django_openai.models.runs import TERMINAL
from django_openai.signals import run_started

from .test_one_hop import browser, call, scope_of

pytestmark = pytest.mark.django_db(transaction=True)


async def leave_while_the_view_runs(app: Any, path: str, body: bytes, headers: dict[str, str]) -> list[Any]:
    """POST ``body``; once the view has claimed its run, hang up, and let the view go on only
    once Django has heard it (the view is held in ``run_started``, sent as its claim commits)."""
    loop = asyncio.get_running_loop()
    claimed = asyncio.Event()
    release = threading.Event()

    def hold(sender: Any, **kwargs: Any) -> None:
        loop.call_soon_threadsafe(claimed.set)
        release.wait(10)

    run_started.connect(hold, weak=False)
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await claimed.wait()
        loop.call_later(0.3, release.set)  # Django cancels the request meanwhile
        return {"type": "http.disconnect"}

    sent: list[Any] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    try:
        await asyncio.wait_for(app(scope_of("POST", path, headers), receive, send), 30)
    finally:
        release.set()
        run_started.disconnect(hold)
    return sent


def ended(thread_pk: int, seconds: float = 10.0) -> Run | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        gc.collect()
        try:
            run = Run.objects.filter(thread_id=thread_pk).first()
        except OperationalError as exc:  # SQLite's shared cache: the run is being ended
            assert "locked" in str(exc)
            continue
        if run is not None and run.status in TERMINAL:
            return run
        time.sleep(0.05)
    return Run.objects.filter(thread_id=thread_pk).first()


@pytest.mark.parametrize("backend", ["responses", "chat"])
@pytest.mark.parametrize("mount", ["django", "one-hop"])
async def test_a_client_gone_before_the_response_started_frees_the_thread_at_once(
    fake, alice, thread, mount, async_db
):
    app = get_asgi_application()
    if mount == "one-hop":
        app = streaming_asgi(app, prefixes=["/chat/"])
    headers = await asyncio.to_thread(browser, alice)
    path = f"/chat/{thread.pk}/stream/"
    sent = await leave_while_the_view_runs(app, path, json.dumps({"message": "Hello?"}).encode(), headers)
    assert not any(m["type"] == "http.response.start" for m in sent), "the response never started"

    run = await sync_to_async(ended)(thread.pk)
    assert run is not None and (run.status, (run.error or {}).get("code")) == ("incomplete", "disconnected")
    await thread.arefresh_from_db()
    assert thread.active_run_id is None
    assert [i.text async for i in thread.items.order_by("position")] == ["Hello?"], "the message is kept"

    # The user asks again at once: answered, not "busy".
    status, _, content = await call(
        app, "POST", path, json.dumps({"message": "Hello again"}).encode(), headers
    )
    assert status == 200 and b"event: run.completed" in content

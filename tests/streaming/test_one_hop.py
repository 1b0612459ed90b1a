"""The one-hop mount (django_openai.asgi), in process: the same middlewares, session,
CSRF check and view as Django's handler, reached in one hop to a thread instead of one per
middleware; other paths and other kinds of connection go to the application behind it.
(tests/streaming/test_live.py runs every live stream test behind it too, under uvicorn.)"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import SyncToAsync
from django.core.asgi import get_asgi_application
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from django_openai.asgi import StreamingASGI, streaming_asgi

pytestmark = pytest.mark.django_db(transaction=True)


def scope_of(method: str, path: str, headers: dict[str, str] | None = None, **scope: Any) -> dict[str, Any]:
    """The ASGI scope of a request from a browser at testserver."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(k.encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        **scope,
    }


async def call(
    app: Any, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None, **scope: Any
):
    """One request to an ASGI app: its status, headers and whole body."""
    request = scope_of(method, path, headers, **scope)
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    never = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await never.wait()
        return {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(app(request, receive, send), 30)
    start = next(m for m in sent if m["type"] == "http.response.start")
    head = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return (
        start["status"],
        head,
        b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"),
    )


class Hops:
    """Counts the calls from async code to a thread (``sync_to_async``) while it is on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = SyncToAsync.__call__

        async def counted(this: Any, *args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return await original(this, *args, **kwargs)

        monkeypatch.setattr(SyncToAsync, "__call__", counted)


def browser(user: Any) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    csrf = _get_new_csrf_string()
    return {
        "cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}",
        "x-csrftoken": csrf,
        "content-type": "application/json",
    }


@pytest.mark.parametrize("backend", ["chat"])
async def test_a_stream_through_the_mount_takes_a_few_hops_where_django_takes_one_per_middleware(
    fake, alice, thread, monkeypatch
):
    headers = await asyncio.to_thread(browser, alice)
    body = json.dumps({"message": "Hello"}).encode()
    hops = Hops(monkeypatch)
    mounted = streaming_asgi(get_asgi_application(), prefixes=["/chat/"])
    status, head, content = await call(mounted, "POST", f"/chat/{thread.pk}/stream/", body, headers)
    assert status == 200 and head["content-type"].startswith("text/event-stream")
    assert b"event: run.completed" in content and b"event: text.delta" in content
    through_mount, hops.count = hops.count, 0

    status, _, content = await call(
        get_asgi_application(), "POST", f"/chat/{thread.pk}/stream/", body, headers
    )
    assert status == 200 and b"event: run.completed" in content
    # Both streams make the run's own calls (its request, its writes, its end) alike; Django's
    # handler adds two per middleware (process_request, process_response) and one for the view.
    assert hops.count - through_mount >= 8, (through_mount, hops.count)


async def test_the_middlewares_still_guard_the_view(alice, thread):
    mounted = streaming_asgi(get_asgi_application(), prefixes=["/chat/"])
    headers = await asyncio.to_thread(browser, alice)
    no_token = {k: v for k, v in headers.items() if k != "x-csrftoken"}
    status, _, content = await call(
        mounted, "POST", f"/chat/{thread.pk}/stream/", b'{"message": "x"}', no_token
    )
    assert status == 403 and b"CSRF" in content, "CsrfViewMiddleware refused it"
    status, _, content = await call(
        mounted,
        "POST",
        f"/chat/{thread.pk}/stream/",
        b'{"message": "x"}',
        {"content-type": "application/json"},
    )
    assert status == 403, "no session: no user"
    status, _, _ = await call(mounted, "GET", f"/chat/{thread.pk}/stream/", headers=headers)
    assert status == 204, "the session's user, and no run in progress"
    assert not await thread.items.aexists()


async def test_under_a_root_path_and_with_an_error_it_answers_as_django_does(alice, thread, caplog):
    mounted = streaming_asgi(get_asgi_application(), prefixes=["/chat/"])
    headers = await asyncio.to_thread(browser, alice)
    path = f"/site/chat/{thread.pk}/stream/"
    status, _, _ = await call(mounted, "GET", path, headers=headers, root_path="/site")
    assert status == 204, "the view, reached under the root path"
    status, _, _ = await call(mounted, "GET", "/site/chat/none/", headers=headers, root_path="/site")
    assert status == 404, "no such URL: Django's 404"
    assert "Not Found: /site/chat/none/" in caplog.text, "logged as Django logs a 4xx"


class Behind:
    """The application behind the mount: what reached it."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.seen.append((scope["type"], scope.get("path", "")))
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 299, "headers": []})
            await send({"type": "http.response.body", "body": b"behind"})


async def test_other_paths_and_connections_go_to_the_application_behind():
    behind = Behind()
    mounted = StreamingASGI(behind, prefixes=["chat/"])
    assert mounted.prefixes == ("/chat/",)
    status, _, content = await call(mounted, "GET", "/admin/")
    assert (status, content) == (299, b"behind")
    await mounted({"type": "lifespan"}, None, None)
    await mounted({"type": "websocket", "path": "/chat/1/stream/"}, None, None)
    assert behind.seen == [("http", "/admin/"), ("lifespan", ""), ("websocket", "/chat/1/stream/")]
    # Under a root path, the prefix is matched after it: /site/chat/... is the mount's.
    assert mounted.serves({"path": "/site/chat/1/stream/", "root_path": "/site"})
    assert not mounted.serves({"path": "/site/admin/", "root_path": "/site"})


def test_prefixes_are_required():
    with pytest.raises(ValueError, match="path prefixes"):
        streaming_asgi(Behind(), prefixes=[])

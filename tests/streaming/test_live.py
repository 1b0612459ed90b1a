"""The streaming endpoints (the thread view, useChat's view, the API's runs) under a real uvicorn
server (Django's ASGI application, as it comes and behind the one-hop mount, in a thread of the
test process), against a loopback fake that paces its answers like a model: events arrive one by
one, a reader who goes away stops the run within a second with the partial answer kept, a second
reader resumes the run in progress, and the AI SDK's own code reads the UI message stream."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client, override_settings

from django_openai.models import Assistant, Run, Thread
from django_openai.testing import FakeHTTPServer, FakeOpenAI, Pacing
from django_openai.testing.pytest_plugin import _spec_path
from tests.gateway.conftest import LiveServer

JS = Path(__file__).resolve().parents[1] / "js"


@pytest.fixture(scope="module", params=["django", "one-hop"])
def server(request) -> Iterator[LiveServer]:
    """Django's ASGI application as it comes, and behind the one-hop mount: every test, both."""
    from django.core.asgi import get_asgi_application

    from django_openai.asgi import streaming_asgi

    application = get_asgi_application()
    if request.param == "one-hop":
        application = streaming_asgi(application, prefixes=["/chat/", "/api/chat"])
    live = LiveServer(application)
    live.server.config.lifespan = "off"
    live.start()
    yield live
    live.stop()


@pytest.fixture
def paced(pytestconfig, backend, transactional_db):
    """A loopback fake of its own whose answers come 20 words, 60 ms apart."""
    fake = FakeOpenAI(spec_path=_spec_path(pytestconfig))
    fake.pacing = Pacing(first_token_ms=10, token_ms=60, chunks=20)
    fake_server = FakeHTTPServer(fake).start()
    clients = {
        "default": {
            "API_KEY": "sk-fake-0123456789",
            "BASE_URL": fake_server.base_url,
            "THREAD_BACKEND": backend,
            "MAX_RETRIES": 0,
        }
    }
    with override_settings(DJANGO_OPENAI={**settings.DJANGO_OPENAI, "CLIENTS": clients}):
        yield fake, fake_server
    fake_server.stop()
    fake.close()


class Browser:
    """A logged-in session with its CSRF token, as a page would send them."""

    def __init__(self, user: Any) -> None:
        client = Client()
        client.force_login(user)
        self.csrf = _get_new_csrf_string()
        self.cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={self.csrf}"
        self.headers = {"cookie": self.cookie, "x-csrftoken": self.csrf}


@pytest.fixture
def setup(paced, django_user_model):
    alice = django_user_model.objects.create_user("alice", password="pw-alice")
    assistant = Assistant.objects.create(
        name="Streamer",
        slug="streamer",
        model="gpt-4.1-mini",
        tools=["stream_weather", "stream_broken_lookup"],
    )
    thread = Thread.objects.create(owner=alice, assistant=assistant)
    return Browser(alice), thread


TEXT_DELTAS = ("text.delta", "text-delta")  # the OpenAI-style format's, the UI stream's
ENDS = ("run.completed", "finish")


class EventReader:
    """The events of a response (either format) with the moment each arrived, read as the bytes
    come; one reader per response, so that stopping and reading on keeps the connection and the
    buffer."""

    def __init__(self, response: httpx.Response) -> None:
        self.chunks = response.iter_text()
        self.buffer = ""

    def read(self, stop_after_deltas: int | None = None) -> list[tuple[float, dict]]:
        events: list[tuple[float, dict]] = []
        deltas = 0
        while True:
            while "\n\n" in self.buffer:
                block, self.buffer = self.buffer.split("\n\n", 1)
                data_line = next((line for line in block.split("\n") if line.startswith("data: ")), None)
                if data_line is None or data_line == "data: [DONE]":
                    continue  # a ping, or the UI stream's end marker
                data = json.loads(data_line[6:])
                events.append((time.monotonic(), data))
                deltas += data["type"] in TEXT_DELTAS
                if stop_after_deltas is not None and deltas == stop_after_deltas:
                    return events
            text = next(self.chunks, None)
            if text is None:
                return events
            self.buffer += text


def read_events(response: httpx.Response, stop_after_deltas: int | None = None) -> list[tuple[float, dict]]:
    return EventReader(response).read(stop_after_deltas)


def start_run(endpoint: str, thread: Thread, text: str) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The request that starts a streamed run on ``thread`` at each streaming endpoint: its path,
    JSON body and headers beyond the browser's."""
    if endpoint == "view":
        return f"/chat/{thread.pk}/stream/", {"message": text}, {}
    if endpoint == "ui":  # useChat's request, the thread named by its key
        message = {"id": "u1", "role": "user", "parts": [{"type": "text", "text": text}]}
        return "/api/chat", {"id": str(thread.pk), "messages": [message], "trigger": "submit-message"}, {}
    thread.add_message(text)  # the API: a message, then a run with stream: true
    return f"/api/openai/threads/{thread.pk}/runs/", {"stream": True}, {"accept": "text/event-stream"}


@pytest.mark.parametrize("backend", ["responses"])
@pytest.mark.parametrize("endpoint", ["view", "ui", "api"])
def test_events_arrive_one_by_one(server, setup, endpoint):
    browser, thread = setup
    path, body, headers = start_run(endpoint, thread, "Tell me a story")
    with (
        httpx.Client(base_url=server.url, headers=browser.headers, timeout=30) as http,
        http.stream("POST", path, json=body, headers=headers) as response,
    ):
        assert response.status_code == 200
        events = read_events(response)
    arrivals = [at for at, event in events if event["type"] in TEXT_DELTAS]
    assert len(arrivals) == 20 and events[-1][1]["type"] in ENDS
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    # Paced 60 ms apart: a buffered stream would deliver them together, gaps near zero.
    assert sum(gap > 0.02 for gap in gaps) >= len(gaps) * 0.7, gaps
    assert arrivals[-1] - arrivals[0] > 0.5


def wait_until(predicate, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.005)
    raise AssertionError("timed out")


@pytest.mark.parametrize(
    ("endpoint", "backend"), [("view", "responses"), ("view", "chat"), ("ui", "chat"), ("api", "responses")]
)
def test_a_reader_going_away_stops_the_run_and_keeps_the_partial_answer(server, setup, paced, endpoint):
    _, fake_server = paced
    browser, thread = setup
    path, body, headers = start_run(endpoint, thread, "A long story")
    with httpx.Client(base_url=server.url, headers=browser.headers, timeout=30) as http:
        with http.stream("POST", path, json=body, headers=headers) as response:
            events = read_events(response, stop_after_deltas=3)
            open_connections = fake_server.connection_count()
        closed_at = time.monotonic()
    # The browser left with 17 words to go (about a second): the upstream closes within 1 s.
    wait_until(lambda: fake_server.connection_count() < open_connections, 1.0)
    assert time.monotonic() - closed_at < 1.0
    run = Run.objects.get()
    wait_until(lambda: Run.objects.filter(pk=run.pk, status="incomplete").exists(), 2.0)
    run.refresh_from_db()
    assert run.error["code"] == "disconnected"
    answer = thread.items.get(position=2)
    sent = "".join(event["delta"] for _, event in events if event["type"] in TEXT_DELTAS)
    assert answer.status == "incomplete" and answer.text.startswith(sent) and len(answer.text.split()) < 20
    thread.refresh_from_db()
    assert thread.active_run is None


@pytest.mark.parametrize("backend", ["responses"])
def test_a_second_reader_resumes_the_run_in_progress(server, setup):
    browser, thread = setup
    with (
        httpx.Client(base_url=server.url, headers=browser.headers, timeout=30) as http,
        http.stream("POST", f"/chat/{thread.pk}/stream/", json={"message": "A story"}) as first,
    ):
        reader = EventReader(first)
        seen = reader.read(stop_after_deltas=2)
        last_id = str(seen[-1][1]["sequence"])
        with http.stream("GET", f"/chat/{thread.pk}/stream/", headers={"Last-Event-ID": last_id}) as second:
            assert second.status_code == 200
            resumed = [event for _, event in read_events(second)]
        rest = [event for _, event in reader.read()]
    assert resumed[0]["sequence"] == int(last_id) + 1
    assert resumed[-1]["type"] == "run.completed"
    assert [e["sequence"] for e in resumed] == [e["sequence"] for e in rest], "the same events, in order"
    after = httpx.get(f"{server.url}/chat/{thread.pk}/stream/", headers=browser.headers)
    assert after.status_code == 204


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """tests/js with its node_modules: installed from its lock file when absent."""
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node and npm are needed for the AI SDK test")
    if not (JS / "node_modules" / "ai").is_dir():
        try:
            subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=JS,
                check=True,
                capture_output=True,
                timeout=240,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            pytest.skip(f"npm could not install tests/js (registry unreachable?): {exc}")
    return JS


def read_with_the_ai_sdk(
    node_modules: Path, server: LiveServer, setup: Any, paced: Any, chat_id: str, text: str, chunks: int = 8
):
    """What tests/js/read-ui-stream.mjs printed for a new chat answered in ``chunks`` quick words:
    the message the AI SDK assembled, the errors the stream reported, and what resuming the chat
    answered before and after. A part the package's schema refuses ends the script with an error."""
    paced[0].pacing = Pacing(first_token_ms=5, token_ms=5, chunks=chunks)
    browser, _thread = setup
    env = {
        **os.environ,
        "CHAT_URL": f"{server.url}/api/chat",
        "COOKIE": browser.cookie,
        "CSRF_TOKEN": browser.csrf,
        "CHAT_ID": chat_id,
        "TEXT": text,
    }
    done = subprocess.run(
        ["node", "read-ui-stream.mjs"], cwd=node_modules, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("backend", ["responses", "chat"])
def test_the_ai_sdk_reads_the_ui_message_stream(server, setup, paced, node_modules):
    result = read_with_the_ai_sdk(
        node_modules, server, setup, paced, "js-chat-1", 'Weather please: stream_weather({"city": "Oslo"})'
    )
    message = result["message"]
    assert result["errors"] == [] and result["fresh"] is None and result["resumed"] is None
    thread = Thread.objects.get(metadata__chat_id="js-chat-1")
    run = Run.objects.get(thread=thread)
    assert message["id"] == f"run-{run.pk}" and message["role"] == "assistant"
    kinds = [part["type"] for part in message["parts"]]
    assert kinds == ["step-start", "dynamic-tool", "step-start", "text"], kinds
    tool, text = message["parts"][1], message["parts"][3]
    assert tool["toolName"] == "stream_weather" and tool["state"] == "output-available"
    assert tool["input"] == {"city": "Oslo"} and tool["output"] == "18C and sunny in Oslo"
    assert text["state"] == "done" and text["text"] == thread.items.order_by("position").last().text
    assert "Oslo" in text["text"]


@pytest.mark.parametrize("backend", ["chat"])
def test_the_ai_sdk_reads_a_tool_that_failed(server, setup, paced, node_modules):
    result = read_with_the_ai_sdk(
        node_modules, server, setup, paced, "js-chat-3", 'Look it up: stream_broken_lookup({"topic": "tea"})'
    )
    assert result["errors"] == [], "a tool's failure is the tool's part, not the stream's error"
    kinds = [part["type"] for part in result["message"]["parts"]]
    assert kinds == ["step-start", "dynamic-tool", "step-start", "text"], kinds
    tool = result["message"]["parts"][1]
    assert tool["toolName"] == "stream_broken_lookup" and tool["state"] == "output-error"
    assert tool["input"] == {"topic": "tea"} and "the catalogue is down, no tea" in tool["errorText"]
    assert result["message"]["parts"][3]["state"] == "done", "the model answered after it"


@pytest.mark.parametrize("backend", ["responses"])
def test_the_ai_sdk_reads_an_upstream_error_mid_stream(server, setup, paced, backend, node_modules):
    fake, _ = paced
    fake.faults.add(
        "POST", "/responses" if backend == "responses" else "/chat/completions", stream_error_after=6
    )
    result = read_with_the_ai_sdk(node_modules, server, setup, paced, "js-chat-2", "Break, please", chunks=12)
    run = Run.objects.get(thread__metadata__chat_id="js-chat-2")
    assert run.status == "failed"
    assert len(result["errors"]) == 1 and result["errors"][0], "the error part reached the page"
    assert result["errors"][0] == run.error["message"]
    kinds = [part["type"] for part in result["message"]["parts"]]
    assert kinds == ["step-start", "text"], kinds
    kept = Thread.objects.get(metadata__chat_id="js-chat-2").items.order_by("position").last()
    assert result["message"]["parts"][1]["text"] and kept.text.startswith(
        result["message"]["parts"][1]["text"]
    )
    assert result["resumed"] is None


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (DATABASE_URL): the in-memory SQLite test database shares one cache "
    "between connections, whose table locks fail at once instead of waiting",
)
@pytest.mark.parametrize("backend", ["chat"])
def test_concurrent_streams_hold_no_database_connection_each(server, paced, django_user_model):
    """24 streams at once: every one 200 and complete, while the server's open database
    connections stay a few (the shared threads' and the requests still starting), not one per
    stream: each used to hold its request thread's connection to its end, and past PostgreSQL's
    ``max_connections`` the next request failed with "too many clients"."""
    from django.db.backends.signals import connection_created

    fake, _ = paced
    fake.pacing = Pacing(first_token_ms=10, token_ms=100, chunks=20)
    count = 24
    alice = django_user_model.objects.create_user("alice", password="pw-alice")
    assistant = Assistant.objects.create(name="Streamer", slug="streamer", model="gpt-4.1-mini")
    threads = [Thread.objects.create(owner=alice, assistant=assistant) for _ in range(count)]
    browser = Browser(alice)
    opened: list[Any] = []

    def created(sender: Any, connection: Any, **kwargs: Any) -> None:
        opened.append(connection)

    async def one(http: httpx.AsyncClient, thread: Thread, first: asyncio.Event) -> tuple[int, list[str]]:
        kinds: list[str] = []
        async with http.stream("POST", f"/chat/{thread.pk}/stream/", json={"message": "Hi"}) as response:
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    kinds.append(line[7:])
                    if kinds[-1] == "text.delta":
                        first.set()
        return response.status_code, kinds

    async def streams() -> tuple[list[tuple[int, list[str]]], int]:
        firsts = [asyncio.Event() for _ in threads]
        async with httpx.AsyncClient(
            base_url=server.url,
            headers=browser.headers,
            timeout=60,
            limits=httpx.Limits(max_connections=count),
        ) as http:
            tasks = [asyncio.create_task(one(http, t, e)) for t, e in zip(threads, firsts, strict=True)]
            await asyncio.wait_for(asyncio.gather(*(e.wait() for e in firsts)), 30)
            # Every stream is under way (20 words 100 ms apart): the connections open now.
            held = sum(conn.connection is not None for conn in opened)
            return list(await asyncio.gather(*tasks)), held

    connection_created.connect(created)
    try:
        results, held = asyncio.run(streams())
    finally:
        connection_created.disconnect(created)
    assert [status for status, _ in results] == [200] * count
    for _, kinds in results:
        assert kinds.count("text.delta") == 20 and kinds[-1] == "run.completed", kinds
    assert Run.objects.filter(status="completed").count() == count
    limit = settings.DJANGO_OPENAI.get("THREADS", {}).get("STREAM_DB_THREADS", 4)
    assert held <= limit + 4, f"{held} connections open for {count} streams"

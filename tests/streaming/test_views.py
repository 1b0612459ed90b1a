"""ThreadStreamView and ChatView through Django's test clients: the sync client is WSGI (a sync
iterator), the async client ASGI (an async iterator); both formats, tools, ownership, bad input,
throttling, compression, heartbeats, a failure upstream and resuming."""

from __future__ import annotations

import gzip
import json

import pytest
from django.conf import settings
from django.test import override_settings

from django_openai.models import Run, RunEvent, Thread, ThreadItem

from .conftest import abody, body, openai_events, streaming_settings, ui_parts

pytestmark = pytest.mark.django_db


def url(thread) -> str:
    return f"/chat/{thread.pk}/stream/"


def post_json(client, path, data, **extra):
    return client.post(path, json.dumps(data), content_type="application/json", **extra)


def test_post_streams_the_run_as_named_events_under_wsgi(client, alice, thread, fake):
    client.force_login(alice)
    response = post_json(client, url(thread), {"message": "What is Django?"}, HTTP_ACCEPT="text/event-stream")
    assert response.status_code == 200 and not response.is_async
    assert response["Content-Type"] == "text/event-stream; charset=utf-8"
    assert response["Cache-Control"] == "no-cache" and response["X-Accel-Buffering"] == "no"
    events = openai_events(body(response))
    types = [e["type"] for e in events]
    assert types[0] == "run.started" and types[-1] == "run.completed"
    assert "text.delta" in types and "item.completed" in types
    assert [e["sequence"] for e in events] == list(range(1, len(events) + 1))
    text = "".join(e["delta"] for e in events if e["type"] == "text.delta")
    assert [(i.role, i.text) for i in thread.items.order_by("position")] == [
        ("user", "What is Django?"),
        ("assistant", text),
    ]
    assert Run.objects.get().status == "completed"


def test_a_form_post_works_too(client, alice, thread, fake):
    client.force_login(alice)
    response = client.post(url(thread), {"message": "From a form"})
    assert openai_events(body(response))[-1]["type"] == "run.completed"
    assert thread.items.first().text == "From a form"


@pytest.mark.django_db(transaction=True)
async def test_post_streams_an_async_iterator_under_asgi(async_client, alice, thread, fake, async_db):
    await async_client.aforce_login(alice)
    response = await async_client.post(
        url(thread), json.dumps({"message": "Async please"}), content_type="application/json"
    )
    assert response.status_code == 200 and response.is_async
    events = openai_events(await abody(response))
    assert events[-1]["type"] == "run.completed"
    assert await ThreadItem.objects.filter(thread=thread).acount() == 2


def test_ui_protocol_by_query_and_by_a_usechat_body(client, alice, thread, fake):
    client.force_login(alice)
    response = post_json(client, url(thread) + "?protocol=ui", {"message": "UI please"})
    assert response["x-vercel-ai-ui-message-stream"] == "v1"
    parts = ui_parts(body(response))
    run = Run.objects.get()
    assert parts[0] == {"type": "start", "messageId": f"run-{run.pk}"}
    assert [p["type"] for p in parts[-3:-1]] == ["finish-step", "finish"] and parts[-1] == "[DONE]"
    text = "".join(p["delta"] for p in parts if isinstance(p, dict) and p["type"] == "text-delta")
    assert text == thread.items.last().text

    usechat = {
        "id": "x",
        "messages": [{"id": "m1", "role": "user", "parts": [{"type": "text", "text": "Again"}]}],
    }
    response = post_json(client, url(thread), usechat)
    assert response["x-vercel-ai-ui-message-stream"] == "v1"
    assert ui_parts(body(response))[-1] == "[DONE]"
    assert thread.items.order_by("position")[2].text == "Again"


def test_a_tool_call_in_both_formats(client, alice, thread, fake):
    client.force_login(alice)
    ask = 'What is the weather? Call stream_weather({"city": "Paris"})'
    events = openai_events(body(post_json(client, url(thread), {"message": ask})))
    finished = [e for e in events if e["type"] == "tool_call.finished"]
    assert [(e["name"], e["output"]) for e in finished] == [("stream_weather", "18C and sunny in Paris")]

    parts = ui_parts(body(post_json(client, url(thread) + "?protocol=ui", {"message": ask})))
    types = [p if isinstance(p, str) else p["type"] for p in parts]
    assert types.count("start-step") == 2, "the tool's round, then the answer's"
    available = next(p for p in parts if isinstance(p, dict) and p["type"] == "tool-input-available")
    output = next(p for p in parts if isinstance(p, dict) and p["type"] == "tool-output-available")
    assert available["input"] == {"city": "Paris"} and available["toolName"] == "stream_weather"
    assert output["output"] == "18C and sunny in Paris" and output["toolCallId"] == available["toolCallId"]
    assert types.index("tool-output-available") < types.index("text-start")


def test_another_users_thread_is_not_found_and_anonymous_is_refused(client, alice, bob, thread, fake):
    client.force_login(bob)
    assert post_json(client, url(thread), {"message": "Mine now"}).status_code == 404
    assert client.get(url(thread)).status_code == 404
    client.logout()
    refused = post_json(client, url(thread), {"message": "Anyone"})
    assert refused.status_code == 403 and refused.json()["code"] == "not_authenticated"
    assert client.get(url(thread)).status_code == 403
    assert not thread.items.exists() and not Run.objects.exists()


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"[1, 2]", 400, "invalid_json"),
        (b'{"message": "   "}', 400, "empty_message"),
        (b"{}", 400, "invalid_message"),
        (b'{"message": "hi", "assistant": "nobody"}', 400, "unknown_assistant"),
        (b'{"messages": [{"role": "assistant", "parts": []}]}', 400, "invalid_messages"),
    ],
)
def test_bad_input_is_a_400_naming_it_and_leaves_nothing(client, alice, thread, fake, payload, status, code):
    client.force_login(alice)
    response = client.post(url(thread), payload, content_type="application/json")
    assert response.status_code == status and response.json()["code"] == code, response.content
    assert response.json()["detail"]
    assert not thread.items.exists() and not Run.objects.exists()


def test_an_archived_thread_a_busy_one_and_no_assistant(client, alice, thread, fake):
    client.force_login(alice)
    Thread.objects.filter(pk=thread.pk).update(archived=True)
    archived = post_json(client, url(thread), {"message": "hi"})
    assert (archived.status_code, archived.json()["code"]) == (400, "thread_archived")
    Thread.objects.filter(pk=thread.pk).update(archived=False)

    thread.add_message("First")
    busy_run = Run.objects.create(thread=thread, status="in_progress", stream=True)
    Thread.objects.filter(pk=thread.pk).update(active_run=busy_run)
    busy = post_json(client, url(thread), {"message": "Second"})
    assert (busy.status_code, busy.json()["code"]) == (409, "thread_busy")
    assert thread.items.count() == 1 and Run.objects.count() == 1

    bare = Thread.objects.create(owner=alice)
    none = post_json(client, url(bare), {"message": "hi"})
    assert (none.status_code, none.json()["code"]) == (400, "no_assistant")
    assert not bare.items.exists(), "the message is not kept when the run cannot start"


def test_starting_runs_is_throttled_per_user_sharing_the_apis_budget(
    client, alice, bob, assistant, thread, fake
):
    api = {"THROTTLE_RATES": {"runs": "3/minute"}}
    with override_settings(DJANGO_OPENAI={**settings.DJANGO_OPENAI, "API": api}):
        client.force_login(alice)
        assert body(post_json(client, url(thread), {"message": "One"}))
        message = {"role": "user", "parts": [{"type": "text", "text": "Two"}]}
        assert body(post_json(client, "/api/chat", {"id": "c-1", "messages": [message]}))
        api_run = client.post(f"/api/openai/threads/{thread.pk}/runs/", {}, content_type="application/json")
        assert api_run.status_code == 201, api_run.content
        runs, items = Run.objects.count(), ThreadItem.objects.count()
        for refused in (
            post_json(client, url(thread), {"message": "Four"}),
            post_json(client, "/api/chat", {"id": "c-1", "messages": [message]}),
        ):
            assert refused.status_code == 429 and refused.json()["code"] == "throttled", refused.content
            assert int(refused["Retry-After"]) > 0 and "try again in" in refused.json()["detail"]
        assert client.get(url(thread)).status_code == 204, "reading is not throttled"
        assert (Run.objects.count(), ThreadItem.objects.count()) == (runs, items), "the refused left nothing"
        client.force_login(bob)
        mine = Thread.objects.create(owner=bob, assistant=assistant)
        assert post_json(client, url(mine), {"message": "Bob's"}).status_code == 200, "each user has a budget"
    with override_settings(DJANGO_OPENAI={**settings.DJANGO_OPENAI, "API": {**api, "THROTTLE_CLASSES": []}}):
        client.force_login(alice)
        assert post_json(client, url(thread), {"message": "Unthrottled"}).status_code == 200


def test_gzip_middleware_leaves_the_stream_alone(client, alice, thread, fake):
    client.force_login(alice)
    with override_settings(MIDDLEWARE=["django.middleware.gzip.GZipMiddleware", *settings.MIDDLEWARE]):
        response = post_json(client, url(thread), {"message": "No gzip"}, HTTP_ACCEPT_ENCODING="gzip, br")
        assert not response.has_header("Content-Encoding")
        raw = body(response)
        assert openai_events(raw)[-1]["type"] == "run.completed"


def test_gzip_middleware_would_compress_a_stream_not_made_this_way(rf):
    """The control of the test above: the same middleware compresses an event stream whose request
    was not given to sse_response()."""
    from django.middleware.gzip import GZipMiddleware

    from django_openai.services.events import RunCompleted
    from django_openai.streaming import sse_response

    events = [RunCompleted(sequence=1, run_id=1)]
    request = rf.get("/", HTTP_ACCEPT_ENCODING="gzip")
    compressed = GZipMiddleware(lambda r: sse_response(iter(events)))(request)
    assert compressed["Content-Encoding"] == "gzip"
    assert b"run.completed" in gzip.decompress(body(compressed))
    left = GZipMiddleware(lambda r: sse_response(iter(events), request=r))(
        rf.get("/", HTTP_ACCEPT_ENCODING="gzip")
    )
    assert not left.has_header("Content-Encoding") and b"run.completed" in body(left)


@pytest.mark.django_db(transaction=True)
async def test_heartbeats_while_a_tool_runs(async_client, alice, thread, fake, async_db):
    await async_client.aforce_login(alice)
    with streaming_settings(HEARTBEAT_SECONDS=0.05):
        response = await async_client.post(
            url(thread),
            json.dumps({"message": 'Look it up: stream_slow_lookup({"topic": "Django"})'}),
            content_type="application/json",
        )
        chunks = [chunk async for chunk in response.streaming_content]
    # Events that came together may go out in one chunk: the kinds in order, whatever the chunks.
    blocks = [block for block in b"".join(chunks).split(b"\n\n") if block]
    kinds = [b"ping" if block == b": ping" else block.split(b"\n")[1] for block in blocks]
    # While the tool runs (0.4 s): between the call's item.completed and tool_call.finished. (A
    # loaded machine may also ping elsewhere, wherever 50 ms pass without an event.)
    finished = kinds.index(b"event: tool_call.finished")
    called = kinds.index(b"event: item.completed", kinds.index(b"event: tool_call.started"))
    assert kinds[called + 1 : finished].count(b"ping") >= 2, "the pings come while the tool runs"
    assert openai_events(b"".join(chunks))[-1]["type"] == "run.completed"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("asynchronous", [False, True])
async def test_an_upstream_error_mid_stream_becomes_run_failed(
    client, async_client, alice, thread, fake, backend, asynchronous, async_db
):
    path = "/responses" if backend == "responses" else "/chat/completions"
    fake.faults.add("POST", path, stream_error_after=6)
    if asynchronous:
        await async_client.aforce_login(alice)
        response = await async_client.post(
            url(thread), json.dumps({"message": "Break"}), content_type="application/json"
        )
        raw = await abody(response)
    else:
        from asgiref.sync import sync_to_async

        def read():
            client.force_login(alice)
            return body(post_json(client, url(thread), {"message": "Break"}))

        raw = await sync_to_async(read)()
    events = openai_events(raw)
    assert events[-1]["type"] == "run.failed" and events[-1]["status"] == "failed"
    assert "text.delta" in [e["type"] for e in events], "what came before the error was sent"
    assert (await Run.objects.aget()).status == "failed"


def make_run_in_progress(thread):
    """A run another process is streaming: in progress, its first four events logged."""
    from django_openai.services.events import ItemStarted, RunCompleted, RunStarted, TextDelta

    thread.add_message("Resume me")
    run = Run.objects.create(thread=thread, status="in_progress", stream=True)
    Thread.objects.filter(pk=thread.pk).update(active_run=run)
    events = [
        RunStarted(sequence=1, run_id=run.pk, thread_id=thread.pk),
        ItemStarted(sequence=2, run_id=run.pk, item_id="msg_1", item_type="message", role="assistant"),
        TextDelta(sequence=3, run_id=run.pk, item_id="msg_1", delta="Hello"),
        RunCompleted(sequence=4, run_id=run.pk),
    ]
    RunEvent.objects.bulk_create(
        RunEvent(run=run, sequence=e.sequence, type=e.type, data=e.to_dict()) for e in events
    )
    return run


def test_get_resumes_after_the_last_event_seen_or_204(client, alice, thread, fake):
    client.force_login(alice)
    assert client.get(url(thread)).status_code == 204
    make_run_in_progress(thread)
    resumed = openai_events(body(client.get(url(thread), HTTP_LAST_EVENT_ID="2")))
    assert [e["sequence"] for e in resumed] == [3, 4]
    by_query = openai_events(body(client.get(url(thread) + "?after=3")))
    assert [e["type"] for e in by_query] == ["run.completed"]
    bad = client.get(url(thread) + "?after=soon")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_after")


def test_usechat_posts_create_a_thread_per_chat_and_resume(client, alice, assistant, fake):
    client.force_login(alice)
    message = {"id": "u1", "role": "user", "parts": [{"type": "text", "text": "Hello chat"}]}
    first = post_json(
        client, "/api/chat", {"id": "chat-abc", "messages": [message], "trigger": "submit-message"}
    )
    assert first["x-vercel-ai-ui-message-stream"] == "v1"
    parts = ui_parts(body(first))
    thread = Thread.objects.get(metadata__chat_id="chat-abc")
    assert thread.owner == alice and thread.assistant == assistant
    answer = thread.items.last()
    assert parts[0]["messageId"] == f"run-{answer.run_id}"

    again = {"id": "u2", "role": "user", "parts": [{"type": "text", "text": "And more"}]}
    ui_parts(
        body(
            post_json(
                client,
                "/api/chat",
                {"id": "chat-abc", "messages": [message, {"role": "assistant", "parts": []}, again]},
            )
        )
    )
    assert Thread.objects.filter(metadata__chat_id="chat-abc").count() == 1
    assert [i.role for i in thread.items.order_by("position")] == ["user", "assistant", "user", "assistant"]

    regenerate = {"id": "chat-abc", "messages": [message], "trigger": "regenerate-message", "messageId": "x"}
    ui_parts(body(post_json(client, "/api/chat", regenerate)))
    assert [i.text for i in thread.items.order_by("position")][:3] == ["Hello chat", answer.text, "And more"]
    assert thread.items.count() == 4 and Run.objects.filter(thread=thread).count() == 3

    assert client.get("/api/chat/chat-abc/stream").status_code == 204
    run = make_run_in_progress(
        Thread.objects.create(owner=alice, assistant=assistant, metadata={"chat_id": "live"})
    )
    replay = ui_parts(body(client.get("/api/chat/live/stream")))
    assert replay[0] == {"type": "start", "messageId": f"run-{run.pk}"}
    assert {"type": "text-delta", "id": "msg_1", "delta": "Hello"} in replay and replay[-1] == "[DONE]"


def test_usechat_ids_ownership_and_bad_input(client, alice, bob, assistant, fake):
    mine = Thread.objects.create(owner=alice, assistant=assistant, metadata={"chat_id": "secret"})
    message = {"role": "user", "parts": [{"type": "text", "text": "hi"}]}
    client.force_login(bob)
    # Bob's "secret" is a chat of his own, not begun: nothing to resume (as for any unused name);
    # Alice's thread, by its key, is not found.
    assert post_json(client, "/api/chat", {"id": str(mine.pk), "messages": [message]}).status_code == 404
    assert client.get("/api/chat/secret/stream").status_code == 204
    assert client.get(f"/api/chat/{mine.pk}/stream").status_code == 404
    for payload, code in [
        ({"messages": [message]}, "invalid_id"),
        ({"id": "c", "messages": []}, "invalid_messages"),
        ({"id": "c", "messages": [message], "trigger": "resume"}, "invalid_trigger"),
        (
            {"id": "c", "messages": [{"role": "user", "parts": [{"type": "text", "text": " "}]}]},
            "empty_message",
        ),
    ]:
        response = post_json(client, "/api/chat", payload)
        assert (response.status_code, response.json()["code"]) == (400, code)
    assert not Thread.objects.filter(owner=bob).exists()
    client.logout()
    assert post_json(client, "/api/chat", {"id": "c", "messages": [message]}).status_code == 403


def test_an_archived_chat_takes_no_message(client, alice, assistant, fake):
    chat = Thread.objects.create(owner=alice, assistant=assistant, metadata={"chat_id": "old"}, archived=True)
    client.force_login(alice)
    message = {"role": "user", "parts": [{"type": "text", "text": "hi"}]}
    refused = post_json(client, "/api/chat", {"id": "old", "messages": [message]})
    assert (refused.status_code, refused.json()["code"]) == (400, "thread_archived")
    assert "'old' is archived" in refused.json()["detail"]
    assert not chat.items.exists() and not Run.objects.exists()


def test_a_chat_id_of_non_ascii_digits_is_a_name_not_a_key(client, alice, assistant, fake):
    """ "²" passes str.isdigit() but is no integer: it names a chat as any other id does."""
    client.force_login(alice)
    message = {"role": "user", "parts": [{"type": "text", "text": "hi"}]}
    response = post_json(client, "/api/chat", {"id": "²", "messages": [message]})
    assert response.status_code == 200
    ui_parts(body(response))
    assert Thread.objects.get(owner=alice, metadata__chat_id="²")
    assert client.get("/api/chat/²/stream").status_code == 204
    assert client.get("/api/chat/³/stream").status_code == 204, "a chat not begun: nothing to resume"
    assert not Thread.objects.filter(metadata__chat_id="³").exists()


def test_a_post_to_a_chats_stream_url_is_a_405(client, alice, assistant, fake):
    client.force_login(alice)
    message = {"role": "user", "parts": [{"type": "text", "text": "hi"}]}
    response = post_json(client, "/api/chat/abc/stream", {"id": "abc", "messages": [message]})
    assert response.status_code == 405
    assert not Thread.objects.exists()


@pytest.mark.parametrize("text", [{"a": 1}, ["hi"], 42, True])
def test_a_usechat_text_part_whose_text_is_no_string_is_a_400(client, alice, assistant, fake, text):
    client.force_login(alice)
    message = {"role": "user", "parts": [{"type": "text", "text": text}]}
    response = post_json(client, "/api/chat", {"id": "typed", "messages": [message]})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_messages")
    assert not Thread.objects.exists()


def test_regenerating_a_message_of_another_chat_is_a_400_that_changes_nothing(
    client, alice, bob, assistant, fake
):
    """useChat names the answer to regenerate (run-<id>, from the stream's start part): an answer
    that is not this chat's last, or another user's, is refused alike, the chat left as it was."""
    message = {"role": "user", "parts": [{"type": "text", "text": "hi"}]}
    client.force_login(bob)
    ui_parts(body(post_json(client, "/api/chat", {"id": "bobs", "messages": [message]})))
    bobs_run = Run.objects.get()
    client.force_login(alice)
    for chat in ("one", "two"):
        ui_parts(body(post_json(client, "/api/chat", {"id": chat, "messages": [message]})))
    one, two = (Thread.objects.get(owner=alice, metadata__chat_id=c) for c in ("one", "two"))
    for wanted in (bobs_run.pk, two.runs.get().pk, 10**6):
        regenerate = {"id": "one", "messages": [message], "trigger": "regenerate-message"}
        response = post_json(client, "/api/chat", {**regenerate, "messageId": f"run-{wanted}"})
        assert (response.status_code, response.json()["code"]) == (400, "unknown_message")
    assert one.items.count() == 2 and Run.objects.filter(thread=one).count() == 1
    mine = {"id": "one", "messages": [message], "trigger": "regenerate-message"}
    again = post_json(client, "/api/chat", {**mine, "messageId": f"run-{one.runs.get().pk}"})
    assert again.status_code == 200 and ui_parts(body(again))[-1] == "[DONE]"
    assert one.items.count() == 2 and Run.objects.filter(thread=one).count() == 2

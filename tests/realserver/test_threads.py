"""Threads on a real OpenAI-compatible server without ``/responses`` runs: the chat backend against
llama.cpp's llama-server (its tiny model answers "Hello world! ..." and calls get_weather when
offered tools: tiny_model.py)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import override_settings

import django_openai
from django_openai.models import Assistant, Thread
from django_openai.services.backends import forget_detected, resolve_backend
from django_openai.services.events import ItemCompleted, RunCompleted, TextDelta, ToolCallFinished
from django_openai.tools import unregister

from .tiny_model import TOOL_ARGUMENTS, TOOL_NAME, greeting

pytestmark = pytest.mark.django_db


def _llama_settings(llama_server, **client):
    clients = dict(settings.DJANGO_OPENAI["CLIENTS"])
    clients["llama"] = {
        "PROVIDER": "llamacpp",
        "BASE_URL": llama_server.base_url,
        "API_KEY": llama_server.api_key,
        "MAX_RETRIES": 0,
        **client,
    }
    return override_settings(DJANGO_OPENAI={**settings.DJANGO_OPENAI, "CLIENTS": clients})


@pytest.fixture
def llama_alias(llama_server):
    with _llama_settings(llama_server, THREAD_BACKEND="chat"):
        yield "llama"


@pytest.fixture
def llama_auto_alias(llama_server):
    forget_detected()
    with _llama_settings(llama_server):  # THREAD_BACKEND "auto", the default
        yield "llama"
    forget_detected()


@pytest.fixture
def weather_tool():
    calls = []

    @django_openai.tool(name=TOOL_NAME)
    def get_weather(city: str) -> dict:
        """The weather in a city."""
        calls.append(city)
        return {"sky": "clear", "celsius": 21}

    yield calls
    unregister(TOOL_NAME)


def assistant_on(alias, llama_server, **fields):
    return Assistant.objects.create(
        name="Greeter",
        slug="greeter",
        client_alias=alias,
        model=llama_server.model,
        instructions="You are terse.",
        max_output_tokens=64,
        **fields,
    )


def test_a_run_a_streamed_run_and_a_second_turn_replaying_the_first(llama_alias, llama_server):
    thread = Thread.objects.create(assistant=assistant_on(llama_alias, llama_server))
    thread.add_message("Say hello.")
    first = thread.run(stop=["!"])  # the model says "Hello world!" forever; "!" ends it
    assert (first.status, first.backend, first.error) == ("completed", "chat", None)
    assert thread.items.get(position=2).text == "Hello world"
    assert first.output_tokens > 0 and first.input_tokens > 0 and first.time_to_first_token is not None

    thread.add_message("Again, please.")
    with thread.run(stream=True, stop=["!"]) as events:
        seen = list(events)
    second = events.run
    assert second.status == "completed" and isinstance(seen[-1], RunCompleted)
    deltas = [e.delta for e in seen if isinstance(e, TextDelta)]
    assert len(deltas) > 1 and "".join(deltas) == "Hello world" == thread.items.get(position=4).text
    assert next(e for e in seen if isinstance(e, ItemCompleted)).position == 4
    # The second prompt holds the first turn: the server counted more input tokens.
    assert second.input_tokens > first.input_tokens
    assert [i.role for i in thread.items.order_by("position")] == ["user", "assistant", "user", "assistant"]


def test_an_answer_cut_by_its_token_limit_is_an_incomplete_run(llama_alias, llama_server):
    thread = Thread.objects.create(assistant=assistant_on(llama_alias, llama_server))
    thread.add_message("Say hello.")
    run = thread.run(max_output_tokens=5)
    assert run.status == "incomplete" and run.error["code"] == "incomplete"
    item = thread.items.get(position=2)
    assert (item.status, item.text) == ("incomplete", greeting(5))
    assert run.output_tokens == 5


def test_the_tool_loop_against_a_real_server(llama_alias, llama_server, weather_tool):
    thread = Thread.objects.create(assistant=assistant_on(llama_alias, llama_server, tools=[TOOL_NAME]))
    thread.add_message("Weather in Paris?")
    with thread.run(stream=True, stop=["!"]) as events:
        seen = list(events)
    run = events.run
    assert run.status == "completed" and run.rounds == 2
    assert weather_tool == [json.loads(TOOL_ARGUMENTS)["city"]]
    (finished,) = [e for e in seen if isinstance(e, ToolCallFinished)]
    assert (finished.name, json.loads(finished.output)) == (TOOL_NAME, {"sky": "clear", "celsius": 21})
    assert [i.type for i in thread.items.order_by("position")] == [
        "message",
        "function_call",
        "function_call_output",
        "message",
    ]
    # The second round's prompt held the tool's result, so the model answered instead of calling.
    assert thread.items.order_by("position").last().text == "Hello world"


def test_auto_runs_threads_on_chat_completions_where_responses_keep_no_state(llama_auto_alias, llama_server):
    """llama.cpp's server has a stateless ``/responses`` (no conversations, no
    ``previous_response_id``): ``auto`` must not pick it, or a second turn would fail."""
    assert resolve_backend(llama_auto_alias) == "chat"
    thread = Thread.objects.create(assistant=assistant_on(llama_auto_alias, llama_server))
    thread.add_message("Say hello.")
    first = thread.run(stop=["!"])
    thread.add_message("Again, please.")
    second = thread.run(stop=["!"])
    assert [(r.status, r.backend, r.error) for r in (first, second)] == [("completed", "chat", None)] * 2
    assert thread.items.get(position=4).text == "Hello world"

"""Function tools: their schemas, and the loop that runs them (parallel calls, failures, the round
cap, a tool the model made up, a result that is not JSON), on both backends."""

from __future__ import annotations

import json
import threading
import time
from typing import Literal

import pydantic
import pytest

import django_openai
from django_openai.models import Assistant, Thread
from django_openai.services.events import ToolCallDelta, ToolCallFinished, ToolCallStarted
from django_openai.signals import tool_called
from django_openai.tools import ToolContext, ToolNotFound, get_tool, strict_schema, unregister

pytestmark = pytest.mark.django_db

NAMES = ("get_weather", "get_time", "fails", "slow", "returns_a_set", "whoami", "awhoami", "lookup")


class City(pydantic.BaseModel):
    name: str
    country: str = "FR"


@pytest.fixture
def tools():
    calls: list[tuple[str, float, float]] = []
    barrier = threading.Barrier(2, timeout=5)

    @django_openai.tool
    def get_weather(city: str, unit: Literal["C", "F"] = "C") -> str:
        """The current weather in a city."""
        start = time.monotonic()
        barrier.wait()  # returns only once get_time runs at the same moment
        calls.append(("get_weather", start, time.monotonic()))
        return f"18{unit} in {city}"

    @django_openai.tool
    async def get_time(city: str) -> dict:
        """The local time in a city."""
        start = time.monotonic()
        await __import__("asyncio").to_thread(barrier.wait)
        calls.append(("get_time", start, time.monotonic()))
        return {"time": "noon", "city": city}

    @django_openai.tool
    def fails(reason: str) -> str:
        raise ValueError(f"no luck: {reason}")

    @django_openai.tool(timeout=0.2)
    def slow() -> str:
        time.sleep(2)
        return "too late"

    @django_openai.tool
    def returns_a_set() -> object:
        return {1, 2}

    @django_openai.tool
    def whoami(context: ToolContext) -> dict:
        return {
            "thread": context.thread.pk,
            "run": context.run.pk,
            "user": context.user.username,
            "call": context.call_id,
        }

    @django_openai.tool
    async def awhoami(context: ToolContext) -> dict:
        return {"user": context.user.username if context.user else None}

    @django_openai.tool(name="lookup", description="Find a city.")
    def find_city(city: City) -> City:
        return City(name=city.name.upper(), country=city.country)

    yield calls
    for name in NAMES:
        unregister(name)


def tool_assistant(*names, **fields):
    return Assistant.objects.create(
        name="Tools", slug="tools", model="gpt-4.1-mini", tools=list(names), **fields
    )


def outputs(thread):
    return {
        i.call_id: (i.name or "", i.text, i.error) for i in thread.items.filter(type="function_call_output")
    }


def calls_of(thread):
    return {i.call_id: i.name for i in thread.items.filter(type="function_call")}


def test_a_schema_from_type_hints_is_strict(tools):
    tool = get_tool("get_weather")
    assert tool.definition("responses") == {
        "type": "function",
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"anyOf": [{"enum": ["C", "F"], "type": "string"}, {"type": "null"}]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
        "strict": True,
    }
    assert tool.definition("chat")["function"]["name"] == "get_weather"
    # null means "the default", which strict mode cannot leave out.
    assert tool.arguments('{"city": "Paris", "unit": null}') == {"city": "Paris", "unit": "C"}
    assert get_tool("whoami").parameters["properties"] == {}, "the context is not offered to the model"
    lookup = get_tool("lookup")
    assert lookup.description == "Find a city."
    assert lookup.parameters["required"] == ["name", "country"]
    assert get_weather_still_callable()


def get_weather_still_callable():
    return get_tool("returns_a_set")() == {1, 2}


def test_strict_schema_inlines_references_and_closes_every_object():
    class Inner(pydantic.BaseModel):
        value: int

    class Outer(pydantic.BaseModel):
        inner: Inner
        note: str | None = None

    schema = strict_schema(Outer.model_json_schema())
    assert "$defs" not in schema
    assert schema["properties"]["inner"] == {
        "type": "object",
        "properties": {"value": {"type": "integer"}},
        "required": ["value"],
        "additionalProperties": False,
    }
    assert schema["required"] == ["inner", "note"]


def test_parallel_calls_run_at_once_and_their_outputs_go_back(
    fake, tools, backend, django_capture_on_commit_callbacks
):
    thread = Thread.objects.create(assistant=tool_assistant("get_weather", "get_time"))
    thread.add_message('Call get_weather({"city": "Paris"}) and get_time({"city": "Paris"})')
    received = []
    tool_called.connect(handler := lambda sender, instance, **kw: received.append((kw["name"], kw["error"])))
    try:
        with django_capture_on_commit_callbacks(execute=True), thread.run(stream=True) as events:
            seen = list(events)
    finally:
        tool_called.disconnect(handler)
    run = events.run
    assert run.status == "completed" and run.rounds == 2
    # Both tools waited on one barrier: neither could have returned had they run one after the other.
    assert sorted(name for name, _, _ in tools) == ["get_time", "get_weather"]
    assert [i.type for i in thread.items.order_by("position")] == [
        "message",
        "function_call",
        "function_call",
        "function_call_output",
        "function_call_output",
        "message",
    ]
    answer = thread.items.order_by("position").last().text
    assert answer == (
        'Here is what the tools returned: get_weather returned 18C in Paris; get_time returned {"time": "noon", "city": "Paris"}.'
    )
    started = [e.name for e in seen if isinstance(e, ToolCallStarted)]
    finished = [(e.name, e.output) for e in seen if isinstance(e, ToolCallFinished)]
    assert started == ["get_weather", "get_time"]
    assert finished == [("get_weather", "18C in Paris"), ("get_time", '{"time": "noon", "city": "Paris"}')]
    assert any(isinstance(e, ToolCallDelta) for e in seen)
    assert sorted(received) == [("get_time", ""), ("get_weather", "")]


def test_a_failing_tool_goes_back_to_the_model_as_an_error(fake, tools, backend):
    thread = Thread.objects.create(assistant=tool_assistant("fails"))
    thread.add_message('Call fails({"reason": "rain"})')
    run = thread.run()
    assert run.status == "completed"
    ((_name, text, error),) = outputs(thread).values()
    assert error == "fails raised ValueError: no luck: rain"
    assert json.loads(text) == {"error": error}
    assert error in thread.items.order_by("position").last().text, "the model read the error"


def test_timeouts_and_results_that_are_not_json_are_errors_too(fake, tools):
    thread = Thread.objects.create(assistant=tool_assistant("slow", "returns_a_set"))
    thread.add_message("Call slow and returns_a_set")
    started = time.monotonic()
    run = thread.run()
    assert time.monotonic() - started < 1.5, "the run did not wait for the slow tool"
    assert run.status == "completed"
    errors = sorted(error for _, _, error in outputs(thread).values())
    assert errors == [
        "returns_a_set: the tool returned a set, which is not JSON-serialisable (Object of type set is not JSON serializable)",
        "slow did not answer within 0.2 s.",
    ]


def test_the_round_cap_ends_a_run_that_keeps_calling_tools(fake, tools, backend, settings):
    settings.DJANGO_OPENAI = {**settings.DJANGO_OPENAI, "THREADS": {"MAX_TOOL_ROUNDS": 3}}
    thread = Thread.objects.create(assistant=tool_assistant("returns_a_set"))
    thread.add_message("Go")
    run = thread.run(tool_choice="required")  # the fake then calls a tool every turn
    assert run.status == "failed" and run.rounds == 3
    assert run.error["code"] == "max_tool_rounds"
    # Every call has its output, so the thread can be sent again.
    assert set(calls_of(thread)) == set(outputs(thread))
    assert list(outputs(thread).values())[-1][2].startswith("Not run: the run reached its limit")
    thread.add_message("Now just answer")
    assert thread.run().status == "completed"


def test_a_tool_the_model_made_up_is_answered_with_an_error(fake, tools, backend):
    thread = Thread.objects.create(assistant=tool_assistant("returns_a_set"))
    thread.add_message("Which tool?")
    if backend == "responses":
        made_up = {
            "id": "resp_made_up",
            "object": "response",
            "created_at": 1,
            "status": "completed",
            "model": "gpt-4.1-mini",
            "output": [
                {
                    "type": "function_call",
                    "id": "fc_1",
                    "call_id": "call_made_up",
                    "name": "delete_everything",
                    "arguments": "{}",
                    "status": "completed",
                }
            ],
            "usage": {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5},
        }
        events = [
            {
                "type": "response.created",
                "sequence_number": 0,
                "response": {**made_up, "status": "in_progress", "output": []},
            },
            {
                "type": "response.output_item.done",
                "sequence_number": 1,
                "output_index": 0,
                "item": made_up["output"][0],
            },
            {"type": "response.completed", "sequence_number": 2, "response": made_up},
        ]
        fake.faults.add(
            "POST", "/responses", stream=[(e["type"], e) for e in events], stream_done=False, times=1
        )
    else:
        chunk = {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4.1-mini",
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "role": "assistant",
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_made_up",
                                "type": "function",
                                "function": {"name": "delete_everything", "arguments": "{}"},
                            }
                        ],
                    },
                    "finish_reason": "tool_calls",
                }
            ],
        }
        fake.faults.add("POST", "/chat/completions", stream=[chunk], times=1)
    run = thread.run()
    assert run.status == "completed"
    assert outputs(thread)["call_made_up"][2] == "No tool named 'delete_everything' is available in this run."
    assert "No tool named" in thread.items.order_by("position").last().text


def test_a_tool_gets_its_context_and_a_pydantic_argument(fake, tools, django_user_model):
    user = django_user_model.objects.create(username="ada")
    thread = Thread.objects.create(assistant=tool_assistant("whoami", "lookup"), owner=user)
    thread.add_message('Call whoami and lookup({"name": "paris", "country": "FR"})')
    run = thread.run()
    assert run.status == "completed"
    by_name = {calls_of(thread)[call_id]: text for call_id, (_, text, _) in outputs(thread).items()}
    who = json.loads(by_name["whoami"])
    assert (who["thread"], who["run"], who["user"]) == (thread.pk, run.pk, "ada")
    assert who["call"] in calls_of(thread)
    assert json.loads(by_name["lookup"]) == {"name": "PARIS", "country": "FR"}


@pytest.mark.django_db(transaction=True)
async def test_an_async_tool_run_on_the_event_loop_gets_the_threads_owner(fake, tools, async_db):
    from asgiref.sync import sync_to_async

    def setup():
        user = django_user_model_create("grace")
        thread = Thread.objects.create(assistant=tool_assistant("awhoami"), owner=user)
        thread.add_message("Call awhoami")
        return Thread.objects.get(pk=thread.pk)  # as a view loads it: its owner not loaded

    thread = await sync_to_async(setup)()
    run = await thread.arun()
    assert run.status == "completed", run.error
    answers = await sync_to_async(lambda: [text for _, text, _ in outputs(thread).values()])()
    assert [json.loads(text) for text in answers] == [{"user": "grace"}]


def django_user_model_create(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create(username=username)


def test_an_assistant_naming_an_unknown_tool_cannot_start_a_run(fake, tools):
    thread = Thread.objects.create(assistant=tool_assistant("get_weather", "nobody_registered_this"))
    thread.add_message("hi")
    with pytest.raises(ToolNotFound, match="No function tool is registered as 'nobody_registered_this'"):
        thread.run()
    assert thread.runs.count() == 0 and thread.items.count() == 1
    thread.refresh_from_db()
    assert thread.active_run is None


def test_hosted_tools_are_sent_as_given_with_their_vector_stores(fake, tools, backend):
    if backend == "chat":
        pytest.skip("hosted tools are a Responses API feature")
    assistant = tool_assistant(
        "get_weather", {"type": "file_search"}, tool_resources={"file_search": {"vector_store_ids": ["vs_1"]}}
    )
    thread = Thread.objects.create(assistant=assistant)
    thread.add_message("hi")
    thread.run()
    sent = [r.json() for r in fake.requests if r.path.endswith("/responses")][-1]["tools"]
    assert [t["type"] for t in sent] == ["function", "file_search"]
    assert sent[1]["vector_store_ids"] == ["vs_1"]

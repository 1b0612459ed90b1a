"""The real OpenAI Agents SDK keeps its conversation in a DjangoSession (against the fake server).

An agent with a function tool answers two turns: the fake calls the tool the user names (its
tool rule, docs/testing.md), the second turn is sent with the first from the session's memory,
and the whole conversation is a thread of ordinary items.
"""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async

from django_openai.agents import DjangoSession
from django_openai.models import Thread, ThreadItem

pytestmark = pytest.mark.django_db(transaction=True)

agents = pytest.importorskip("agents")

FIRST = 'What is the weather? Call get_weather({"city": "Paris"})'
SECOND = "Thanks. Say it again?"


@pytest.fixture(params=["responses", "chat"])
def model_class(request):
    classes = {"responses": agents.OpenAIResponsesModel, "chat": agents.OpenAIChatCompletionsModel}
    return classes[request.param]


@pytest.fixture
def weather_agent(openai_fake, model_class):
    from openai import AsyncOpenAI

    calls: list[str] = []

    @agents.function_tool
    def get_weather(city: str) -> str:
        """The current weather in a city."""
        calls.append(city)
        return f"18C and sunny in {city}"

    client = AsyncOpenAI(api_key=openai_fake.api_key, base_url=openai_fake.base_url, max_retries=0)
    agent = agents.Agent(
        name="Forecaster",
        instructions="Answer briefly.",
        tools=[get_weather],
        model=model_class("gpt-4.1-mini", openai_client=client),
    )
    return agent, calls


def sent_history(request) -> list[dict]:
    """What a request to the fake carried as the conversation so far (either API)."""
    body = request.json()
    return body["input"] if "input" in body else body["messages"]


@sync_to_async
def stored(thread: Thread) -> list[tuple]:
    return list(
        ThreadItem.objects.filter(thread=thread)
        .order_by("position")
        .values_list("position", "type", "role", "text")
    )


async def test_an_agent_with_a_tool_remembers_the_first_turn_in_the_session(
    openai_fake, weather_agent, model_class, async_db
):
    agent, calls = weather_agent
    config = agents.RunConfig(tracing_disabled=True)
    session = DjangoSession("forecast")

    first = await agents.Runner.run(agent, FIRST, session=session, run_config=config)
    assert calls == ["Paris"]
    assert first.final_output.endswith("get_weather returned 18C and sunny in Paris.")

    before = len(openai_fake.requests)
    second = agents.Runner.run_streamed(agent, SECOND, session=session, run_config=config)
    async for _ in second.stream_events():
        pass
    assert second.final_output.startswith(f"Reply to: {SECOND}")
    assert calls == ["Paris"]  # no tool named this time

    # The second turn went out with the first one, read back from the session.
    (request,) = openai_fake.requests[before:]
    history = json.dumps(sent_history(request))
    for earlier in (FIRST, "18C and sunny in Paris", first.final_output, SECOND):
        assert json.dumps(earlier)[1:-1] in history

    thread = await session.get_thread()
    assert thread.title == FIRST
    assert await stored(thread) == [
        (1, "message", "user", FIRST),
        (2, "function_call", "", ""),
        (3, "function_call_output", "", "18C and sunny in Paris"),
        (4, "message", "assistant", first.final_output),
        (5, "message", "user", SECOND),
        (6, "message", "assistant", second.final_output),
    ]
    assert thread.item_count == 6
    assert await session.get_items(limit=2) == (await session.get_items())[-2:]


async def test_a_new_session_id_starts_from_nothing(openai_fake, weather_agent, async_db):
    agent, _ = weather_agent
    config = agents.RunConfig(tracing_disabled=True)
    await agents.Runner.run(agent, FIRST, session=DjangoSession("one"), run_config=config)
    before = len(openai_fake.requests)
    await agents.Runner.run(agent, SECOND, session=DjangoSession("two"), run_config=config)
    (request,) = openai_fake.requests[before:]
    assert FIRST not in json.dumps(sent_history(request))
    assert await sync_to_async(Thread.objects.count)() == 2

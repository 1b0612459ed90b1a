"""What threads and a gateway need from the fake: a tool loop to drive, responses that move, exact usage."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from django_openai.client import BadRequestError
from tests.spec import spec  # noqa: F401 - fixture

WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
CHAT_TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}},
    {
        "type": "function",
        "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}},
    },
]
RESPONSE_TOOLS = [
    {"type": "function", "name": "get_weather", "parameters": WEATHER, "strict": False},
    {
        "type": "function",
        "name": "get_time",
        "parameters": {"type": "object", "properties": {}},
        "strict": False,
    },
]


@pytest.fixture(params=["http", "inprocess"])
def handle(request, openai_fake, openai_fake_inprocess):
    return openai_fake if request.param == "http" else openai_fake_inprocess


@pytest.fixture
def client(handle):
    with handle.client() as c:
        yield c


def _tool_messages(message, outputs: dict[str, str]) -> list[dict]:
    return [
        {"role": "tool", "tool_call_id": call.id, "content": outputs[call.function.name]}
        for call in message.tool_calls
    ]


# -- the tool rule, on chat completions --------------------------------------------------------


def test_arguments_written_after_the_name_are_the_arguments(client):
    asked = [{"role": "user", "content": 'Call get_weather({"city": "Paris"}) please'}]
    reply = client.chat.completions.create(model="gpt-4.1", messages=asked, tools=CHAT_TOOLS)
    (call,) = reply.choices[0].message.tool_calls
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}


def test_a_chat_tool_loop_answers_each_round_with_that_rounds_outputs(client):
    messages = [{"role": "user", "content": "Use get_weather and get_time"}]
    first = client.chat.completions.create(model="gpt-4.1", messages=messages, tools=CHAT_TOOLS)
    message = first.choices[0].message
    assert [c.function.name for c in message.tool_calls] == ["get_weather", "get_time"]
    assert len({c.id for c in message.tool_calls}) == 2, "parallel calls have distinct ids"
    messages += [message.to_dict(), *_tool_messages(message, {"get_weather": "18C", "get_time": "noon"})]
    answer = client.chat.completions.create(model="gpt-4.1", messages=messages, tools=CHAT_TOOLS)
    text = answer.choices[0].message.content
    assert answer.choices[0].finish_reason == "stop" and not answer.choices[0].message.tool_calls
    assert text == "Here is what the tools returned: get_weather returned 18C; get_time returned noon."
    messages += [answer.choices[0].message.to_dict(), {"role": "user", "content": "get_time again"}]
    again = client.chat.completions.create(model="gpt-4.1", messages=messages, tools=CHAT_TOOLS).choices[0]
    assert [c.function.name for c in again.message.tool_calls] == ["get_time"]
    assert again.message.tool_calls[0].id not in {c.id for c in message.tool_calls}
    messages += [again.message.to_dict(), *_tool_messages(again.message, {"get_time": "one o'clock"})]
    last = client.chat.completions.create(model="gpt-4.1", messages=messages, tools=CHAT_TOOLS)
    assert (
        last.choices[0].message.content == "Here is what the tools returned: get_time returned one o'clock."
    )


def test_a_forced_tool_choice_calls_every_turn_so_a_round_cap_can_be_tested(client):
    messages = [{"role": "user", "content": "What is the weather?"}]
    for _ in range(3):
        reply = client.chat.completions.create(
            model="gpt-4.1", messages=messages, tools=CHAT_TOOLS, tool_choice="required"
        )
        message = reply.choices[0].message
        assert [c.function.name for c in message.tool_calls] == ["get_weather"], "none named: the first"
        messages += [message.to_dict(), *_tool_messages(message, {"get_weather": "rain"})]
    named = client.chat.completions.create(
        model="gpt-4.1",
        messages=messages,
        tools=CHAT_TOOLS,
        tool_choice={"type": "function", "function": {"name": "get_time"}},
    )
    assert [c.function.name for c in named.choices[0].message.tool_calls] == ["get_time"]
    none = client.chat.completions.create(
        model="gpt-4.1",
        messages=[{"role": "user", "content": "get_time"}],
        tools=CHAT_TOOLS,
        tool_choice="none",
    )
    assert none.choices[0].message.tool_calls is None


# -- responses: the same loop, conversations, chaining ------------------------------------------


def test_a_responses_tool_loop_on_a_conversation_keeps_every_item_in_order(client):
    conversation = client.conversations.create()
    first = client.responses.create(
        model="gpt-4.1",
        input='Call get_weather({"city": "Oslo"}) and get_time',
        tools=RESPONSE_TOOLS,
        conversation=conversation.id,
    )
    calls = [item for item in first.output if item.type == "function_call"]
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [
        ("get_weather", {"city": "Oslo"}),
        ("get_time", {}),
    ]
    outputs = [
        {"type": "function_call_output", "call_id": calls[0].call_id, "output": "-3C"},
        {"type": "function_call_output", "call_id": calls[1].call_id, "output": "dusk"},
    ]
    answer = client.responses.create(
        model="gpt-4.1", input=outputs, tools=RESPONSE_TOOLS, conversation=conversation.id
    )
    assert (
        answer.output_text
        == "Here is what the tools returned: get_weather returned -3C; get_time returned dusk."
    )
    items = list(client.conversations.items.list(conversation.id, order="asc"))
    assert [i.type for i in items] == [
        "message",
        "function_call",
        "function_call",
        "function_call_output",
        "function_call_output",
        "message",
    ]
    assert [getattr(i, "role", None) for i in items if i.type == "message"] == ["user", "assistant"]


def test_a_responses_tool_loop_chained_by_previous_response_id(client):
    first = client.responses.create(model="gpt-4.1", input="get_time, please", tools=RESPONSE_TOOLS)
    (call,) = first.output
    answer = client.responses.create(
        model="gpt-4.1",
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "tea time"}],
        tools=RESPONSE_TOOLS,
    )
    assert answer.output_text == "Here is what the tools returned: get_time returned tea time."
    forced = client.responses.create(
        model="gpt-4.1",
        previous_response_id=answer.id,
        input="thanks",
        tools=RESPONSE_TOOLS,
        tool_choice={"type": "function", "name": "get_weather"},
        parallel_tool_calls=False,
    )
    assert [i.name for i in forced.output] == ["get_weather"]


# -- stream events: the spec's shapes, the API's order --------------------------------------------


def _stream_events(client, body: dict) -> list[dict]:
    return list(client.request("POST", "/responses", body={**body, "stream": True}, stream=True))


def _check_events(spec, events: list[dict]) -> None:  # noqa: F811
    validator = Draft202012Validator(
        {"$ref": "urn:openapi#/components/schemas/ResponseStreamEvent"}, registry=spec.registry
    )
    for event in events:
        errors = sorted(validator.iter_errors(event), key=lambda e: len(list(e.absolute_path)))
        assert not errors, f"{event['type']}: {errors[0].message[:300]}"
    assert [e["sequence_number"] for e in events] == list(range(len(events)))


def test_text_stream_events_follow_the_spec_in_order(client, spec):  # noqa: F811
    events = _stream_events(client, {"model": "gpt-4.1", "input": "Say something."})
    _check_events(spec, events)
    types = [e["type"] for e in events]
    deltas = types.count("response.output_text.delta")
    assert types == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * deltas,
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    text = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    assert text == events[-1]["response"]["output"][0]["content"][0]["text"]


def test_function_call_stream_events_follow_the_spec_in_order(client, spec):  # noqa: F811
    events = _stream_events(
        client, {"model": "gpt-4.1", "input": 'get_weather({"city": "Lima"})', "tools": RESPONSE_TOOLS}
    )
    _check_events(spec, events)
    types = [e["type"] for e in events]
    n = types.count("response.function_call_arguments.delta")
    assert n > 1, "arguments arrive in pieces"
    assert types == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        *["response.function_call_arguments.delta"] * n,
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    added, done = events[2]["item"], events[-2]["item"]
    assert added["arguments"] == "" and added["status"] == "in_progress" and done["status"] == "completed"
    arguments = "".join(e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta")
    assert arguments == done["arguments"] == events[-3]["arguments"] == '{"city": "Lima"}'
    assert events[-3]["name"] == "get_weather"


# -- background responses -------------------------------------------------------------------------


def test_a_background_response_moves_with_the_clock_and_its_stream_resumes(handle, client, spec):  # noqa: F811
    created = client.responses.create(model="gpt-4.1", input="A long task.", background=True)
    assert (created.status, created.output, created.usage) == ("queued", [], None)
    handle.advance(1)
    assert client.responses.retrieve(created.id).status == "in_progress"
    stream = list(client.request("GET", f"/responses/{created.id}", query={"stream": "true"}, stream=True))
    _check_events(spec, stream)
    assert [e["type"] for e in stream[:3]] == ["response.created", "response.queued", "response.in_progress"]
    assert stream[0]["response"]["status"] == "queued" and stream[-1]["type"] == "response.completed"
    resumed = list(
        client.request(
            "GET", f"/responses/{created.id}", query={"stream": "true", "starting_after": 4}, stream=True
        )
    )
    assert resumed == stream[5:], "a resumed stream replays exactly the events after the cursor"
    done = client.responses.retrieve(created.id)
    assert done.status == "completed" and done.usage.to_dict() == stream[-1]["response"]["usage"]
    with pytest.raises(BadRequestError):
        client.request("GET", f"/responses/{created.id}", query={"stream": "true", "starting_after": "x"})


def test_a_background_stream_from_creation_starts_queued(client, spec):  # noqa: F811
    events = _stream_events(client, {"model": "gpt-4.1", "input": "Go.", "background": True})
    _check_events(spec, events)
    assert [e["type"] for e in events[:3]] == ["response.created", "response.queued", "response.in_progress"]
    assert client.responses.retrieve(events[0]["response"]["id"]).status == "completed"


def test_cancelling_background_responses(handle, client):
    queued = client.responses.create(model="gpt-4.1", input="x", background=True)
    cancelled = client.responses.cancel(queued.id)
    assert (cancelled.status, cancelled.output) == ("cancelled", [])
    assert client.responses.cancel(queued.id).status == "cancelled", "cancelling twice returns it again"
    handle.advance(10)
    assert client.responses.retrieve(queued.id).status == "cancelled", "the clock does not revive it"
    # A cancelled response has no final stream event (response.cancelled is a webhook event only).
    replay = list(
        client.request(
            "GET", f"/responses/{queued.id}", query={"stream": "true"}, stream=True, require_stream_end=False
        )
    )
    assert [e["type"] for e in replay] == ["response.created", "response.queued"]
    finished = client.responses.create(model="gpt-4.1", input="y", background=True)
    handle.advance(3)
    with pytest.raises(BadRequestError, match="Cannot cancel a completed response"):
        client.responses.cancel(finished.id)
    plain = client.responses.create(model="gpt-4.1", input="z")
    with pytest.raises(BadRequestError, match="Only background responses"):
        client.responses.cancel(plain.id)
    with pytest.raises(BadRequestError, match="store"):
        client.responses.create(model="gpt-4.1", input="z", background=True, store=False)


def test_a_chain_cannot_follow_an_unfinished_response(client):
    running = client.responses.create(model="gpt-4.1", input="x", background=True)
    with pytest.raises(BadRequestError) as info:
        client.responses.create(model="gpt-4.1", input="next", previous_response_id=running.id)
    assert info.value.param == "previous_response_id"


# -- usage: exact, and the same however the answer is delivered ------------------------------------


def test_chat_usage_is_exact_and_the_same_streamed_or_not(client):
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Count my words please"},
    ]
    whole = client.chat.completions.create(model="gpt-4.1", messages=messages)
    chunks = list(
        client.chat.completions.create(
            model="gpt-4.1", messages=messages, stream=True, stream_options={"include_usage": True}
        )
    )
    deltas = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert whole.usage.prompt_tokens == 2 + 4
    assert whole.usage.completion_tokens == len(deltas) == len(whole.choices[0].message.content.split())
    assert chunks[-1].usage.to_dict() == whole.usage.to_dict()
    assert all(c.usage is None for c in chunks[:-1]), "usage is null on every chunk but the last"
    assert whole.usage.total_tokens == whole.usage.prompt_tokens + whole.usage.completion_tokens
    two = client.chat.completions.create(model="gpt-4.1", messages=messages, n=2)
    assert two.usage.completion_tokens == 2 * whole.usage.completion_tokens
    calls = client.chat.completions.create(
        model="gpt-4.1", messages=[{"role": "user", "content": "get_time"}], tools=CHAT_TOOLS
    )
    # A call counts its name and its arguments: "get_time" and "{}".
    assert calls.usage.completion_tokens == 2


def test_responses_usage_is_exact_and_the_same_streamed_retrieved_or_not(client):
    body = {"model": "gpt-4.1", "instructions": "Be brief.", "input": "one two three"}
    whole = client.responses.create(**body)
    assert whole.usage.input_tokens == 2 + 3
    events = _stream_events(client, body)
    deltas = [e for e in events if e["type"] == "response.output_text.delta"]
    streamed = events[-1]["response"]["usage"]
    assert whole.usage.output_tokens == len(deltas) == streamed["output_tokens"]
    assert streamed == whole.usage.to_dict() == client.responses.retrieve(whole.id).usage.to_dict()
    follow = client.responses.create(model="gpt-4.1", input="four", previous_response_id=whole.id)
    assert follow.usage.input_tokens == 3 + whole.usage.output_tokens + 1, (
        "history counts, instructions do not carry"
    )


def test_canned_answers_read_naturally(client):
    for prompt in ("Say hello.", "Why?", "Name a colour", "   "):
        text = (
            client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": prompt}])
            .choices[0]
            .message.content
        )
        assert ".." not in text and "?." not in text and text.endswith(".")
        assert text.startswith("Reply to: " + prompt.strip()) or not prompt.strip()


def test_a_tool_output_that_ends_a_sentence_gets_no_second_full_stop(client):
    messages = [{"role": "user", "content": "Use get_time"}]
    message = (
        client.chat.completions.create(model="gpt-4.1", messages=messages, tools=CHAT_TOOLS)
        .choices[0]
        .message
    )
    messages += [message.to_dict(), *_tool_messages(message, {"get_time": "It is noon."})]
    answer = client.chat.completions.create(model="gpt-4.1", messages=messages, tools=CHAT_TOOLS)
    assert (
        answer.choices[0].message.content == "Here is what the tools returned: get_time returned It is noon."
    )

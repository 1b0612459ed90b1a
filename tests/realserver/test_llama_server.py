"""Our client against a real OpenAI-compatible server: llama.cpp's llama-server.

The model (tiny_model.py) is made to answer "Hello world! Hello world! ..." and to call get_weather
when offered tools, so every answer is known in advance.
"""

from __future__ import annotations

import json

import pytest

from django_openai.client import AuthenticationError, BadRequestError, OpenAI

from .server import LlamaServer
from .tiny_model import TOOL_ARGUMENTS, TOOL_NAME, WEATHER_TOOL, greeting

HI = [{"role": "user", "content": "Say hello."}]


def test_models_list_names_the_served_model(llama_client, llama_server):
    models = list(llama_client.models.list())
    assert [model.id for model in models] == [llama_server.model]
    assert models[0].owned_by == "llamacpp"
    # Server-specific fields are kept, not dropped.
    assert models[0].model_dump()["meta"]["n_vocab"] > 256


def test_chat_completion(llama_client, llama_server):
    completion = llama_client.chat.completions.create(model=llama_server.model, messages=HI, max_tokens=7)
    choice = completion.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content == greeting(7) == "Hello world! Hello world! Hello"
    assert choice.finish_reason == "length"
    assert completion.model == llama_server.model
    assert completion.usage.completion_tokens == 7
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + 7


def test_stop_sequence_ends_the_reply(llama_client, llama_server):
    completion = llama_client.chat.completions.create(
        model=llama_server.model, messages=HI, max_tokens=20, stop=["!"]
    )
    assert completion.choices[0].message.content == "Hello world"
    assert completion.choices[0].finish_reason == "stop"


def test_chat_stream_events_and_final_accumulation(llama_client, llama_server):
    with llama_client.chat.completions.stream(
        model=llama_server.model,
        messages=HI,
        max_tokens=9,
        stream_options={"include_usage": True},
    ) as stream:
        chunks = list(stream)
        final = stream.get_final_completion()

    deltas = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(deltas) == 9  # one event per generated token
    assert "".join(deltas) == greeting(9)
    assert {c.id for c in chunks} == {final.id}
    assert final.choices[0].message.content == greeting(9)
    assert final.choices[0].finish_reason == "length"
    # The usage event comes last, with no choices.
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 9
    assert final.usage.completion_tokens == 9
    assert stream.stream.done  # the server ended with [DONE]


def test_stream_equals_non_stream(llama_client, llama_server):
    request = {"model": llama_server.model, "messages": HI, "max_tokens": 12, "temperature": 0}
    plain = llama_client.chat.completions.create(**request)
    streamed = llama_client.chat.completions.stream(**request).get_final_completion()
    assert streamed.choices[0].message.content == plain.choices[0].message.content
    assert streamed.choices[0].finish_reason == plain.choices[0].finish_reason


def test_multi_turn_conversation_replay(llama_client, llama_server):
    messages = [{"role": "system", "content": "You are terse."}]
    prompt_sizes = []
    for question in ("Hi?", "And again?", "Once more?"):
        messages.append({"role": "user", "content": question})
        completion = llama_client.chat.completions.create(
            model=llama_server.model, messages=messages, max_tokens=4
        )
        reply = completion.choices[0].message
        assert reply.content == greeting(4)
        messages.append({"role": "assistant", "content": reply.content})
        prompt_sizes.append(completion.usage.prompt_tokens)
    # Each turn's prompt holds the whole conversation so far.
    assert prompt_sizes == sorted(prompt_sizes) and len(set(prompt_sizes)) == 3


def test_closing_a_stream_midway_cancels_the_generation(llama_client, llama_server):
    llama_server.wait_until_idle()
    before = llama_server.tokens_predicted_total()
    max_tokens = 8000  # far more than the server makes before it notices the closed connection

    stream = llama_client.chat.completions.create(
        model=llama_server.model, messages=HI, max_tokens=max_tokens, stream=True
    )
    received = []
    for chunk in stream:
        received.append(chunk)
        if len(received) == 3:
            break
    stream.close()
    assert stream.response.is_closed
    assert not stream.done

    # The server stopped generating for the closed connection: its one slot is free again long
    # before 8000 tokens, and its own count of generated tokens says so.
    llama_server.wait_until_idle()
    generated = llama_server.tokens_predicted_total() - before
    assert generated < max_tokens // 2
    # And it serves the next request as usual.
    completion = llama_client.chat.completions.create(model=llama_server.model, messages=HI, max_tokens=3)
    assert completion.choices[0].message.content == greeting(3)


def test_tool_call(llama_client, llama_server):
    completion = llama_client.chat.completions.create(
        model=llama_server.model,
        messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=[WEATHER_TOOL],
        max_tokens=64,
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls
    assert call.id and call.type == "function"
    assert call.function.name == TOOL_NAME
    assert json.loads(call.function.arguments) == json.loads(TOOL_ARGUMENTS)


def test_tool_call_forced_with_tool_choice(llama_client, llama_server):
    completion = llama_client.chat.completions.create(
        model=llama_server.model,
        messages=[{"role": "user", "content": "Weather?"}],
        tools=[WEATHER_TOOL],
        tool_choice="required",
        max_tokens=64,
    )
    assert completion.choices[0].message.tool_calls[0].function.name == TOOL_NAME


def test_streamed_tool_call_accumulates(llama_client, llama_server):
    with llama_client.chat.completions.stream(
        model=llama_server.model,
        messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=[WEATHER_TOOL],
        max_tokens=64,
    ) as stream:
        chunks = list(stream)
        final = stream.get_final_completion()
    argument_deltas = [
        call.function.arguments
        for chunk in chunks
        for choice in chunk.choices
        for call in choice.delta.tool_calls or []
        if call.function and call.function.arguments
    ]
    assert len(argument_deltas) > 1  # the arguments arrive in pieces
    [call] = final.choices[0].message.tool_calls
    assert final.choices[0].finish_reason == "tool_calls"
    assert call.id and call.function.name == TOOL_NAME
    assert json.loads(call.function.arguments) == json.loads(TOOL_ARGUMENTS)


def test_tool_result_round_trip(llama_client, llama_server):
    """The call and its result are sent back; the model answers instead of calling again.

    The model calls the tool unless the prompt holds a <tool_response>, which the server's chat
    template writes only for a tool message it received: so the answer proves that our client
    sent the assistant's tool call and the tool's result in a shape the server understood.
    """
    messages: list[dict] = [{"role": "user", "content": "Weather in Paris?"}]
    first = llama_client.chat.completions.create(
        model=llama_server.model, messages=messages, tools=[WEATHER_TOOL], max_tokens=64
    )
    call = first.choices[0].message.tool_calls[0]
    messages.append(first.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": '{"sky": "clear", "celsius": 21}'})
    second = llama_client.chat.completions.create(
        model=llama_server.model, messages=messages, tools=[WEATHER_TOOL], max_tokens=4
    )
    assert second.choices[0].message.tool_calls is None
    assert second.choices[0].message.content == greeting(4)


async def test_async_client_completion_and_stream(llama_async_client, llama_server):
    completion = await llama_async_client.chat.completions.create(
        model=llama_server.model, messages=HI, max_tokens=5
    )
    assert completion.choices[0].message.content == greeting(5)

    stream = await llama_async_client.chat.completions.create(
        model=llama_server.model, messages=HI, max_tokens=5, stream=True
    )
    pieces = [c.choices[0].delta.content async for c in stream if c.choices and c.choices[0].delta.content]
    assert "".join(pieces) == greeting(5)


def test_wrong_key_is_an_authentication_error(llama_server):
    wrong = OpenAI(provider="llamacpp", base_url=llama_server.base_url, api_key="sk-wrong", max_retries=0)
    with wrong, pytest.raises(AuthenticationError) as caught:
        wrong.chat.completions.create(model=llama_server.model, messages=HI, max_tokens=3)
    assert caught.value.status_code == 401
    assert caught.value.type == "authentication_error"
    assert "sk-wrong" not in str(caught.value)


def test_bad_request_carries_the_servers_message(llama_client, llama_server):
    with pytest.raises(BadRequestError) as caught:
        llama_client.chat.completions.create(
            model=llama_server.model, messages=[{"role": "user"}], max_tokens=3
        )
    assert caught.value.status_code == 400
    assert caught.value.type == "invalid_request_error"
    assert "content" in caught.value.message  # the server's own words: the message lacks content


def test_settings_driven_client(settings, llama_server: LlamaServer):
    from django_openai.clients import get_client

    settings.DJANGO_OPENAI = {
        "CLIENTS": {
            "local": {
                "PROVIDER": "llamacpp",
                "BASE_URL": llama_server.base_url,
                "API_KEY": llama_server.api_key,
            }
        }
    }
    client = get_client("local")
    assert [m.id for m in client.models.list()] == [llama_server.model]
    completion = client.chat.completions.create(model=llama_server.model, messages=HI, max_tokens=3)
    assert completion.choices[0].message.content == greeting(3)
    with client.chat.completions.stream(model=llama_server.model, messages=HI, max_tokens=3) as stream:
        assert stream.get_final_completion().choices[0].message.content == greeting(3)


async def test_settings_driven_async_client(settings, llama_server: LlamaServer):
    from django_openai.clients import get_async_client

    settings.DJANGO_OPENAI = {
        "CLIENTS": {
            "local": {
                "PROVIDER": "llamacpp",
                "BASE_URL": llama_server.base_url,
                "API_KEY": llama_server.api_key,
            }
        }
    }
    client = get_async_client("local")
    completion = await client.chat.completions.create(model=llama_server.model, messages=HI, max_tokens=3)
    assert completion.choices[0].message.content == greeting(3)

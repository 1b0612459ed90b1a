"""The fake speaks the API: shapes validated against the spec's response schemas, in both modes."""

from __future__ import annotations

import base64
import json

import pytest

from django_openai.client import BadRequestError, NotFoundError
from tests.spec import spec  # noqa: F401 - fixture

MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(params=["http", "inprocess"])
def handle(request, openai_fake, openai_fake_inprocess):
    return openai_fake if request.param == "http" else openai_fake_inprocess


@pytest.fixture
def client(handle):
    with handle.client() as c:
        yield c


def _raw(client, method, path, **kw):
    """The JSON the fake sent, to validate against the spec as received."""
    return client.request(method, path, **kw)


def test_chat_completion_is_deterministic_and_quotes_the_prompt(client):
    first = client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES)
    second = client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES)
    assert first.choices[0].message.content == second.choices[0].message.content
    assert "capital of France" in first.choices[0].message.content
    assert first.usage.total_tokens == first.usage.prompt_tokens + first.usage.completion_tokens


def test_main_responses_validate_against_the_spec(client, spec):  # noqa: F811
    checks = [
        ("POST", "/chat/completions", {"model": "gpt-4.1-mini", "messages": MESSAGES}),
        ("POST", "/embeddings", {"model": "text-embedding-3-small", "input": ["a", "b"], "dimensions": 8}),
        ("POST", "/moderations", {"input": "I will kill the process"}),
        ("POST", "/responses", {"model": "gpt-4.1", "input": "Hello"}),
        ("POST", "/conversations", {"metadata": {"topic": "demo"}}),
        ("GET", "/models", None),
        ("POST", "/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": "Say hi"}),
        ("POST", "/images/generations", {"prompt": "a red square", "model": "gpt-image-1"}),
        ("POST", "/vector_stores", {"name": "docs"}),
        (
            "POST",
            "/uploads",
            {"bytes": 3, "filename": "a.jsonl", "mime_type": "text/jsonl", "purpose": "batch"},
        ),
    ]
    for method, path, body in checks:
        data = _raw(client, method, path, body=body)
        spec.validate_response(method, path, data)
    file = client.files.create(file=("train.jsonl", _training(10)), purpose="fine-tune")
    spec.validate_response(
        "GET", "/files/{file_id}".replace("{file_id}", file.id), _raw(client, "GET", f"/files/{file.id}")
    )
    spec.validate_response("GET", "/files", _raw(client, "GET", "/files"))
    batch_file = client.files.create(file=("b.jsonl", _batch_lines(3)), purpose="batch")
    batch = _raw(
        client,
        "POST",
        "/batches",
        body={"input_file_id": batch_file.id, "endpoint": "/v1/chat/completions", "completion_window": "24h"},
    )
    spec.validate_response("POST", "/batches", batch)
    job = _raw(client, "POST", "/fine_tuning/jobs", body={"model": "gpt-4.1-mini", "training_file": file.id})
    spec.validate_response("POST", "/fine_tuning/jobs", job)
    spec.validate_response(
        "GET",
        f"/fine_tuning/jobs/{job['id']}/events",
        _raw(client, "GET", f"/fine_tuning/jobs/{job['id']}/events"),
    )


def test_the_response_oracle_can_fail(spec):  # noqa: F811
    with pytest.raises(AssertionError, match="choices"):
        spec.validate_response(
            "POST", "/chat/completions", {"id": "x", "object": "chat.completion", "created": 1, "model": "m"}
        )


def test_embeddings_dimensions_base64_and_determinism(client):
    floats = client.embeddings.create(model="text-embedding-3-small", input=["cat", "dog"], dimensions=16)
    again = client.embeddings.create(model="text-embedding-3-small", input="cat", dimensions=16)
    b64 = client.embeddings.create(
        model="text-embedding-3-small", input="cat", dimensions=16, encoding_format="base64"
    )
    assert len(floats.data[0].embedding) == 16
    assert floats.data[0].embedding == again.data[0].embedding != floats.data[1].embedding
    assert b64.data[0].as_floats() == pytest.approx(floats.data[0].embedding, abs=1e-6)
    assert sum(v * v for v in floats.data[0].embedding) == pytest.approx(1, abs=1e-4)
    assert len(client.embeddings.create(model="text-embedding-3-small", input="x").data[0].embedding) == 1536


def test_tool_calls_parallel_and_tool_results(client):
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        },
        {
            "type": "function",
            "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}},
        },
    ]
    asked = [{"role": "user", "content": "Please call get_weather and get_time"}]
    reply = client.chat.completions.create(model="gpt-4.1", messages=asked, tools=tools)
    calls = reply.choices[0].message.tool_calls
    assert reply.choices[0].finish_reason == "tool_calls"
    assert [c.function.name for c in calls] == ["get_weather", "get_time"]
    assert "city" in json.loads(calls[0].function.arguments)
    single = client.chat.completions.create(
        model="gpt-4.1", messages=asked, tools=tools, parallel_tool_calls=False
    )
    assert len(single.choices[0].message.tool_calls) == 1
    plain = client.chat.completions.create(
        model="gpt-4.1", messages=[{"role": "user", "content": "hello"}], tools=tools
    )
    assert plain.choices[0].message.tool_calls is None
    follow = [
        *asked,
        reply.choices[0].message.to_dict(),
        {"role": "tool", "tool_call_id": calls[0].id, "content": "18C"},
    ]
    final = client.chat.completions.create(model="gpt-4.1", messages=follow, tools=tools)
    assert "18C" in final.choices[0].message.content
    # Streamed, the tool-call deltas fold back into the same calls.
    streamed = client.chat.completions.stream(
        model="gpt-4.1", messages=asked, tools=tools
    ).get_final_completion()
    assert [c.function.name for c in streamed.choices[0].message.tool_calls] == ["get_weather", "get_time"]
    assert json.loads(streamed.choices[0].message.tool_calls[0].function.arguments) == json.loads(
        calls[0].function.arguments
    )


def test_response_format_json_schema(client):
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    }
    reply = client.chat.completions.create(
        model="gpt-4.1",
        messages=MESSAGES,
        response_format={"type": "json_schema", "json_schema": {"name": "p", "schema": schema}},
    )
    data = json.loads(reply.choices[0].message.content)
    assert set(data) == {"name", "age"} and isinstance(data["age"], int)


def test_stream_with_usage(client):
    chunks = list(
        client.chat.completions.create(
            model="gpt-4.1-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
    )
    assert chunks[-1].usage.total_tokens > 0 and chunks[-1].choices == []
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert (
        text
        == client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES).choices[0].message.content
    )


def test_responses_stream_events_and_conversation(client):
    conversation = client.conversations.create(metadata={"topic": "geo"})
    with client.responses.stream(
        model="gpt-4.1", input="Name a river", conversation=conversation.id
    ) as stream:
        types = [event.type for event in stream]
        final = stream.final_response
    assert types[0] == "response.created" and types[-1] == "response.completed"
    assert "response.output_text.delta" in types
    assert final.output_text == stream.text
    items = list(client.conversations.items.list(conversation.id, order="asc"))
    assert [i.role for i in items] == ["user", "assistant"]
    follow = client.responses.create(model="gpt-4.1", input="And another", previous_response_id=final.id)
    assert [i.role for i in client.responses.input_items.list(follow.id, order="asc")] == [
        "user",
        "assistant",
        "user",
    ]


def test_background_response_moves_with_the_clock(handle, client):
    response = client.responses.create(model="gpt-4.1", input="long task", background=True)
    assert response.status == "queued" and response.output == []
    handle.advance(1)
    assert client.responses.retrieve(response.id).status == "in_progress"
    handle.advance(2)
    done = client.responses.retrieve(response.id)
    assert done.status == "completed" and "long task" in done.output_text
    other = client.responses.create(model="gpt-4.1", input="x", background=True)
    assert client.responses.cancel(other.id).status == "cancelled"


def test_files_pagination_content_and_delete(client):
    ids = [client.files.create(file=(f"f{i}.jsonl", b"{}\n"), purpose="batch").id for i in range(5)]
    page = client.files.list(limit=2, order="asc")
    assert [f.id for f in page.data] == ids[:2] and page.has_next_page()
    assert [f.id for f in client.files.list(limit=2, order="asc")] == ids
    assert client.files.content(ids[0]).read() == b"{}\n"
    assert client.files.delete(ids[0]).deleted
    with pytest.raises(NotFoundError):
        client.files.retrieve(ids[0])


def test_uploads_complete_into_a_file(client):
    content = b"0123456789" * 1000
    upload = client.uploads.upload_file_chunked(
        file=("big.jsonl", content),
        mime_type="application/jsonl",
        purpose="batch",
        part_size=3000,
        concurrency=2,
    )
    assert upload.status == "completed"
    assert client.files.content(upload.file.id).read() == content


def test_vector_store_search_finds_the_right_file(client):
    cats = client.files.create(file=("cats.txt", b"cats purr and sleep in the sun"), purpose="assistants")
    cars = client.files.create(file=("cars.txt", b"engines burn fuel on the motorway"), purpose="assistants")
    store = client.vector_stores.create(name="docs", file_ids=[cats.id, cars.id])
    assert store.file_counts["completed"] == 2
    results = client.vector_stores.search(store.id, query="why do cats purr", max_num_results=1)
    assert [r.filename for r in results.data] == ["cats.txt"]


def test_images_and_audio_are_real_media(client):
    image = client.images.generate(prompt="a red square")
    png = base64.b64decode(image.data[0].b64_json)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in png
    audio = client.audio.speech.create(model="gpt-4o-mini-tts", input="hello", voice="alloy").read()
    assert audio[:4] == b"RIFF" and audio[8:12] == b"WAVE"
    text = client.audio.transcriptions.create(file=("speech.wav", audio), model="whisper-1")
    assert "speech.wav" in text.text


def test_moderation_flags_deterministically(client):
    result = client.moderations.create(input=["have a nice day", "I will kill it"])
    assert [r.flagged for r in result.results] == [False, True]


def test_errors_have_openai_shape(client):
    with pytest.raises(BadRequestError) as info:
        client.chat.completions.create(model="gpt-4.1", messages=[])
    assert info.value.type == "invalid_request_error" and info.value.param
    with pytest.raises(NotFoundError) as info2:
        client.batches.retrieve("batch_missing")
    assert "batch_missing" in info2.value.message
    with pytest.raises(NotFoundError):
        client.request("GET", "/no/such/thing")


def _training(n: int) -> bytes:
    line = {"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}
    return b"\n".join(json.dumps(line).encode() for _ in range(n)) + b"\n"


def _batch_lines(n: int, overrides: dict | None = None) -> bytes:
    lines = []
    for i in range(n):
        line = {
            "custom_id": f"req-{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": f"question {i}"}]},
        }
        line.update((overrides or {}).get(i, {}))
        lines.append(json.dumps(line).encode())
    return b"\n".join(lines) + b"\n"

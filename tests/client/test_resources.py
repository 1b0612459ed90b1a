"""Every resource method, sync and async: method, path, query, body, headers and result type."""

from __future__ import annotations

import pytest

from django_openai.client import AsyncBinaryResponse, AsyncPage, BinaryResponse, SyncPage
from django_openai.client.types._base import OpenAIObject

from .calls import CALLS, Call
from .conftest import KEY, query_of, request_body


def _route(router, call: Call):
    route = router.route(method=call.method, path=call.path)
    if call.binary:
        return route.respond(200, content=call.response)
    return route.respond(200, json=call.response)


def _check_request(call: Call, route) -> None:
    assert route.call_count == 1, f"{call.name}: expected one request"
    request = route.calls.last.request
    assert request.method == call.method
    assert request.headers["authorization"] == f"Bearer {KEY}"
    if call.query:
        assert query_of(request).items() >= call.query.items(), query_of(request)
    body = request_body(request)
    if call.body:
        assert body is not None and body.items() >= call.body.items(), body
    if call.multipart:
        assert request.headers["content-type"].startswith("multipart/form-data")
        assert any(isinstance(v, dict) and v.get("filename") for v in body.values()), "a file part is sent"
    if call.method == "POST":
        assert request.headers["idempotency-key"].startswith("django-openai-")
    else:
        assert "idempotency-key" not in request.headers


def _check_result(call: Call, result, *, is_async: bool) -> None:
    if call.page:
        assert isinstance(result, AsyncPage if is_async else SyncPage)
        assert len(result.data) == len(call.response["data"])
    elif call.binary:
        assert isinstance(result, AsyncBinaryResponse if is_async else BinaryResponse)
    else:
        assert isinstance(result, OpenAIObject | dict)


@pytest.mark.parametrize("call", CALLS, ids=[c.name for c in CALLS])
def test_sync_call(call: Call, client, router):
    route = _route(router, call)
    result = call.invoke(client)
    if call.binary:
        assert result.read() == call.response
    _check_result(call, result, is_async=False)
    _check_request(call, route)


@pytest.mark.parametrize("call", CALLS, ids=[c.name for c in CALLS])
async def test_async_call(call: Call, aclient, router):
    route = _route(router, call)
    result = await call.invoke(aclient)
    if call.binary:
        assert await result.read() == call.response
    _check_result(call, result, is_async=True)
    _check_request(call, route)


def test_unknown_response_fields_are_kept(client, router):
    router.get("/models/m").respond(200, json={"id": "m", "object": "model", "brand_new_field": {"x": 1}})
    model = client.models.retrieve("m")
    assert model.brand_new_field == {"x": 1}
    assert model.to_dict()["brand_new_field"] == {"x": 1}


def test_unknown_request_parameters_pass_through(client, router):
    route = router.post("/chat/completions").respond(200, json={"id": "c", "choices": []})
    client.chat.completions.create(model="llama3", messages=[], keep_alive="5m", options={"num_ctx": 4096})
    body = request_body(route.calls.last.request)
    assert body["keep_alive"] == "5m" and body["options"] == {"num_ctx": 4096}


def test_extra_headers_query_body_and_timeout(client, router):
    route = router.post("/embeddings").respond(200, json={"data": []})
    client.embeddings.create(
        model="m",
        input="x",
        extra_headers={"X-Trace": "abc", "user-agent": "my-app/1", "Idempotency-Key": None},
        extra_query={"api-flag": "1"},
        extra_body={"user": "u1"},
        timeout=3.5,
    )
    request = route.calls.last.request
    assert request.headers["x-trace"] == "abc"
    assert request.headers["user-agent"] == "my-app/1"
    assert "idempotency-key" not in request.headers
    assert query_of(request) == {"api-flag": "1"}
    assert request_body(request)["user"] == "u1"
    assert request.extensions["timeout"]["read"] == 3.5


def test_none_arguments_are_not_sent(client, router):
    route = router.post("/chat/completions").respond(200, json={"id": "c", "choices": []})
    client.chat.completions.create(model="m", messages=[], temperature=None)
    assert "temperature" not in request_body(route.calls.last.request)


def test_empty_ids_are_refused_before_any_request(client, router):
    with pytest.raises(ValueError, match="file_id"):
        client.files.retrieve("")
    with pytest.raises(ValueError, match="must not contain"):
        client.batches.retrieve("../files")
    assert not router.calls


def test_generic_request_returns_json_and_bytes(client, router):
    router.get("/organization/costs").respond(200, json={"object": "page", "data": [1]})
    router.get("/containers/c1/files/f1/content").respond(200, content=b"\x00\x01")
    assert client.request("GET", "/organization/costs", query={"limit": 1}) == {"object": "page", "data": [1]}
    assert client.request("GET", "/containers/c1/files/f1/content", raw=True) == b"\x00\x01"
    assert router.calls[0].request.url.params["limit"] == "1"


def test_raw_response_gives_headers_and_parsed_body(client, router):
    router.get("/models/m").respond(
        200,
        json={"id": "m"},
        headers={"x-request-id": "req_123", "x-ratelimit-remaining-requests": "99"},
    )
    raw = client.with_raw_response.models.retrieve("m")
    assert raw.status_code == 200
    assert raw.request_id == "req_123"
    assert raw.rate_limits == {"x-ratelimit-remaining-requests": "99"}
    assert raw.parse().id == "m"
    # The original client is unchanged.
    assert client.models.retrieve("m").id == "m"


def test_with_options_shares_the_pool(client, router):
    route = router.get("/models").respond(200, json={"data": []})
    other = client.with_options(default_headers={"X-A": "1"}, max_retries=5)
    other.models.list()
    assert route.calls.last.request.headers["x-a"] == "1"
    assert other._http_client is client._http_client
    assert other.max_retries == 5 and client.max_retries == 0


def test_organization_and_project_headers(router):
    from django_openai.client import OpenAI

    route = router.get("/models").respond(200, json={"data": []})
    with OpenAI(api_key=KEY, base_url="https://api.test/v1", organization="org-1", project="proj-1") as c:
        c.models.list()
    headers = route.calls.last.request.headers
    assert headers["openai-organization"] == "org-1"
    assert headers["openai-project"] == "proj-1"


def test_transcription_text_format_returns_str(client, router):
    router.post("/audio/transcriptions").respond(200, text="hello world\n")
    result = client.audio.transcriptions.create(
        file=("a.wav", b"RIFF"), model="whisper-1", response_format="text"
    )
    assert result == "hello world\n"


def test_image_edit_with_several_images(client, router):
    route = router.post("/images/edits").respond(200, json={"created": 1, "data": []})
    client.images.edit(image=[("a.png", b"1"), ("b.png", b"2")], prompt="merge")
    body = request_body(route.calls.last.request)
    assert [part["filename"] for part in body["image[]"]] == ["a.png", "b.png"]


def test_speech_streams_to_a_file(client, router, tmp_path):
    router.post("/audio/speech").respond(200, content=b"A" * 200_000)
    target = tmp_path / "out.mp3"
    seen: list[int] = []
    written = client.audio.speech.create(model="tts", input="hi", voice="alloy").write_to_file(
        str(target), progress=seen.append
    )
    assert written == 200_000 == target.stat().st_size
    assert seen[-1] == 200_000

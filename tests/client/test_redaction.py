"""A credential the server echoes back never reaches an exception: not its text, repr, args or
``.body``, nor the exceptions chained to it. Every error path, for the OpenAI key and the Azure
``api-key`` (and an Entra ID token), with the sync and the async client."""

from __future__ import annotations

import inspect
import json
import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from django_openai.client import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStreamError,
    AsyncOpenAI,
    AuthenticationError,
    OpenAI,
    errors,
)

from .calls import CHAT

OPENAI_KEY = "sk-echo-0123456789abcdefghij"
AZURE_KEY = "azkey0123456789abcdefghijklmnop"
AD_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.adtoken"
ENDPOINT = "https://res.openai.azure.com"

Handler = Callable[[httpx.Request], httpx.Response]


def make_client(credential: str, is_async: bool, handler: Handler) -> Any:
    transport = httpx.MockTransport(handler)
    cls = AsyncOpenAI if is_async else OpenAI
    if credential == "openai":
        return cls(api_key=OPENAI_KEY, base_url="https://api.test/v1", max_retries=0, transport=transport)
    options: dict[str, Any] = {"azure_endpoint": ENDPOINT, "api_version": "2024-10-21"}
    if credential == "azure-token":
        options["azure_ad_token_provider"] = lambda: AD_TOKEN
    else:
        options["api_key"] = AZURE_KEY
    return cls(provider="azure", max_retries=0, transport=transport, **options)


def sent_secret(request: httpx.Request) -> str:
    """The credential the request carried, as a server that echoes it would see it."""
    if "api-key" in request.headers:
        return request.headers["api-key"]
    return request.headers["authorization"].removeprefix("Bearer ")


CREDENTIALS = ["openai", "azure", "azure-token"]


@pytest.fixture(params=[False, True], ids=["sync", "async"])
def is_async(request):
    return request.param


def assert_redacted(error: BaseException, secret: str) -> None:
    texts = [
        str(error),
        repr(error),
        repr(error.args),
        "".join(traceback.format_exception(error)),  # with every chained exception
    ]
    if isinstance(error, APIError):
        texts += [error.message, repr(error.body), repr(error.type), repr(error.code)]
    for text in texts:
        # Not whole, and not the head of it either (a message cut short must not keep half a key).
        for size in range(10, len(secret) + 1):
            assert secret[:size] not in text, text
            assert secret[-size:] not in text, text
    assert "[redacted]" in str(error) or "[redacted]" in repr(
        error.body if isinstance(error, APIError) else ""
    )


async def outcome(client: Any, call: Callable[[Any], Any]) -> BaseException:
    """Run ``call`` (sync or async client alike) to the end, streams drained; return its error."""
    try:
        result = call(client)
        if inspect.isawaitable(result):
            result = await result
        if hasattr(result, "__aiter__"):
            async for _ in result:
                pass
        elif hasattr(result, "__iter__") and not isinstance(result, dict):
            for _ in result:
                pass
    except Exception as exc:
        return exc
    finally:
        close = client.close()
        if inspect.isawaitable(close):
            await close
    raise AssertionError("the call raised nothing")


def chat(client: Any, **extra: Any) -> Any:
    return client.chat.completions.create(model="gpt-4.1-mini", messages=[], **extra)


def sse(*events: bytes) -> httpx.Response:
    return httpx.Response(200, content=b"".join(events), headers={"content-type": "text/event-stream"})


def echoing(build: Callable[[str], httpx.Response]) -> Handler:
    return lambda request: build(sent_secret(request))


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_status_error_body_and_message(credential, is_async):
    def build(secret: str) -> httpx.Response:
        return httpx.Response(401, json={"error": {"message": f"Incorrect API key provided: {secret}."}})

    error = await outcome(make_client(credential, is_async, echoing(build)), chat)
    assert isinstance(error, AuthenticationError)
    assert_redacted(error, secret_of(credential))


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_stream_error_event(credential, is_async):
    def build(secret: str) -> httpx.Response:
        error = {"error": {"message": f"key {secret} is revoked", "type": "invalid_request_error"}}
        return sse(b"event: error\ndata: " + json.dumps(error).encode() + b"\n\n")

    error = await outcome(make_client(credential, is_async, echoing(build)), lambda c: chat(c, stream=True))
    assert isinstance(error, APIStreamError) and error.type == "invalid_request_error"
    assert_redacted(error, secret_of(credential))


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_stream_responses_error_event(credential, is_async):
    def build(secret: str) -> httpx.Response:
        event = {"type": "error", "code": "bad_key", "message": f"bad key {secret}", "sequence_number": 0}
        return sse(b"event: error\ndata: " + json.dumps(event).encode() + b"\n\n")

    error = await outcome(
        make_client(credential, is_async, echoing(build)),
        lambda c: c.responses.create(model="gpt-4.1-mini", input="x", stream=True),
    )
    assert isinstance(error, APIStreamError)
    assert_redacted(error, secret_of(credential))


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_stream_event_that_is_not_json(credential, is_async):
    def build(secret: str) -> httpx.Response:
        return sse(b"data: upstream rejected key " + secret.encode() + b" {\n\n")

    error = await outcome(make_client(credential, is_async, echoing(build)), lambda c: chat(c, stream=True))
    assert isinstance(error, APIResponseValidationError)
    assert_redacted(error, secret_of(credential))


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_stream_event_of_the_wrong_shape(credential, is_async):
    def build(secret: str) -> httpx.Response:  # a chunk without its required "id"
        chunk = {"object": "chat.completion.chunk", "choices": "key " + secret}
        return sse(b"data: " + json.dumps(chunk).encode() + b"\n\n")

    error = await outcome(make_client(credential, is_async, echoing(build)), lambda c: chat(c, stream=True))
    assert isinstance(error, APIResponseValidationError)
    assert_redacted(error, secret_of(credential))


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_malformed_200_body_that_is_not_json(credential, is_async):
    def build(secret: str) -> httpx.Response:
        return httpx.Response(200, content=b"<html>proxy says key " + secret.encode() + b" is bad")

    error = await outcome(make_client(credential, is_async, echoing(build)), chat)
    assert isinstance(error, APIResponseValidationError)
    assert_redacted(error, secret_of(credential))


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_malformed_200_body_quoted_by_the_validation_message(credential, is_async):
    def build(secret: str) -> httpx.Response:  # "choices" must be a list: pydantic quotes the input
        return httpx.Response(200, json={**CHAT, "choices": f"echo {secret}"})

    error = await outcome(make_client(credential, is_async, echoing(build)), chat)
    assert isinstance(error, APIResponseValidationError) and "choices" in str(error)
    assert_redacted(error, secret_of(credential))


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_long_malformed_body_cut_across_the_key(credential, is_async):
    def build(secret: str) -> httpx.Response:
        # The error keeps the head of a long body: the cut falls 15 characters into the key.
        return httpx.Response(200, content=("x" * (errors.BODY_EXCERPT - 15) + secret + "y" * 50).encode())

    error = await outcome(make_client(credential, is_async, echoing(build)), chat)
    assert isinstance(error, APIResponseValidationError)
    assert len(error.body) < errors.BODY_EXCERPT + 20, "the body is cut"
    assert_redacted(error, secret_of(credential))


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_list_item_of_the_wrong_shape(credential, is_async):
    def build(secret: str) -> httpx.Response:  # a file without its required "id"
        return httpx.Response(200, json={"object": "list", "data": [{"filename": secret}], "has_more": False})

    error = await outcome(make_client(credential, is_async, echoing(build)), lambda c: c.files.list())
    assert isinstance(error, APIResponseValidationError)
    assert_redacted(error, secret_of(credential))


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_connection_error_and_its_cause(credential, is_async):
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"proxy refused credentials {sent_secret(request)}")

    error = await outcome(make_client(credential, is_async, handler), chat)
    assert isinstance(error, APIConnectionError) and error.__cause__ is not None
    assert_redacted(error, secret_of(credential))


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_redirect_whose_location_echoes_the_key(credential, is_async):
    def build(secret: str) -> httpx.Response:
        return httpx.Response(307, headers={"location": f"https://elsewhere.test/v1/x?key={secret}"})

    error = await outcome(make_client(credential, is_async, echoing(build)), chat)
    assert isinstance(error, APIError) and "elsewhere.test" in str(error)
    assert_redacted(error, secret_of(credential))
    assert not any(secret_of(credential) in value for value in error.headers.values())


def secret_of(credential: str) -> str:
    return {"openai": OPENAI_KEY, "azure": AZURE_KEY, "azure-token": AD_TOKEN}[credential]

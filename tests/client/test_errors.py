from __future__ import annotations

import logging

import httpx
import pytest

from django_openai.client import (
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    OpenAI,
    OpenAIError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)

from .conftest import BASE, KEY


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (418, APIStatusError),
    ],
)
def test_status_maps_to_error_class(client, router, status, cls):
    router.get("/models/m").respond(
        status,
        json={"error": {"message": "nope", "type": "invalid_request_error", "code": "c1", "param": "model"}},
        headers={"x-request-id": "req_9"},
    )
    with pytest.raises(cls) as info:
        client.models.retrieve("m")
    error = info.value
    assert type(error) is cls
    assert (error.status_code, error.request_id, error.type, error.code, error.param) == (
        status,
        "req_9",
        "invalid_request_error",
        "c1",
        "model",
    )
    assert error.body["error"]["message"] == "nope"
    assert "nope" in str(error) and "req_9" in str(error)


def test_non_json_error_body(client, router):
    router.get("/models/m").respond(502, text="<html>Bad gateway</html>")
    with pytest.raises(InternalServerError) as info:
        client.models.retrieve("m")
    assert info.value.body == "<html>Bad gateway</html>"
    assert info.value.code is None


def test_the_key_never_appears_in_errors_or_logs(router, caplog):
    router.get("/models/m").respond(401, json={"error": {"message": f"Incorrect API key provided: {KEY}."}})
    router.get("/models/n").mock(side_effect=httpx.ConnectError(f"failed for {KEY}"))
    caplog.set_level(logging.DEBUG, logger="django_openai")
    with OpenAI(api_key=KEY, base_url=BASE, max_retries=0) as c:
        with pytest.raises(AuthenticationError) as info:
            c.models.retrieve("m")
        with pytest.raises(OpenAIError) as info2:
            c.models.retrieve("n")
    for error in (info.value, info2.value):
        assert KEY not in str(error) and KEY not in repr(error.body) and KEY not in repr(error.args)
    assert "[redacted]" in str(info.value)
    assert caplog.records, "debug lines are logged"
    assert all(KEY not in r.getMessage() for r in caplog.records)
    assert KEY not in repr(OpenAI(api_key=KEY, base_url=BASE))


def test_debug_log_line_has_method_path_status_duration_retries(client, router, caplog):
    router.get("/models/m").respond(200, json={"id": "m"})
    caplog.set_level(logging.DEBUG, logger="django_openai")
    client.models.retrieve("m")
    (record,) = [r for r in caplog.records if r.name == "django_openai.client"]
    message = record.getMessage()
    assert message.startswith("GET /models/m -> 200 in ") and message.endswith("ms (retries: 0)")


def test_malformed_success_body_is_a_validation_error(client, router):
    router.get("/models/m").respond(200, content=b"{not json")
    with pytest.raises(APIResponseValidationError):
        client.models.retrieve("m")
    router.get("/batches/b").respond(200, json={"id": "b"})  # "status" is required
    with pytest.raises(APIResponseValidationError, match="status"):
        client.batches.retrieve("b")


def test_missing_key_is_a_clear_error():
    with pytest.raises(OpenAIError, match="OPENAI_API_KEY"):
        OpenAI()
    # Local servers need no key.
    assert OpenAI(provider="ollama").base_url == "http://localhost:11434/v1"

"""The OpenAPI schema (drf-spectacular, the "api" extra): every endpoint, valid, downloads included."""

from __future__ import annotations

import re

import pytest

from django_openai.api import urls as api_urls

spectacular = pytest.importorskip("drf_spectacular")

from drf_spectacular.generators import SchemaGenerator  # noqa: E402
from drf_spectacular.validation import validate_schema  # noqa: E402


@pytest.fixture(scope="module")
def schema():
    generator = SchemaGenerator(patterns=api_urls.urlpatterns, title="django-openai")
    return generator.get_schema(request=None, public=True)


def route_of(pattern) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))


def test_every_endpoint_and_method_is_described(schema):
    for pattern in api_urls.urlpatterns:
        view = pattern.callback.view_class
        methods = {m for m in ("get", "post", "patch", "delete") if hasattr(view, m)}
        described = schema["paths"].get(route_of(pattern))
        assert described is not None, f"{route_of(pattern)} is missing"
        assert set(described) - {"parameters"} == methods, route_of(pattern)
        for method in methods:
            operation = described[method]
            assert operation.get("summary"), (route_of(pattern), method)
            assert any(code.startswith("2") for code in operation["responses"]), (route_of(pattern), method)


def test_the_schema_is_valid_openapi(schema):
    validate_schema(schema)


def test_streamed_downloads_are_binary_of_their_type(schema):
    for path, content_type in (
        ("/batches/{openai_id}/results.jsonl", "application/jsonl"),
        ("/batches/{openai_id}/results.csv", "text/csv"),
        ("/files/{openai_id}/content/", "application/octet-stream"),
    ):
        ok = schema["paths"][path]["get"]["responses"]["200"]["content"]
        assert list(ok) == [content_type]
        assert ok[content_type]["schema"] == {"type": "string", "format": "binary"}


def test_lists_are_documented_as_pages_with_their_parameters(schema):
    items = schema["paths"]["/batches/{openai_id}/items/"]["get"]
    assert {p["name"] for p in items["parameters"]} >= {"limit", "after", "status"}
    ref = items["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert page["properties"]["has_more"] == {"type": "boolean"}
    assert page["properties"]["data"]["items"] == {"$ref": "#/components/schemas/BatchItem"}


def test_creations_document_their_bodies_and_errors(schema):
    create = schema["paths"]["/batches/"]["post"]
    assert set(create["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert {"201", "400", "429", "502"} <= set(create["responses"])
    upload = schema["paths"]["/files/"]["post"]
    assert {"201", "202"} <= set(upload["responses"])


NEW_PATHS = {
    "/assistants/": {"get", "post"},
    "/assistants/{slug}/": {"get", "patch", "delete"},
    "/assistants/{slug}/versions/": {"get"},
    "/threads/": {"get", "post"},
    "/threads/{thread_id}/": {"get", "patch", "delete"},
    "/threads/{thread_id}/items/": {"get", "post"},
    "/threads/{thread_id}/runs/": {"get", "post"},
    "/threads/{thread_id}/runs/{run_id}/": {"get"},
    "/threads/{thread_id}/runs/{run_id}/cancel/": {"post"},
}


def test_assistants_threads_and_runs_are_described(schema):
    for path, methods in NEW_PATHS.items():
        assert set(schema["paths"][path]) - {"parameters"} == methods, path
    assert schema["components"]["schemas"]["Thread"]["properties"]["archived"] == {"type": "boolean"}
    patch = schema["paths"]["/threads/{thread_id}/"]["patch"]["requestBody"]["content"]["application/json"]
    assert patch["schema"]["$ref"].endswith("ThreadUpdate")


def test_the_run_stream_is_documented_as_server_sent_events(schema):
    create = schema["paths"]["/threads/{thread_id}/runs/"]["post"]
    assert {"200", "201", "202", "400", "404", "409", "429"} <= set(create["responses"])
    stream = create["responses"]["200"]["content"]
    assert list(stream) == ["text/event-stream"] and stream["text/event-stream"]["schema"] == {
        "type": "string"
    }
    assert "event: run.started" in stream["text/event-stream"]["examples"]["FirstEvents"]["value"]
    for code in ("201", "202"):
        ref = create["responses"][code]["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/Run"
    body = schema["components"]["schemas"]["RunCreate"]["properties"]
    assert {"assistant", "overrides", "background", "stream", "protocol"} == set(body)


def test_the_items_list_takes_its_order(schema):
    items = schema["paths"]["/threads/{thread_id}/items/"]["get"]
    assert {p["name"] for p in items["parameters"]} >= {"limit", "after", "order", "thread_id"}

"""assistants/: created and changed through save_assistant (checked, versioned), their versions."""

from __future__ import annotations

import pytest

import django_openai
from django_openai.models import Assistant, AssistantVersion
from django_openai.tools import unregister

from .conftest import API

pytestmark = pytest.mark.django_db


@pytest.fixture
def lookup_order():
    @django_openai.tool
    def lookup_order(number: str) -> str:
        """An order's status."""
        return f"Order {number} shipped"

    yield "lookup_order"
    unregister("lookup_order")


def test_create_change_and_read_the_versions(staff, users, lookup_order):
    response = staff.post(
        API + "assistants/",
        {
            "name": "Support",
            "slug": "support",
            "model": "gpt-4.1-mini",
            "instructions": "Be brief.",
            "tools": [lookup_order, {"type": "web_search"}],
            "response_format": {"name": "answer", "schema": {"type": "object", "properties": {}}},
            "temperature": 0.3,
            "metadata": {"team": "care"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["object"] == "assistant" and created["version"] == 1
    assert created["tools"] == ["lookup_order", {"type": "web_search"}]
    assert Assistant.objects.get(slug="support").owner is None, "staff make shared assistants"

    # A rename makes no version; a change of behaviour does.
    renamed = staff.patch(API + "assistants/support/", {"name": "Customer care"}, format="json").json()
    assert renamed["version"] == 1 and renamed["name"] == "Customer care"
    changed = staff.patch(API + "assistants/support/", {"instructions": "Be kind."}, format="json").json()
    assert changed["version"] == 2 and changed["temperature"] == 0.3, "a PATCH keeps what it does not name"

    versions = staff.get(API + "assistants/support/versions/").json()
    assert [v["number"] for v in versions["data"]] == [2, 1]
    assert versions["data"][0]["changes"] == [
        {"field": "instructions", "before": "Be brief.", "after": "Be kind."}
    ]
    assert {c["field"] for c in versions["data"][1]["changes"]} >= {"model", "instructions", "tools"}
    assert versions["data"][1]["changes"][0]["before"] is None
    page = staff.get(API + "assistants/support/versions/", {"after": 2}).json()
    assert [v["number"] for v in page["data"]] == [1] and not page["has_more"]

    assert [a["slug"] for a in staff.get(API + "assistants/").json()["data"]] == ["support"]
    assert staff.get(API + "assistants/support/").json()["instructions"] == "Be kind."
    assert staff.delete(API + "assistants/support/").status_code == 204
    assert not Assistant.objects.exists() and not AssistantVersion.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"tools": ["no_such_tool"]}, "tools", "no_such_tool"),
        ({"tools": [{"name": "x"}]}, "tools", "a hosted tool as the API takes it"),
        ({"tools": "lookup"}, "tools", "list"),
        ({"response_format": "not.a.module.Model"}, "response_format", "names no importable pydantic model"),
        ({"response_format": 5}, "response_format", "must be a JSON schema"),
        ({"temperature": 3}, "temperature", "less than or equal to 2"),
        ({"client_alias": "elsewhere"}, "client_alias", "no client 'elsewhere'"),
        ({"version": 9}, "version", "unknown field"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_bad_settings_are_named_and_nothing_is_saved(staff, body, field, words):
    response = staff.post(
        API + "assistants/", {"name": "A", "slug": "a", "model": "gpt-4.1-mini", **body}, format="json"
    )
    assert response.status_code == 400, response.content
    assert words in str(response.json()[field]), response.json()
    assert not Assistant.objects.exists() and not AssistantVersion.objects.exists()


def test_a_bad_change_keeps_the_assistant_as_it_was(staff):
    staff.post(API + "assistants/", {"name": "A", "slug": "a", "model": "gpt-4.1-mini"}, format="json")
    response = staff.patch(API + "assistants/a/", {"tools": ["nobody_registered_me"]}, format="json")
    assert response.status_code == 400 and "nobody_registered_me" in str(response.json()["tools"])
    assert Assistant.objects.get(slug="a").tools == [] and AssistantVersion.objects.count() == 1


def test_a_slug_is_unique(staff):
    body = {"name": "A", "slug": "a", "model": "gpt-4.1-mini"}
    assert staff.post(API + "assistants/", body, format="json").status_code == 201
    again = staff.post(API + "assistants/", body, format="json")
    assert again.status_code == 400 and "slug" in again.json()
    assert Assistant.objects.count() == 1

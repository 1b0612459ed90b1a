"""Assistants edited in the admin: every save that changes behaviour makes a version, the versions
list what each changed, and what a run could not use is refused on its field."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

import django_openai
from django_openai.models import Assistant, AssistantVersion, Run, Thread
from django_openai.tools import unregister

from .test_operations import said

pytestmark = pytest.mark.django_db

ADD = reverse("admin:django_openai_assistant_add")


@pytest.fixture
def weather_tools():
    @django_openai.tool
    def admin_weather(city: str) -> str:
        """The weather in a city."""
        return f"sunny in {city}"

    @django_openai.tool
    def admin_time(city: str) -> str:
        """The time in a city."""
        return "noon"

    yield ["admin_time", "admin_weather"]
    unregister("admin_weather")
    unregister("admin_time")


def form(**changes):
    data = {
        "name": "Support",
        "slug": "support",
        "client_alias": "default",
        "model": "gpt-4.1-mini",
        "instructions": "Answer briefly.\nBe kind.",
        "hosted_tools": "",
        "vector_store_ids": "",
        "response_format": "",
        "temperature": "",
        "top_p": "",
        "max_output_tokens": "",
        "reasoning_effort": "",
        "max_context_tokens": "",
        "metadata": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def change_url(assistant):
    return reverse("admin:django_openai_assistant_change", args=[assistant.pk])


def test_the_form_creates_version_1_and_each_behaviour_change_the_next(admin_client, weather_tools):
    response = admin_client.post(ADD, form(function_tools=["admin_weather"]), follow=True)
    assistant = Assistant.objects.get()
    assert "Support: version 1 created." in said(response)
    assert assistant.tools == ["admin_weather"] and assistant.version == 1
    assert assistant.owner.is_superuser

    response = admin_client.post(
        change_url(assistant),
        form(
            function_tools=["admin_weather", "admin_time"],
            instructions="Answer briefly.\nBe very kind.",
            temperature="0.3",
        ),
        follow=True,
    )
    assistant.refresh_from_db()
    assert assistant.version == 2
    assert "Support: version 2 created (changed: instructions, tools, temperature)." in said(response)
    second = assistant.versions.get(number=2)
    assert second.snapshot["temperature"] == 0.3
    assert second.snapshot["tools"] == ["admin_weather", "admin_time"]
    assert assistant.versions.get(number=1).snapshot["instructions"] == "Answer briefly.\nBe kind."


def test_a_save_that_changes_no_behaviour_makes_no_version(admin_client, weather_tools):
    assistant = Assistant.objects.create(
        name="Support",
        slug="support",
        model="gpt-4.1-mini",
        instructions="Answer briefly.\nBe kind.",
        # A hosted tool before the function: the form must not reorder them into a new version.
        tools=[{"type": "web_search"}, "admin_weather"],
    )
    same = form(function_tools=["admin_weather"], hosted_tools='[{"type": "web_search"}]')
    response = admin_client.post(change_url(assistant), {**same, "name": "Support desk"}, follow=True)
    assert "No behaviour changed: Support desk is still version 1." in said(response)
    response = admin_client.post(change_url(assistant), {**same, "metadata": '{"team": "care"}'}, follow=True)
    assistant.refresh_from_db()
    assert assistant.version == 1 and assistant.metadata == {"team": "care"}
    assert assistant.tools == [{"type": "web_search"}, "admin_weather"]
    assert AssistantVersion.objects.count() == 1


def test_hosted_tools_vector_stores_and_response_format_are_stored_as_runs_use_them(admin_client):
    schema = {"name": "verdict", "schema": {"type": "object", "properties": {"ok": {"type": "boolean"}}}}
    admin_client.post(
        ADD,
        form(
            hosted_tools='[{"type": "file_search"}, {"type": "web_search"}]',
            vector_store_ids="vs_1, vs_2",
            response_format=json.dumps(schema),
            reasoning_effort="low",
            max_output_tokens="500",
            max_context_tokens="8000",
        ),
    )
    assistant = Assistant.objects.get()
    assert assistant.tools == [{"type": "file_search"}, {"type": "web_search"}]
    assert assistant.tool_resources == {"file_search": {"vector_store_ids": ["vs_1", "vs_2"]}}
    assert assistant.response_format == schema
    assert (assistant.reasoning_effort, assistant.max_output_tokens, assistant.max_context_tokens) == (
        "low",
        500,
        8000,
    )
    page = admin_client.get(change_url(assistant)).content.decode()
    assert "vs_1 vs_2" in page and "&quot;file_search&quot;" in page, "the form shows what is stored"


@pytest.mark.parametrize(
    "changes, field, message",
    [
        (
            {"function_tools": ["nobody_registered_this"]},
            "function_tools",
            "not one of the available choices",
        ),
        ({"hosted_tools": '{"type": "web_search"}'}, "hosted_tools", "Give a JSON list."),
        ({"hosted_tools": '["web_search"]'}, "hosted_tools", 'an object with a "type"'),
        ({"hosted_tools": "[{"}, "hosted_tools", "Not valid JSON"),
        (
            {"response_format": "no.such.module.Answer"},
            "response_format",
            "names no importable pydantic model",
        ),
        ({"response_format": "a sentence, not a path"}, "response_format", "dotted path of a pydantic"),
        ({"vector_store_ids": "vs_1"}, "vector_store_ids", 'add {"type": "file_search"}'),
        ({"temperature": "3"}, "temperature", "less than or equal to 2"),
        ({"metadata": "[1]"}, "metadata", "Give a JSON object."),
        ({"client_alias": "elsewhere"}, "client_alias", "not one of the available choices"),
    ],
)
def test_what_a_run_could_not_use_is_refused_on_its_field(admin_client, changes, field, message):
    page = admin_client.post(ADD, form(**changes))
    assert page.status_code == 200
    errors = page.context["adminform"].form.errors
    assert field in errors, errors
    assert any(message in error for error in errors[field]), errors[field]
    assert 'class="errorlist' in page.content.decode()
    assert not Assistant.objects.exists() and not AssistantVersion.objects.exists()


def test_a_tool_unregistered_since_is_shown_and_refused_until_unticked(admin_client, weather_tools):
    assistant = Assistant.objects.create(
        name="Support", slug="support", model="gpt-4.1-mini", tools=["admin_weather", "gone_tool"]
    )
    page = admin_client.get(change_url(assistant)).content.decode()
    assert "gone_tool (not registered in this process)" in page
    response = admin_client.post(change_url(assistant), form(function_tools=["admin_weather", "gone_tool"]))
    assert "No function tool is registered as &#x27;gone_tool&#x27;" in response.content.decode()
    admin_client.post(change_url(assistant), form(function_tools=["admin_weather"]))
    assistant.refresh_from_db()
    assert assistant.tools == ["admin_weather"] and assistant.version == 2


def test_the_versions_are_listed_with_what_each_changed(admin_client):
    assistant = Assistant.objects.create(
        name="Support", slug="support", model="gpt-4.1-mini", instructions="Be brief.\nBe kind."
    )
    assistant.instructions = "Be brief.\nBe warm."
    assistant.save()
    assistant.model, assistant.temperature = "gpt-4.1", 0.2
    assistant.save()
    page = admin_client.get(change_url(assistant)).content.decode()
    assert '<span class="djoai-diff--del">-Be kind.</span>' in page
    assert '<span class="djoai-diff--add">+Be warm.</span>' in page
    assert "<code>model</code>: <del>gpt-4.1-mini</del> → <ins>gpt-4.1</ins>" in page
    assert "<code>temperature</code>: <del>(none)</del> → <ins>0.2</ins>" in page
    assert "All 3 versions" in page

    listing = admin_client.get(
        reverse("admin:django_openai_assistantversion_changelist"), {"assistant__id__exact": assistant.pk}
    ).content.decode()
    assert "first version" in listing and ">instructions<" in listing and ">model, temperature<" in listing

    third = assistant.versions.get(number=3)
    version_page = admin_client.get(reverse("admin:django_openai_assistantversion_change", args=[third.pk]))
    html = version_page.content.decode()
    assert "<code>model</code>: <del>gpt-4.1-mini</del>" in html and "&quot;gpt-4.1&quot;" in html
    assert 'name="number"' not in html, "a version is frozen"


def test_the_assistant_page_lists_only_the_newest_versions(admin_client, django_assert_max_num_queries):
    assistant = Assistant.objects.create(name="Support", slug="support", model="gpt-4.1-mini")
    for n in range(30):
        assistant.instructions = f"Rule {n}"
        assistant.save()
    admin_client.get(change_url(assistant))
    with django_assert_max_num_queries(12):
        page = admin_client.get(change_url(assistant)).content.decode()
    assert "v31<" in page and "v22<" in page and "v21<" not in page
    assert "All 31 versions" in page


def test_a_run_links_to_its_version_and_the_version_to_its_runs(admin_client):
    assistant = Assistant.objects.create(name="Support", slug="support", model="gpt-4.1-mini")
    version = assistant.latest_version
    thread = Thread.objects.create(assistant=assistant)
    run = Run.objects.create(thread=thread, backend="chat", status="completed", assistant_version=version)
    run_page = admin_client.get(reverse("admin:django_openai_run_change", args=[run.pk])).content.decode()
    version_url = reverse("admin:django_openai_assistantversion_change", args=[version.pk])
    assert f'href="{version_url}"' in run_page and "Support v1" in run_page
    runs = admin_client.get(
        reverse("admin:django_openai_run_changelist"), {"assistant_version__id__exact": version.pk}
    ).content.decode()
    assert f"Run {run.pk}" in runs


def test_save_assistant_checks_first_and_writes_nothing_it_refuses():
    from django.core.exceptions import ValidationError

    from django_openai.services.assistants import save_assistant

    draft = Assistant(name="Draft", slug="draft", model="gpt-4.1-mini", tools=["nobody_registered_this"])
    with pytest.raises(ValidationError) as refused:
        save_assistant(draft)
    assert refused.value.code == "unknown_tool" and "nobody_registered_this" in refused.value.messages[0]
    assert not Assistant.objects.exists()
    draft.tools = [{"type": "web_search"}]
    assert save_assistant(draft).number == 1
    draft.metadata = {"team": "care"}
    assert save_assistant(draft) is None and draft.version == 1

from __future__ import annotations

import pytest
from django.test import override_settings

from django_openai.checks import check_settings


def ids(clients=None, **top):
    value = {"CLIENTS": clients, **top} if clients is not None else top
    with override_settings(DJANGO_OPENAI=value):
        return [(m.id, m.msg) for m in check_settings()]


def test_valid_settings_have_no_messages():
    assert (
        ids(
            {
                "default": {"API_KEY": "sk-x", "TIMEOUT": {"connect": 5, "read": 60}, "MAX_RETRIES": 3},
                "azure": {
                    "PROVIDER": "azure",
                    "API_KEY": "k",
                    "AZURE_ENDPOINT": "https://r.openai.azure.com",
                    "API_VERSION": "v1",
                },
                "local": {"PROVIDER": "ollama"},
                "vllm": {"PROVIDER": "compatible", "BASE_URL": "http://gpu-box:8000/v1"},
            }
        )
        == []
    )


@pytest.mark.parametrize(
    ("config", "expected_id", "fragment"),
    [
        ({"PROVIDER": "anthropic"}, "django_openai.E001", "'anthropic'"),
        ({}, "django_openai.E002", "no API key"),
        ({"PROVIDER": "groq"}, "django_openai.E002", "'groq'"),
        (
            {"PROVIDER": "azure", "API_KEY": "k", "AZURE_ENDPOINT": "https://r.openai.azure.com"},
            "django_openai.E003",
            "API version",
        ),
        ({"API_KEY": "k", "BASE_URL": "localhost:8000"}, "django_openai.E004", "not an http(s) URL"),
        ({"PROVIDER": "compatible"}, "django_openai.E004", "without a BASE_URL"),
        ({"API_KEY": "k", "TIMEOUT": -1}, "django_openai.E005", "TIMEOUT"),
        ({"API_KEY": "k", "TIMEOUT": "fast"}, "django_openai.E005", "TIMEOUT"),
        ({"API_KEY": "k", "TIMEOUT": {"conect": 5}}, "django_openai.E005", "conect"),
        ({"API_KEY": "k", "MAX_RETRIES": -2}, "django_openai.E007", "MAX_RETRIES"),
        ({"PROVIDER": "azure", "API_KEY": "k", "API_VERSION": "v1"}, "django_openai.E008", "endpoint"),
        ({"API_KEY": "k", "APIKEY": "typo"}, "django_openai.W001", "'APIKEY'"),
    ],
)
def test_each_problem_has_a_stable_id_and_names_the_setting(config, expected_id, fragment):
    messages = ids({"main": config})
    matching = [msg for id_, msg in messages if id_ == expected_id]
    assert matching, messages
    assert fragment in matching[0]
    assert "['CLIENTS']['main']" in matching[0]


def test_the_key_from_the_environment_satisfies_the_check(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    assert ids({"default": {}}) == []


def test_malformed_top_level():
    with override_settings(DJANGO_OPENAI=["not", "a", "dict"]):
        assert [m.id for m in check_settings()] == ["django_openai.E006"]
    assert [i for i, _ in ids("nope")] == ["django_openai.E006"]
    assert [i for i, _ in ids({"default": {"API_KEY": "k"}}, POLL_INTERVAL=3)] == ["django_openai.W001"]


def test_checks_run_through_manage_py_check():
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    with (
        override_settings(DJANGO_OPENAI={"CLIENTS": {"default": {"PROVIDER": "nope"}}}),
        pytest.raises(SystemCheckError, match="E001"),
    ):
        call_command("check")

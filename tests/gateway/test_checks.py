"""System checks for the gateway's settings."""

from __future__ import annotations

from django.test import override_settings

from django_openai.gateway.checks import check_gateway

CLIENTS = {"default": {"API_KEY": "sk-test-0123456789"}}


def ids(**gateway):
    with override_settings(DJANGO_OPENAI={"CLIENTS": CLIENTS, "GATEWAY": gateway}):
        return [m.id for m in check_gateway()]


def test_good_settings_pass():
    assert ids(ROUTES={"gpt-*": "default"}, MAX_BODY_BYTES=1000, PRICES={"gpt-*": {"input": 1}}) == []


def test_a_route_to_an_unknown_alias():
    with override_settings(DJANGO_OPENAI={"CLIENTS": CLIENTS, "GATEWAY": {"ROUTES": {"llama*": "local"}}}):
        (message,) = check_gateway()
    assert message.id == "django_openai.E010" and "'local'" in message.msg and "'llama*'" in message.msg


def test_wrong_types_and_unknown_keys():
    from django_openai.checks import check_settings

    assert ids(MAX_BODY_BYTES="lots") == ["django_openai.E009"]
    # Unknown keys are reported once, by the settings check that knows every section's options.
    assert ids(ROUTE={"*": "default"}) == []
    with override_settings(DJANGO_OPENAI={"CLIENTS": CLIENTS, "GATEWAY": {"ROUTE": {"*": "default"}}}):
        (message,) = check_settings()
    assert message.id == "django_openai.W001" and "['GATEWAY']['ROUTE']" in message.msg
    with override_settings(DJANGO_OPENAI={"CLIENTS": CLIENTS, "GATEWAY": ["not", "a", "dict"]}):
        assert [m.id for m in check_gateway()] == ["django_openai.E009"]


def test_a_project_without_a_default_client_and_no_routes_is_not_told_about_the_gateway():
    with override_settings(DJANGO_OPENAI={"CLIENTS": {"azure": CLIENTS["default"]}}):
        assert check_gateway() == []
    with override_settings(
        DJANGO_OPENAI={"CLIENTS": {"azure": CLIENTS["default"]}, "GATEWAY": {"ROUTES": {"*": "default"}}}
    ):
        assert [m.id for m in check_gateway()] == ["django_openai.E010"]


def test_gateway_is_a_known_top_level_setting():
    from django_openai.checks import check_settings

    with override_settings(DJANGO_OPENAI={"CLIENTS": CLIENTS, "GATEWAY": {}}):
        assert check_settings() == []

"""``app_settings``: typed options read at use time, and the typo warning for nested sections."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from django_openai.checks import unknown_options
from django_openai.conf import APISettings, AppSettings, Nested, Section, Setting, app_settings


def test_defaults_and_overrides_are_read_at_use_time():
    assert app_settings.POLL_BATCH_SIZE == 20
    with override_settings(DJANGO_OPENAI={"POLL_BATCH_SIZE": 5, "POLL_INTERVAL_SECONDS": "12"}):
        assert app_settings.POLL_BATCH_SIZE == 5
        assert app_settings.POLL_INTERVAL_SECONDS == 12.0, "converted to the option's type"
    assert app_settings.POLL_BATCH_SIZE == 20


def test_a_misspelt_option_is_an_error_not_none():
    with pytest.raises(AttributeError, match="POLL_BATCH_SIZ"):
        app_settings.POLL_BATCH_SIZ  # type: ignore[attr-defined]  # noqa: B018


def test_a_list_default_is_never_shared():
    with override_settings(DJANGO_OPENAI={}):
        first = app_settings.WEBHOOK_SECRETS
        first.append("whsec_x")
        assert app_settings.WEBHOOK_SECRETS == []


def test_every_option_is_listed_for_the_typo_check():
    assert AppSettings.option_names() == [
        "API",
        "BATCH_INGEST_CHUNK_SIZE",
        "BATCH_INGEST_LEASE_SECONDS",
        "BATCH_INGEST_REQUEST_BODIES",
        "CLIENTS",
        "GATEWAY",
        "POLL_BATCH_SIZE",
        "POLL_INTERVAL_SECONDS",
        "POLL_MAX_INTERVAL_SECONDS",
        "STREAMING",
        "THREADS",
        "UPLOAD_PART_SIZE_BYTES",
        "UPLOAD_PART_THRESHOLD_BYTES",
        "WEBHOOK_SECRETS",
        "WEBHOOK_TOLERANCE_SECONDS",
    ]
    assert APISettings.option_names() == [
        "ASSISTANT_PERMISSION_CLASSES",
        "AUTHENTICATION_CLASSES",
        "CLIENT_ALIAS",
        "MAX_PAGE_SIZE",
        "MAX_UPLOAD_BYTES",
        "PAGE_SIZE",
        "PERMISSION_CLASSES",
        "THROTTLE_CLASSES",
        "THROTTLE_RATES",
    ]


class _Limits(Section):
    PER_MINUTE = Setting(60, int)


class _Settings(AppSettings):
    """A feature's nested group, the way the API, gateway and threads settings will join."""

    LIMITS = Nested(_Limits)


def test_a_nested_section_is_read_at_use_time_and_checked_for_typos():
    options = _Settings()
    assert options.LIMITS.PER_MINUTE == 60
    with override_settings(DJANGO_OPENAI={"LIMITS": {"PER_MINUTE": "10", "PER_MINUTES": 5}}):
        assert options.LIMITS.PER_MINUTE == 10
        warnings = unknown_options(options)
    assert [(w.id, w.msg) for w in warnings] == [
        (
            "django_openai.W001",
            "DJANGO_OPENAI['LIMITS']['PER_MINUTES'] is not a known setting and is ignored.",
        )
    ]
    assert warnings[0].hint == "Known settings: PER_MINUTE."
    with (
        override_settings(DJANGO_OPENAI={"LIMITS": ["PER_MINUTE"]}),
        pytest.raises(ImproperlyConfigured, match=r"DJANGO_OPENAI\['LIMITS'\] must be a dict"),
    ):
        options.LIMITS.PER_MINUTE  # noqa: B018


def test_an_unknown_key_of_the_api_section_is_warned_about(settings):
    from django_openai.checks import check_settings

    settings.DJANGO_OPENAI = {**settings.DJANGO_OPENAI, "API": {"PAGE_SIZ": 10}}
    (warning,) = [m for m in check_settings() if m.id == "django_openai.W001"]
    assert warning.msg == "DJANGO_OPENAI['API']['PAGE_SIZ'] is not a known setting and is ignored."

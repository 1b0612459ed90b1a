"""Settings, read at use time so that ``override_settings`` and tests see changes.

    DJANGO_OPENAI = {
        "CLIENTS": {
            "default": {"API_KEY": env("OPENAI_API_KEY")},
            "azure": {"PROVIDER": "azure", "AZURE_ENDPOINT": "...", "API_VERSION": "2025-04-01-preview"},
            "local": {"PROVIDER": "ollama"},
        },
    }

Without ``DJANGO_OPENAI`` there is one client, ``default``, configured from the environment
(``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``OPENAI_ORG_ID``, ``OPENAI_PROJECT_ID``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

SETTING = "DJANGO_OPENAI"

#: Setting key -> client keyword argument.
CLIENT_KEYS: dict[str, str] = {
    "PROVIDER": "provider",
    "API_KEY": "api_key",
    "BASE_URL": "base_url",
    "ORGANIZATION": "organization",
    "PROJECT": "project",
    "TIMEOUT": "timeout",
    "MAX_RETRIES": "max_retries",
    "DEFAULT_HEADERS": "default_headers",
    "DEFAULT_QUERY": "default_query",
    "WEBHOOK_SECRET": "webhook_secret",
    "AZURE_ENDPOINT": "azure_endpoint",
    "API_VERSION": "api_version",
    "AZURE_DEPLOYMENT": "azure_deployment",
    "AZURE_AD_TOKEN": "azure_ad_token",
    "AZURE_AD_TOKEN_PROVIDER": "azure_ad_token_provider",
    # An httpx transport (or a dotted path / callable returning one): the fake server's
    # in-process mode, or a custom proxy/mTLS setup.
    "TRANSPORT": "transport",
}

#: Environment fallbacks, by provider, for keys the settings leave out.
ENV_FALLBACKS: dict[str, dict[str, str]] = {
    "openai": {
        "API_KEY": "OPENAI_API_KEY",
        "BASE_URL": "OPENAI_BASE_URL",
        "ORGANIZATION": "OPENAI_ORG_ID",
        "PROJECT": "OPENAI_PROJECT_ID",
        "WEBHOOK_SECRET": "OPENAI_WEBHOOK_SECRET",
    },
    "azure": {
        "API_KEY": "AZURE_OPENAI_API_KEY",
        "AZURE_ENDPOINT": "AZURE_OPENAI_ENDPOINT",
        "API_VERSION": "OPENAI_API_VERSION",
        "AZURE_AD_TOKEN": "AZURE_OPENAI_AD_TOKEN",
    },
}

DEFAULTS: dict[str, Any] = {
    # Celery polling of long-running jobs (see docs/polling.md).
    "POLL_INTERVAL_SECONDS": 30,
    "POLL_MAX_INTERVAL_SECONDS": 600,
    "POLL_BATCH_SIZE": 20,
    "WEBHOOK_SECRETS": [],
    "WEBHOOK_TOLERANCE_SECONDS": 300,
    "UPLOAD_PART_THRESHOLD_BYTES": 100 * 1024 * 1024,
    "UPLOAD_PART_SIZE_BYTES": 64 * 1024 * 1024,
    # Batch results are stored this many rows per INSERT.
    "BATCH_INGEST_CHUNK_SIZE": 5000,
    # Fill BatchItem.request_body from the batch's input file (one more download per ingestion).
    "BATCH_INGEST_REQUEST_BODIES": True,
    # How long an ingestion may run before the sweeper assumes its worker died and starts another.
    "BATCH_INGEST_LEASE_SECONDS": 600,
}


def raw() -> dict[str, Any]:
    value = getattr(settings, SETTING, None)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ImproperlyConfigured(f"{SETTING} must be a dict, not {type(value).__name__}")
    return dict(value)


def get(name: str) -> Any:
    """A top-level option of ``DJANGO_OPENAI``, or its default."""
    return raw().get(name, DEFAULTS.get(name))


def clients() -> dict[str, dict[str, Any]]:
    configured = raw().get("CLIENTS")
    if configured is None:
        return {"default": {}}
    if not isinstance(configured, Mapping):
        raise ImproperlyConfigured(f"{SETTING}['CLIENTS'] must be a dict of alias -> client settings")
    return {
        str(alias): dict(value) if isinstance(value, Mapping) else value
        for alias, value in configured.items()
    }


def client_settings(alias: str) -> dict[str, Any]:
    """One client's settings with the environment fallbacks filled in."""
    all_clients = clients()
    if alias not in all_clients:
        known = ", ".join(sorted(all_clients)) or "none"
        raise ImproperlyConfigured(
            f"No OpenAI client named {alias!r}: add it to {SETTING}['CLIENTS'] (configured: {known})."
        )
    config = all_clients[alias]
    if not isinstance(config, Mapping):
        raise ImproperlyConfigured(f"{SETTING}['CLIENTS'][{alias!r}] must be a dict")
    resolved = dict(config)
    provider = str(resolved.get("PROVIDER") or "openai").lower()
    for key, env_name in ENV_FALLBACKS.get(provider, {}).items():
        if resolved.get(key) in (None, "") and os.environ.get(env_name):
            resolved[key] = os.environ[env_name]
    return resolved


def client_kwargs(alias: str) -> dict[str, Any]:
    """Keyword arguments for :class:`~django_openai.client.OpenAI` from one client's settings."""
    resolved = client_settings(alias)
    kwargs: dict[str, Any] = {}
    for key, value in resolved.items():
        if key in CLIENT_KEYS and value is not None:
            kwargs[CLIENT_KEYS[key]] = value
    for name in ("azure_ad_token_provider", "transport"):
        value = kwargs.get(name)
        if isinstance(value, str):
            kwargs[name] = import_string(value)
    return kwargs

"""System checks for ``DJANGO_OPENAI``: each names the exact setting to change.

Ids are stable (documented in docs/settings.md): E001 unknown provider, E002 missing key, E003
Azure without an API version, E004 malformed base URL, E005 bad timeout, E006 malformed settings,
E007 bad MAX_RETRIES, E008 Azure without an endpoint, E011 unknown THREAD_BACKEND, W001 unknown
client setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import conf
from .client._http import is_valid_http_url, make_timeout
from .client.providers import PROVIDERS


@checks.register("django_openai")
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        errors = unknown_options(conf.app_settings)
        clients = conf.clients()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="django_openai.E006")]
    for alias in clients:
        errors.extend(_check_client(alias))
    return errors


def unknown_options(section: conf.Section) -> list[checks.CheckMessage]:
    """A warning for each key of a settings section (and of its nested sections) that is no option."""
    values = section.values()
    known = type(section).option_names()
    errors: list[checks.CheckMessage] = [
        checks.Warning(
            f"{section.where}[{key!r}] is not a known setting and is ignored.",
            hint=f"Known settings: {', '.join(known)}.",
            id="django_openai.W001",
        )
        for key in values
        if key not in known
    ]
    for name in type(section).nested_sections():
        if name in values:
            errors.extend(unknown_options(getattr(section, name)))
    return errors


def _check_client(alias: str) -> list[checks.CheckMessage]:
    where = f"{conf.SETTING}['CLIENTS'][{alias!r}]"
    try:
        config = conf.client_settings(alias)
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="django_openai.E006")]
    errors: list[checks.CheckMessage] = []
    for key in config:
        if key not in conf.CLIENT_KEYS and key not in conf.APP_CLIENT_KEYS:
            errors.append(
                checks.Warning(
                    f"{where}[{key!r}] is not a known client setting and is ignored.",
                    hint=f"Known: {', '.join(sorted([*conf.CLIENT_KEYS, *conf.APP_CLIENT_KEYS]))}.",
                    id="django_openai.W001",
                )
            )
    provider_name = str(config.get("PROVIDER") or "openai").lower()
    provider = PROVIDERS.get(provider_name)
    if provider is None:
        return [
            *errors,
            checks.Error(
                f"{where}['PROVIDER'] is {config.get('PROVIDER')!r}, which is not a known provider.",
                hint=f"Use one of: {', '.join(sorted(PROVIDERS))}.",
                id="django_openai.E001",
            ),
        ]
    has_credential = bool(config.get("API_KEY")) or (
        provider_name == "azure"
        and bool(config.get("AZURE_AD_TOKEN") or config.get("AZURE_AD_TOKEN_PROVIDER"))
    )
    if provider.requires_key and not has_credential:
        env = conf.ENV_FALLBACKS.get(provider_name, {}).get("API_KEY")
        hint = f"Set {where}['API_KEY']" + (f" or the {env} environment variable." if env else ".")
        if provider_name == "azure":
            hint += " Azure also accepts AZURE_AD_TOKEN or AZURE_AD_TOKEN_PROVIDER."
        errors.append(
            checks.Error(
                f"{where} has no API key for the {provider_name!r} provider.",
                hint=hint,
                id="django_openai.E002",
            )
        )
    if provider_name == "azure":
        if not config.get("API_VERSION"):
            errors.append(
                checks.Error(
                    f"{where} uses Azure OpenAI without an API version.",
                    hint=f"Set {where}['API_VERSION'] (e.g. '2025-04-01-preview', or 'v1' for the v1 API) "
                    "or the OPENAI_API_VERSION environment variable.",
                    id="django_openai.E003",
                )
            )
        if not config.get("AZURE_ENDPOINT") and not config.get("BASE_URL"):
            errors.append(
                checks.Error(
                    f"{where} uses Azure OpenAI without an endpoint.",
                    hint=f"Set {where}['AZURE_ENDPOINT'] (https://<resource>.openai.azure.com) "
                    "or the AZURE_OPENAI_ENDPOINT environment variable.",
                    id="django_openai.E008",
                )
            )
    backend = config.get("THREAD_BACKEND")
    if backend is not None and str(backend).lower() not in conf.THREAD_BACKENDS:
        errors.append(
            checks.Error(
                f"{where}['THREAD_BACKEND'] is {backend!r}, which is not a thread backend.",
                hint=f"Use one of: {', '.join(conf.THREAD_BACKENDS)} ('auto' detects it once).",
                id="django_openai.E011",
            )
        )
    errors.extend(_check_urls(where, provider_name, config))
    errors.extend(_check_numbers(where, config))
    return errors


def _check_urls(where: str, provider_name: str, config: Mapping[str, Any]) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for key in ("BASE_URL", "AZURE_ENDPOINT"):
        value = config.get(key)
        if value and (not isinstance(value, str) or not is_valid_http_url(value)):
            errors.append(
                checks.Error(
                    f"{where}[{key!r}] is {value!r}, which is not an http(s) URL.",
                    hint="Give the full URL with scheme and host, e.g. 'http://localhost:11434/v1'.",
                    id="django_openai.E004",
                )
            )
    if provider_name == "compatible" and not config.get("BASE_URL"):
        errors.append(
            checks.Error(
                f"{where} uses the 'compatible' provider without a BASE_URL.",
                hint=f"Set {where}['BASE_URL'] to the server's OpenAI-compatible root, e.g. 'http://host:8000/v1'.",
                id="django_openai.E004",
            )
        )
    return errors


def _check_numbers(where: str, config: Mapping[str, Any]) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    timeout = config.get("TIMEOUT")
    if timeout is not None:
        problem = None
        try:
            parsed = make_timeout(timeout)
            values = [v for v in parsed.as_dict().values() if v is not None]
            if any(v <= 0 for v in values):
                problem = "every timeout must be a positive number of seconds"
        except (TypeError, ValueError) as exc:
            problem = str(exc)
        if problem:
            errors.append(
                checks.Error(
                    f"{where}['TIMEOUT'] is {timeout!r}: {problem}.",
                    hint="Use seconds as a number (60) or a dict with connect/read/write/pool, e.g. "
                    "{'connect': 5, 'read': 600}.",
                    id="django_openai.E005",
                )
            )
    retries = config.get("MAX_RETRIES")
    if retries is not None and (isinstance(retries, bool) or not isinstance(retries, int) or retries < 0):
        errors.append(
            checks.Error(
                f"{where}['MAX_RETRIES'] is {retries!r}; it must be a whole number, 0 or more.",
                id="django_openai.E007",
            )
        )
    return errors

"""The gateway's settings, ``DJANGO_OPENAI["GATEWAY"]``: the only module that reads them.

Read once and kept until the settings change (``override_settings`` included), because the hot
path looks at them on every request. See docs/settings.md#gateway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from .. import conf

SETTING = "GATEWAY"


@dataclass(frozen=True)
class GatewayConfig:
    """A snapshot of ``conf.GatewaySettings`` (one attribute per option, lower-cased), taken once
    because the hot path reads it on every request; the options, their defaults and conversions
    are declared there."""

    routes: tuple[tuple[str, str], ...]
    user_models: Mapping[str, tuple[str, ...]]
    group_models: Mapping[str, tuple[str, ...]]
    default_models: tuple[str, ...]
    max_body_bytes: int
    key_cache_seconds: float
    redis_url: str | None
    usage_flush_seconds: float
    usage_flush_size: int
    stream_usage: bool
    prices: Mapping[str, Mapping[str, Any]]
    user_monthly_token_budget: int | None
    user_monthly_cost_budget: Decimal | None
    session_auth: bool
    session_requests_per_minute: int | None
    session_tokens_per_minute: int | None
    upstream_max_retries: int
    models_cache_seconds: float


KNOWN_KEYS = frozenset(conf.GatewaySettings.option_names())

_cached: GatewayConfig | None = None


def load() -> GatewayConfig:
    """Build the config from the settings (raises ImproperlyConfigured with the key to fix)."""
    section = conf.app_settings.GATEWAY
    values: dict[str, Any] = {}
    for key in KNOWN_KEYS:
        try:
            values[key.lower()] = getattr(section, key)
        except (TypeError, ValueError, ArithmeticError) as exc:
            value = section.values().get(key)
            raise ImproperlyConfigured(f"{section.where}[{key!r}] is {value!r}: {exc}") from None
    return GatewayConfig(**values)


def get() -> GatewayConfig:
    global _cached
    if _cached is None:
        _cached = load()
    return _cached


@receiver(setting_changed)
def _forget(setting: str, **kwargs: Any) -> None:
    global _cached
    if setting == conf.SETTING:
        _cached = None

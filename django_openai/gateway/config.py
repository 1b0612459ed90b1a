"""The gateway's settings, ``DJANGO_OPENAI["GATEWAY"]``: the only module that reads them.

Read once and kept until the settings change (``override_settings`` included), because the hot
path looks at them on every request. See docs/settings.md#gateway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from .. import conf

SETTING = "GATEWAY"


@dataclass(frozen=True)
class GatewayConfig:
    #: (model pattern, client alias), in the order given; the first match wins.
    routes: tuple[tuple[str, str], ...] = (("*", "default"),)
    user_models: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    group_models: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    default_models: tuple[str, ...] = ("*",)
    max_body_bytes: int = 16 * 1024 * 1024
    key_cache_seconds: float = 60.0
    redis_url: str | None = None
    usage_flush_seconds: float = 0.5
    usage_flush_size: int = 500
    stream_usage: bool = True
    prices: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    user_monthly_token_budget: int | None = None
    user_monthly_cost_budget: Decimal | None = None
    session_auth: bool = True
    session_requests_per_minute: int | None = None
    session_tokens_per_minute: int | None = None
    upstream_max_retries: int = 0
    models_cache_seconds: float = 60.0


#: Setting key -> (attribute, conversion)
_KEYS: dict[str, tuple[str, Any]] = {
    "ROUTES": ("routes", lambda v: tuple((str(p), str(a)) for p, a in dict(v).items())),
    "USER_MODELS": ("user_models", lambda v: {str(k): tuple(p) for k, p in dict(v).items()}),
    "GROUP_MODELS": ("group_models", lambda v: {str(k): tuple(p) for k, p in dict(v).items()}),
    "DEFAULT_MODELS": ("default_models", tuple),
    "MAX_BODY_BYTES": ("max_body_bytes", int),
    "KEY_CACHE_SECONDS": ("key_cache_seconds", float),
    "REDIS_URL": ("redis_url", lambda v: str(v) if v else None),
    "USAGE_FLUSH_SECONDS": ("usage_flush_seconds", float),
    "USAGE_FLUSH_SIZE": ("usage_flush_size", int),
    "STREAM_USAGE": ("stream_usage", bool),
    "PRICES": ("prices", dict),
    "USER_MONTHLY_TOKEN_BUDGET": ("user_monthly_token_budget", lambda v: None if v is None else int(v)),
    "USER_MONTHLY_COST_BUDGET": (
        "user_monthly_cost_budget",
        lambda v: None if v is None else Decimal(str(v)),
    ),
    "SESSION_AUTH": ("session_auth", bool),
    "SESSION_REQUESTS_PER_MINUTE": ("session_requests_per_minute", lambda v: None if v is None else int(v)),
    "SESSION_TOKENS_PER_MINUTE": ("session_tokens_per_minute", lambda v: None if v is None else int(v)),
    "UPSTREAM_MAX_RETRIES": ("upstream_max_retries", int),
    "MODELS_CACHE_SECONDS": ("models_cache_seconds", float),
}
KNOWN_KEYS = frozenset(_KEYS)

_cached: GatewayConfig | None = None


def load() -> GatewayConfig:
    """Build the config from the settings (raises ImproperlyConfigured with the key to fix)."""
    raw = conf.raw().get(SETTING) or {}
    if not isinstance(raw, Mapping):
        raise ImproperlyConfigured(f"{conf.SETTING}[{SETTING!r}] must be a dict")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _KEYS:
            continue  # reported by the system check (django_openai.W001)
        attribute, convert = _KEYS[key]
        try:
            values[attribute] = convert(value)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise ImproperlyConfigured(f"{conf.SETTING}[{SETTING!r}][{key!r}] is {value!r}: {exc}") from None
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

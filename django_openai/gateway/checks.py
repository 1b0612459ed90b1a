"""System checks for ``DJANGO_OPENAI["GATEWAY"]`` (ids in docs/settings.md)."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .. import conf
from . import config


@checks.register("django_openai")
def check_gateway(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    where = f"{conf.SETTING}[{config.SETTING!r}]"
    try:
        raw = conf.raw().get(config.SETTING) or {}
        loaded = config.load()
        aliases = set(conf.clients())
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="django_openai.E009")]
    problems: list[checks.CheckMessage] = [
        checks.Warning(
            f"{where}[{key!r}] is not a known gateway setting and is ignored.",
            hint=f"Known: {', '.join(sorted(config.KNOWN_KEYS))}.",
            id="django_openai.W001",
        )
        for key in raw
        if key not in config.KNOWN_KEYS
    ]
    for pattern, alias in loaded.routes:
        if alias not in aliases:
            problems.append(
                checks.Error(
                    f"{where}['ROUTES'][{pattern!r}] sends models to the client {alias!r}, "
                    "which is not configured.",
                    hint=f"Add {alias!r} to {conf.SETTING}['CLIENTS'] or route to one of: "
                    f"{', '.join(sorted(aliases))}.",
                    id="django_openai.E010",
                )
            )
    return problems

"""System checks for ``DJANGO_OPENAI["GATEWAY"]`` (ids in docs/settings.md)."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .. import conf
from . import config


@checks.register("django_openai")
def check_gateway(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    # Unknown keys are warned about with the other settings (django_openai.W001, checks.py).
    section = conf.app_settings.GATEWAY
    where = section.where
    try:
        loaded = config.load()
        aliases = set(conf.clients())
        routes_given = "ROUTES" in section.values()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="django_openai.E009")]
    problems: list[checks.CheckMessage] = []
    # The default route names "default": a project with no such client and no gateway routes of
    # its own is not using the gateway, and is not told to configure it.
    for pattern, alias in loaded.routes if routes_given else ():
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

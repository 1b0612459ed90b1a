"""What every demo page says at the top: which OpenAI server, which database, which broker."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def environment() -> dict[str, str]:
    client = (getattr(settings, "DJANGO_OPENAI", None) or {}).get("CLIENTS", {}).get("default", {})
    if getattr(settings, "OPENAI_OFFLINE", False):
        server = f"the fake OpenAI server ({client.get('BASE_URL', '')})"
    else:
        server = getattr(settings, "OPENAI_SERVER_URL", "") or "OpenAI (api.openai.com)"
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        where = f"SQLite ({database['NAME']})"
    else:
        where = f"{connection.display_name} ({database.get('NAME')} on {database.get('HOST') or 'localhost'})"
    broker = settings.CELERY_BROKER_URL
    return {
        "server": server,
        "model": getattr(settings, "DEMO_MODEL", ""),
        "database": where,
        "broker": "the embedded file-system broker"
        if broker.startswith("filesystem")
        else _without_password(broker),
    }

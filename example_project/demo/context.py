"""What every demo page says at the top: which OpenAI server, which database, which broker."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.http import HttpRequest


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def environment() -> dict[str, str]:
    if settings.OPENAI_OFFLINE:
        server = f"the fake OpenAI server ({settings.DJANGO_OPENAI['CLIENTS']['default']['BASE_URL']})"
    else:
        server = settings.OPENAI_SERVER_URL or "OpenAI (api.openai.com)"
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        where = f"SQLite ({database['NAME']})"
    else:
        where = f"{connection.display_name} ({database.get('NAME')} on {database.get('HOST') or 'localhost'})"
    broker = settings.CELERY_BROKER_URL
    return {
        "server": server,
        "model": settings.DEMO_MODEL,
        "database": where,
        "broker": "the embedded file-system broker" if broker.startswith("filesystem") else _without_password(broker),
    }


def banner(request: HttpRequest) -> dict[str, Any]:
    return {"demo_environment": environment()}

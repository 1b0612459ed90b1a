"""Checks for the blocks that say they are a Django project's file (``# settings.py``,
``# urls.py``, ``# celery.py``, ``# asgi.py``): each is run on its own, then checked for what such
a file does."""

from __future__ import annotations

import asyncio
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import Celery
from celery import current_app as current_celery_app
from celery.app.defaults import NAMESPACES, flatten
from django.apps import AppConfig
from django.conf import global_settings
from django.core.checks import Tags, run_checks
from django.core.checks.messages import WARNING, CheckMessage
from django.test import override_settings
from django.urls import URLResolver, get_resolver
from django.utils.module_loading import import_string

CELERY_SETTINGS = {key for key, _ in flatten(NAMESPACES)}
#: Settings that third parties installed with the package read (Django's and Celery's are known).
OTHER_SETTINGS = {"DJANGO_OPENAI", "REST_FRAMEWORK"}


def _problems(messages: list[CheckMessage]) -> set[str]:
    return {f"{m.id}: {m.msg}" for m in messages if m.level >= WARNING}


def check_settings(namespace: dict[str, Any], imported: set[str]) -> list[str]:
    """Every UPPERCASE name the block assigns must be a setting something reads; apps and
    middleware must import; beat entries must name registered tasks; and with the block's settings
    applied over the test project's, Django's system checks (django-openai's included) must find
    nothing new. ``imported``: names bound by import statements, which are not settings."""
    values = {name: value for name, value in namespace.items() if name.isupper() and name not in imported}
    problems: list[str] = []
    for name in values:
        if name.startswith("CELERY_"):
            if name.removeprefix("CELERY_").lower() not in CELERY_SETTINGS:
                problems.append(f"{name} is not a Celery setting")
        elif not hasattr(global_settings, name) and name not in OTHER_SETTINGS:
            problems.append(f"{name} is not a setting Django, Celery or django-openai reads")
    for entry in values.get("INSTALLED_APPS", []):
        try:
            AppConfig.create(entry)
        except Exception as exc:
            problems.append(f"INSTALLED_APPS: {entry!r} cannot be installed: {exc}")
    for entry in values.get("MIDDLEWARE", []):
        try:
            import_string(entry)
        except ImportError as exc:
            problems.append(f"MIDDLEWARE: {entry!r}: {exc}")
    import django_openai.tasks  # noqa: F401 - registers the package's tasks

    for name, entry in values.get("CELERY_BEAT_SCHEDULE", {}).items():
        if entry.get("task") not in current_celery_app.tasks:
            problems.append(f"CELERY_BEAT_SCHEDULE[{name!r}]: no task named {entry.get('task')!r}")
    # INSTALLED_APPS and MIDDLEWARE shown in the docs are excerpts: applying them would take the
    # test project's own apps away. They are checked above instead.
    django_settings = {
        name: value
        for name, value in values.items()
        if not name.startswith("CELERY_") and name not in ("INSTALLED_APPS", "MIDDLEWARE")
    }
    before = _problems(run_checks())
    with override_settings(**django_settings):
        after = _problems(run_checks())
    return problems + sorted(after - before)


def check_urls(namespace: dict[str, Any], module_name: str) -> list[str]:
    """The block's ``urlpatterns`` load (every include imported) and pass Django's URL checks."""
    if "urlpatterns" not in namespace:
        return ["a urls.py block must define urlpatterns"]
    module = types.ModuleType(module_name)
    module.__dict__.update(namespace)
    sys.modules[module_name] = module
    try:
        with override_settings(ROOT_URLCONF=module_name):
            problems = sorted(_problems(run_checks(tags=[Tags.urls])))
            _walk(get_resolver().url_patterns)
    finally:
        del sys.modules[module_name]
    return problems


def _walk(patterns: list[Any]) -> None:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _walk(pattern.url_patterns)


@contextmanager
def current_celery_app_kept() -> Iterator[None]:
    """A new ``Celery()`` becomes the current app: put the test project's back afterwards."""
    previous = current_celery_app._get_current_object()
    try:
        yield
    finally:
        previous.set_current()


def check_celery(namespace: dict[str, Any]) -> list[str]:
    """The block's Celery app reads its configuration and runs its task autodiscovery."""
    apps = [value for value in namespace.values() if isinstance(value, Celery)]
    if not apps:
        return ["a celery.py block must define a Celery app"]
    problems = []
    for app in apps:
        try:
            app.loader.import_default_modules()  # autodiscovery, and the config_from_object source
            if not app.conf.broker_url:
                problems.append(f"the app {app.main!r} has no broker_url (its configuration was not read)")
        finally:
            app.close()
    return problems


def check_asgi(namespace: dict[str, Any], loop: asyncio.AbstractEventLoop) -> list[str]:
    """Its ``application`` must be an ASGI application that answers HTTP requests: one to the
    gateway's prefix and one to a Django page, each without a server error."""
    import httpx

    application = namespace.get("application")
    if not callable(application):
        return ["it defines no callable `application`"]

    async def probe() -> list[str]:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            answers = [await client.get(path) for path in ("/v1/models", "/no-such-page/")]
        return [f"GET {a.request.url.path} answered {a.status_code}" for a in answers if a.status_code >= 500]

    return loop.run_until_complete(probe())

import os

import pytest

import tests.celery_app  # noqa: F401 - the default Celery app for shared tasks

# The OpenAI Agents SDK sends traces to api.openai.com unless told not to: the tests (and the
# docs' code blocks, and the processes they start) send nothing off this machine.
os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"


@pytest.fixture(autouse=True)
def _no_openai_env(monkeypatch):
    """Tests never read a developer's real credentials from the environment."""
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT_ID",
        "OPENAI_WEBHOOK_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counts (the API's, the streaming views') live in the cache, keyed by user id, which
    tests reuse: start each from zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _end_stray_database_sessions(django_db_setup, django_db_blocker):
    """On PostgreSQL, end the sessions other threads left open (the thread async tests run sync
    code in, a live server's) before the test database is dropped, which they would prevent."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )

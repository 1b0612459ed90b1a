"""A real browser (Debian's Chromium through Playwright, never a downloaded one) on a live server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from ..tasks.test_worker import worker_env  # noqa: F401 - the real worker, on PostgreSQL + Redis

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"

if not os.path.exists(CHROMIUM):
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # ordinary sync code all the same.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def shots(tmp_path):
    """Save a screenshot under the test's tmp dir (and into docs/images with DOCS_SCREENSHOTS=1)."""
    folder = tmp_path / "screenshots"
    folder.mkdir()

    def shot(page, name: str, **options) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), **options)
        if os.environ.get("DOCS_SCREENSHOTS"):
            DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, DOCS_IMAGES / path.name)
        return path

    shot.folder = folder
    return shot


@pytest.fixture
def real_worker(request):
    """A real Celery worker when PostgreSQL and Redis are there (as tests/tasks/test_worker.py
    starts one); else None, and the tasks run eagerly in the test's process."""
    if connection.vendor == "postgresql" and settings.CELERY_BROKER_URL.startswith("redis"):
        start, _ = request.getfixturevalue("worker_env")
        return start()
    return None

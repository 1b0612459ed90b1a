"""The ASGI entry points import in a fresh process, as a server imports them: before Django's apps
are ready (the browser tests import them inside a test run, where the apps are ready already)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_mounts_import_without_settings():
    done = run("import django_openai.asgi, django_openai.gateway.asgi; print('ok')")
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_the_example_projects_asgi_module_imports_as_a_server_imports_it():
    done = run(
        "import example_project.asgi as entry; app = entry.application;"
        "print(type(app).__name__, type(app.django_app).__name__, app.django_app.prefixes)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["GatewayASGI", "StreamingASGI", "('/chat/',", "'/api/chat')"]

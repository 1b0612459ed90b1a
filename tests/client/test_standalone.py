"""``django_openai.client`` is usable in a plain script: no Django import, no settings."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_client_imports_and_works_without_django():
    script = textwrap.dedent(
        """
        import sys
        import django_openai.client as c
        client = c.OpenAI(api_key="sk-0123456789", base_url="http://127.0.0.1:9/v1")
        client.chat.completions, client.files, client.fine_tuning.jobs, client.vector_stores.files
        import httpx
        def handler(request):
            return httpx.Response(200, json={"id": "m", "object": "model"})
        with c.OpenAI(api_key="sk-0123456789", transport=httpx.MockTransport(handler)) as local:
            assert local.models.retrieve("m").id == "m"
        assert not [m for m in sys.modules if m == "django" or m.startswith("django.")], "Django was imported"
        print("ok")
        """
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_importing_the_client_does_not_load_pydantic_models():
    script = "import sys, django_openai.client; print(any(m.startswith('django_openai.client.types.') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr

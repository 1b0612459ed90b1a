"""The ASGI mount answers the lifespan protocol: at shutdown the buffered usage is written."""

from __future__ import annotations

import httpx

from django_openai.models import UsageRecord

from .conftest import LiveServer


def test_usage_still_buffered_is_written_when_the_server_stops(gateway, key):
    from django.core.asgi import get_asgi_application

    from django_openai.gateway.asgi import gateway_asgi

    gateway(USAGE_FLUSH_SECONDS=3600)  # never by the timer
    server = LiveServer(gateway_asgi(get_asgi_application())).start()
    try:
        response = httpx.post(
            server.url + "/v1/chat/completions",
            json={"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "hi"}]},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 200
        assert not UsageRecord.objects.exists()
    finally:
        server.stop()
    assert UsageRecord.objects.get().status == "ok"

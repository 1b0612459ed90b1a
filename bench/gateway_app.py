"""The two mounts, for uvicorn: ``bench.gateway_app:asgi_mount`` and ``bench.gateway_app:include_mount``."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.gateway_settings")

from django.core.asgi import get_asgi_application

from django_openai.gateway.asgi import gateway_asgi

include_mount = get_asgi_application()
asgi_mount = gateway_asgi(include_mount)

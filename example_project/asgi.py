"""ASGI entry point: the OpenAI-compatible gateway at /v1/ in front of the site.

    uvicorn example_project.asgi:application

Requests under /v1/ are served by the gateway without the middleware chain; everything else is
the Django site (docs/gateway.md).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")

from django.core.asgi import get_asgi_application

from django_openai.gateway.asgi import gateway_asgi

application = gateway_asgi(get_asgi_application())

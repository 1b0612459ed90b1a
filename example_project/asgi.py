"""ASGI entry point: the OpenAI-compatible gateway at /v1/ in front of the site.

    uvicorn example_project.asgi:application

Requests under /v1/ are served by the gateway without the middleware chain; everything else is
the Django site (docs/gateway.md). The demo's static files (its chat script, the admin's CSS) are
served by Django's ASGI static handler, which needs no collectstatic: fine for a demo, not for
production, where a web server or WhiteNoise serves them.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application

from django_openai.gateway.asgi import gateway_asgi

application = gateway_asgi(ASGIStaticFilesHandler(get_asgi_application()))

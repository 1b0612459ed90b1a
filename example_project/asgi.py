"""ASGI entry point: the OpenAI-compatible gateway at /v1/ in front of the site.

    uvicorn example_project.asgi:application

Requests under /v1/ are served by the gateway without the middleware chain (docs/gateway.md); the
chat pages and their streams (/chat/, /api/chat) walk the middleware chain in one hop to a thread
(docs/streaming-views.md, "The one-hop mount"); everything else is the Django site as it comes.
The demo's static files (its chat script, the admin's CSS) are served by Django's ASGI static
handler, which needs no collectstatic: fine for a demo, not for production, where a web server or
WhiteNoise serves them.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application

from django_openai.asgi import streaming_asgi
from django_openai.gateway.asgi import gateway_asgi

site = ASGIStaticFilesHandler(get_asgi_application())
application = gateway_asgi(streaming_asgi(site, prefixes=["/chat/", "/api/chat"]))

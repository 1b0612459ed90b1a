"""Django settings for bench/sse_views.py: the gateway bench's project, with the streaming view."""

from bench.gateway_settings import *  # noqa: F403

ROOT_URLCONF = "bench.sse_urls"
DJANGO_OPENAI["CLIENTS"]["default"]["THREAD_BACKEND"] = "chat"  # noqa: F405 - the paced upstream is chat only

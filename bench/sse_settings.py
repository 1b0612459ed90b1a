"""Django settings for bench/sse_views.py: the gateway bench's project, with the streaming view.

``BENCH_DB_POOL=1``: PostgreSQL connections from psycopg's pool (Django's ``"pool"`` option)
rather than one opened for each request; ``BENCH_EVENT_LOG=0``: runs keep no event log.
"""

import os

from bench.gateway_settings import *  # noqa: F403

ROOT_URLCONF = "bench.sse_urls"
DJANGO_OPENAI["CLIENTS"]["default"]["THREAD_BACKEND"] = "chat"  # noqa: F405 - the paced upstream is chat only
# The bench starts a hundred runs a second for one user: past the per-user run budget.
DJANGO_OPENAI["API"] = {"THROTTLE_RATES": {"runs": None}}  # noqa: F405
if os.environ.get("BENCH_DB_POOL") == "1":
    DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": 4, "max_size": 40}}  # noqa: F405
if os.environ.get("BENCH_EVENT_LOG") == "0":
    DJANGO_OPENAI["THREADS"] = {"EVENT_LOG": False}  # noqa: F405
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
}

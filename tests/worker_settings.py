"""Settings of the real Celery worker started by tests/tasks/test_worker.py.

It shares the test database (its name comes from the test process) and points the default client
at the test's fake server.
"""

import os

from django_openai.signals import batch_completed

from .settings import *  # noqa: F403

DATABASES["default"]["NAME"] = os.environ["WORKER_TEST_DB_NAME"]  # noqa: F405
DATABASES["default"]["TEST"] = {"NAME": os.environ["WORKER_TEST_DB_NAME"]}  # noqa: F405
# So that the test can end this worker's sessions, and only these (tests/tasks/test_worker.py).
DATABASES["default"]["OPTIONS"] = {"application_name": "django-openai-test-worker"}  # noqa: F405
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["WORKER_QUEUE"]
DJANGO_OPENAI = {
    "CLIENTS": {
        "default": {
            "API_KEY": "sk-fake-0123456789",
            "BASE_URL": os.environ["FAKE_OPENAI_URL"],
            "MAX_RETRIES": 2,
            "THREAD_BACKEND": os.environ.get("WORKER_THREAD_BACKEND", "auto"),
        }
    },
    "BATCH_INGEST_CHUNK_SIZE": int(os.environ.get("WORKER_INGEST_CHUNK", "1000")),
    "BATCH_INGEST_LEASE_SECONDS": float(os.environ.get("WORKER_INGEST_LEASE", "600")),
}


def _record(sender, instance, **kwargs):  # type: ignore[no-untyped-def]
    with open(os.environ["WORKER_SIGNAL_LOG"], "a") as log:
        log.write(f"batch_completed {instance.openai_id} {instance.items.count()}\n")


batch_completed.connect(_record, weak=False)

# The function tools the thread tests offer, registered in the worker as in the test process.
import tests.threads.worker_tools  # noqa: E402, F401

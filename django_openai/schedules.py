"""The Celery beat entries to merge into a project's schedule.

A module of its own, importable from settings (it imports nothing of Django's models):

    from django_openai.schedules import BEAT_SCHEDULE
    CELERY_BEAT_SCHEDULE = {**BEAT_SCHEDULE, ...}
"""

from typing import Any

SWEEP_TASK = "django_openai.sweep"
POLL_TASK = "django_openai.poll_object"
INGEST_TASK = "django_openai.ingest_batch_results"
UPLOAD_TASK = "django_openai.send_upload"
#: A background run on the chat backend, run by a worker.
RUN_TASK = "django_openai.execute_run"

#: One sweep every 15 seconds; a sweep that could not start within 14 s is dropped, not queued up.
BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "django-openai-sweep": {"task": SWEEP_TASK, "schedule": 15.0, "options": {"expires": 14}},
}

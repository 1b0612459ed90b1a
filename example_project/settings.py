"""The example project: SQLite and a file-system Celery broker by default, so it runs anywhere.

DATABASE_URL (postgres://...) picks PostgreSQL, CELERY_BROKER_URL (redis://...) Redis. With
OPENAI_API_KEY or OPENAI_BASE_URL set it talks to that server (OpenAI, Ollama, llama.cpp...);
with neither, to the fake server the run script starts.
"""

import os
from pathlib import Path

from django_openai.schedules import BEAT_SCHEDULE

from .database_url import database_from_url
from .machine_time_zone import machine_time_zone

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("DEMO_VAR_DIR", BASE_DIR.parent / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-project-not-for-production")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
# Times are shown in the machine's zone (TZ, /etc/timezone or /etc/localtime; UTC if none), and the
# pages say which one.
TIME_ZONE = machine_time_zone()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_openai",
    "example_project.demo",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "example_project.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": (
        database_from_url(os.environ["DATABASE_URL"])
        if os.environ.get("DATABASE_URL")
        else {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "db.sqlite3"}
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "chat"
LOGOUT_REDIRECT_URL = "login"
MEDIA_ROOT = VAR_DIR / "media"

# Celery: an embedded file-system broker needs no server; set CELERY_BROKER_URL=redis://... for Redis.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
_QUEUE_DIR = VAR_DIR / "celery"
for _sub in ("out", "processed"):
    (_QUEUE_DIR / _sub).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_QUEUE_DIR / "out"),
        "data_folder_out": str(_QUEUE_DIR / "out"),
        "processed_folder": str(_QUEUE_DIR / "processed"),
        "store_processed": False,
        # The broadcast (pidbox) exchanges: kombu's default is "control" in the working directory.
        "control_folder": str(_QUEUE_DIR / "control"),
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE = {
    **BEAT_SCHEDULE,
    "django-openai-sweep": {**BEAT_SCHEDULE["django-openai-sweep"], "schedule": 3.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# A server of your own (Ollama, llama.cpp...) needs no key: OPENAI_BASE_URL alone is enough.
OPENAI_SERVER_URL = os.environ.get("OPENAI_BASE_URL", "")
OPENAI_OFFLINE = not (os.environ.get("OPENAI_API_KEY") or OPENAI_SERVER_URL)
DJANGO_OPENAI = {
    "CLIENTS": {
        "default": (
            {
                "API_KEY": "sk-fake-demo",
                "BASE_URL": os.environ.get("FAKE_OPENAI_URL", "http://127.0.0.1:8765/v1"),
            }
            if OPENAI_OFFLINE
            # OPENAI_API_KEY, OPENAI_BASE_URL and friends come from the environment.
            else (
                {} if os.environ.get("OPENAI_API_KEY") else {"API_KEY": "none", "BASE_URL": OPENAI_SERVER_URL}
            )
        ),
    },
    "POLL_INTERVAL_SECONDS": 3,
    "POLL_MAX_INTERVAL_SECONDS": 30,
    # The gateway at /v1/ (example_project/asgi.py): every model name goes to the default client.
    "GATEWAY": {"ROUTES": {"*": "default"}},
}
DEMO_MODEL = os.environ.get("DEMO_MODEL", "gpt-4.1-mini")

LOGGING = {
    "version": 1,
    # Keep the loggers uvicorn and Django set up (requests, errors with their tracebacks).
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django_openai": {"handlers": ["console"], "level": os.environ.get("DJANGO_OPENAI_LOG", "INFO")}
    },
}

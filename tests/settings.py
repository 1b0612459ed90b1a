"""Settings for the test suite: SQLite by default, PostgreSQL with DATABASE_URL."""

import os

import dj_database_url

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # The live server of the browser tests serves the admin's CSS (and ours).
    "django.contrib.staticfiles",
    "rest_framework",
    "django_openai",
    "example_project.demo",
    # A project app with a mirror of its own (tests/kinds).
    "tests.kinds",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "tests.urls"

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

DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", "sqlite:///:memory:"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
# In-process tests run tasks inline; the worker tests switch this off and use a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# The example project's views are tested too.
OPENAI_OFFLINE = True
DEMO_MODEL = "gpt-4.1-mini"
STATIC_URL = "static/"

MEDIA_ROOT = os.environ.get("MEDIA_ROOT", "/tmp/django-openai-test-media")

DJANGO_OPENAI = {
    "CLIENTS": {
        "default": {
            "API_KEY": "sk-test-key-0123456789",
            "BASE_URL": "https://api.openai.com/v1",
            "MAX_RETRIES": 0,
        },
    },
}

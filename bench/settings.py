"""Django settings for the benchmarks: PostgreSQL by default (BENCH_DATABASE_URL)."""

import os

import dj_database_url

SECRET_KEY = "bench-only"
USE_TZ = True
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django_openai"]
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/django_openai_bench")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DJANGO_OPENAI = {
    "CLIENTS": {
        "default": {
            "API_KEY": "sk-bench-0123456789",
            "BASE_URL": os.environ.get("FAKE_OPENAI_URL", ""),
            "TIMEOUT": 600,
        }
    },
    "UPLOAD_PART_THRESHOLD_BYTES": 512 * 1024 * 1024,
}

"""Django settings for bench/gateway_relay.py: the gateway in front of the paced upstream.

The six stock middlewares of a new project (as the example project has): the include mount walks
them, the ASGI mount does not. SQLite in the bench's temporary folder unless BENCH_DATABASE_URL.
"""

import os

import dj_database_url

SECRET_KEY = "bench-only"
USE_TZ = True
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django_openai",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "bench.gateway_urls"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("BENCH_DATABASE_URL")
        or f"sqlite:///{os.environ.get('BENCH_DIR', '/tmp')}/gateway.sqlite3"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DJANGO_OPENAI = {
    "CLIENTS": {
        "default": {
            "API_KEY": "sk-bench-upstream",
            "BASE_URL": os.environ.get("BENCH_UPSTREAM", ""),
            "MAX_RETRIES": 0,
        }
    },
    "GATEWAY": {
        "ROUTES": {"*": "default"},
        **({"REDIS_URL": os.environ["BENCH_REDIS_URL"]} if os.environ.get("BENCH_REDIS_URL") else {}),
    },
}

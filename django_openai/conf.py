"""Settings, read at use time so that ``override_settings`` and tests see changes.

    DJANGO_OPENAI = {
        "CLIENTS": {
            "default": {"API_KEY": env("OPENAI_API_KEY")},
            "azure": {"PROVIDER": "azure", "AZURE_ENDPOINT": "...", "API_VERSION": "2025-04-01-preview"},
            "local": {"PROVIDER": "ollama"},
        },
    }

Without ``DJANGO_OPENAI`` there is one client, ``default``, configured from the environment
(``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``OPENAI_ORG_ID``, ``OPENAI_PROJECT_ID``).

Code reads the project-wide options through :data:`app_settings`, whose attributes are typed
(``app_settings.POLL_BATCH_SIZE`` is an ``int``), and one client's options through
:func:`client_settings` / :func:`client_kwargs`.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Generic, TypeVar, overload

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

SETTING = "DJANGO_OPENAI"

#: Setting key -> client keyword argument.
CLIENT_KEYS: dict[str, str] = {
    "PROVIDER": "provider",
    "API_KEY": "api_key",
    "BASE_URL": "base_url",
    "ORGANIZATION": "organization",
    "PROJECT": "project",
    "TIMEOUT": "timeout",
    "MAX_RETRIES": "max_retries",
    "DEFAULT_HEADERS": "default_headers",
    "DEFAULT_QUERY": "default_query",
    "WEBHOOK_SECRET": "webhook_secret",
    "AZURE_ENDPOINT": "azure_endpoint",
    "API_VERSION": "api_version",
    "AZURE_DEPLOYMENT": "azure_deployment",
    "AZURE_AD_TOKEN": "azure_ad_token",
    "AZURE_AD_TOKEN_PROVIDER": "azure_ad_token_provider",
    # An httpx transport (or a dotted path / callable returning one): the fake server's
    # in-process mode, or a custom proxy/mTLS setup.
    "TRANSPORT": "transport",
}

#: Environment fallbacks, by provider, for keys the settings leave out.
ENV_FALLBACKS: dict[str, dict[str, str]] = {
    "openai": {
        "API_KEY": "OPENAI_API_KEY",
        "BASE_URL": "OPENAI_BASE_URL",
        "ORGANIZATION": "OPENAI_ORG_ID",
        "PROJECT": "OPENAI_PROJECT_ID",
        "WEBHOOK_SECRET": "OPENAI_WEBHOOK_SECRET",
    },
    "azure": {
        "API_KEY": "AZURE_OPENAI_API_KEY",
        "AZURE_ENDPOINT": "AZURE_OPENAI_ENDPOINT",
        "API_VERSION": "OPENAI_API_VERSION",
        "AZURE_AD_TOKEN": "AZURE_OPENAI_AD_TOKEN",
    },
}

#: Client setting keys read by the app rather than passed to the client.
APP_CLIENT_KEYS: dict[str, str] = {
    # How threads run on this client: "responses", "chat", or "auto" (detected once).
    "THREAD_BACKEND": "auto",
}
THREAD_BACKENDS = ("auto", "responses", "chat")

T = TypeVar("T")
S = TypeVar("S", bound="Section")


class Setting(Generic[T]):
    """One option of a settings section: its default, and how a configured value is read.

    Declared as a class attribute of a :class:`Section`; reading it on the section's instance
    reads the settings at that moment (so ``override_settings`` is seen) and gives a typed value.
    """

    def __init__(self, default: T, convert: Callable[[Any], T] | None = None) -> None:
        self.default = default
        self.convert = convert
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type) -> Setting[T]: ...
    @overload
    def __get__(self, instance: Section, owner: type) -> T: ...
    def __get__(self, instance: Section | None, owner: type) -> Setting[T] | T:
        if instance is None:
            return self
        value = instance.values().get(self.name, self.default)
        # Converted even when it is the default: a list default comes out as a fresh copy.
        return self.convert(value) if self.convert is not None else value


class Nested(Generic[S]):
    """A dict of options inside a section (``DJANGO_OPENAI["API"]``...), itself a :class:`Section`."""

    def __init__(self, section: type[S]) -> None:
        self.section = section
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type) -> Nested[S]: ...
    @overload
    def __get__(self, instance: Section, owner: type) -> S: ...
    def __get__(self, instance: Section | None, owner: type) -> Nested[S] | S:
        if instance is None:
            return self
        return self.section(parent=instance, key=self.name)


class Section:
    """A dict of settings, read each time an option is asked for.

    Every upper-case attribute of a section is one of its options (a :class:`Setting`, a
    :class:`Nested` section, or a property); the system check warns about any other key a
    project sets (``django_openai.W001``).
    """

    def __init__(self, parent: Section | None = None, key: str = "") -> None:
        self._parent = parent
        self._key = key

    @property
    def where(self) -> str:
        """How the settings file spells this section, for messages: ``DJANGO_OPENAI['API']``."""
        return SETTING if self._parent is None else f"{self._parent.where}[{self._key!r}]"

    def values(self) -> dict[str, Any]:
        if self._parent is None:
            return raw()
        value = self._parent.values().get(self._key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ImproperlyConfigured(f"{self.where} must be a dict, not {type(value).__name__}")
        return dict(value)

    @classmethod
    def option_names(cls) -> list[str]:
        return sorted(name for name in dir(cls) if name.isupper())

    @classmethod
    def nested_sections(cls) -> dict[str, type[Section]]:
        return {
            name: value.section
            for name in cls.option_names()
            if isinstance(value := inspect.getattr_static(cls, name), Nested)
        }


def _float(value: Any) -> float:
    return float(value)


def _int(value: Any) -> int:
    return int(value)


def _strings(value: Any) -> list[str]:
    return [str(item) for item in value or []]


def _rates(value: Any) -> dict[str, str | None]:
    if not isinstance(value, Mapping):
        raise ImproperlyConfigured(f"{SETTING}['API']['THROTTLE_RATES'] must be a dict of scope -> rate")
    return {str(scope): None if rate is None else str(rate) for scope, rate in value.items()}


class APISettings(Section):
    """``DJANGO_OPENAI["API"]``: the resource API's classes and limits (see docs/api.md)."""

    @property
    def AUTHENTICATION_CLASSES(self) -> list[str]:
        """Session authentication, and token authentication when ``rest_framework.authtoken`` is installed."""
        configured = self.values().get("AUTHENTICATION_CLASSES")
        if configured is not None:
            return _strings(configured)
        classes = ["rest_framework.authentication.SessionAuthentication"]
        if apps.is_installed("rest_framework.authtoken"):
            classes.append("rest_framework.authentication.TokenAuthentication")
        return classes

    PERMISSION_CLASSES = Setting[list[str]](["rest_framework.permissions.IsAuthenticated"], _strings)
    #: Who may list, create, change and delete assistants (staff only by default): an assistant is a
    #: configuration every user's threads run with.
    ASSISTANT_PERMISSION_CLASSES = Setting[list[str]](["rest_framework.permissions.IsAdminUser"], _strings)
    THROTTLE_CLASSES = Setting[list[str]](["django_openai.api.throttling.UserScopeThrottle"], _strings)
    #: Scope -> rate ("30/minute"), per user; None leaves a scope unthrottled. "create" is what
    #: starts remote work (uploads, batches, fine-tunes); "runs" is run creation (threads/{id}/runs/).
    THROTTLE_RATES = Setting[dict[str, str | None]]({"create": "120/hour", "runs": "30/minute"}, _rates)
    PAGE_SIZE = Setting(20, _int)
    MAX_PAGE_SIZE = Setting(100, _int)
    #: The largest file accepted by POST files/ (OpenAI's own limit for one file is 512 MB).
    MAX_UPLOAD_BYTES = Setting(512 * 1024 * 1024, _int)
    #: The client (``DJANGO_OPENAI["CLIENTS"]``) that objects created through the API use.
    CLIENT_ALIAS = Setting("default", str)


class ThreadSettings(Section):
    """``DJANGO_OPENAI["THREADS"]``: how runs of threads behave (see docs/assistants.md)."""

    # Rounds of tool calls a run may make before it fails (the model keeps asking for tools).
    MAX_TOOL_ROUNDS = Setting(8, _int)
    # Seconds a function tool may take (a tool's own ``timeout`` wins).
    TOOL_TIMEOUT_SECONDS = Setting(60.0, _float)
    # Keep the events of streamed and background runs for readers who reconnect (run.follow()).
    EVENT_LOG = Setting(True, bool)
    # How long the events of an ended run are kept (the sweeper deletes them then).
    EVENT_RETENTION_SECONDS = Setting(3600.0, _float)
    # The longest a logged event waits before it is written (item ends are written at once).
    EVENT_FLUSH_SECONDS = Setting(0.1, _float)
    # How often run.follow() looks for new events.
    FOLLOW_POLL_SECONDS = Setting(0.2, _float)
    # How often a run checks whether it was cancelled (and shows it is alive).
    CANCEL_CHECK_SECONDS = Setting(1.0, _float)
    # A run in progress that has shown no sign of life for this long is taken for dead: the
    # thread may start another.
    RUN_STALE_SECONDS = Setting(600.0, _float)
    # Threads (each with its database connection) that do the writes of the streams read by
    # async code, shared by all of a process's streams (docs/streaming-views.md).
    STREAM_DB_THREADS = Setting(4, _int)


class StreamingSettings(Section):
    """``DJANGO_OPENAI["STREAMING"]``: the event streams of runs (docs/streaming-views.md)."""

    # Seconds without an event after which a stream sends a ": ping" comment (0: never).
    HEARTBEAT_SECONDS = Setting(15.0, _float)


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _optional_decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _routes(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(pattern), str(alias)) for pattern, alias in dict(value).items())


def _model_lists(value: Any) -> dict[str, tuple[str, ...]]:
    return {str(name): tuple(patterns) for name, patterns in dict(value).items()}


class GatewaySettings(Section):
    """``DJANGO_OPENAI["GATEWAY"]``: the OpenAI-compatible gateway (docs/gateway.md)."""

    #: Model-name pattern -> client alias, in order; the first match wins.
    ROUTES: Setting[tuple[tuple[str, str], ...]] = Setting((("*", "default"),), _routes)
    USER_MODELS: Setting[dict[str, tuple[str, ...]]] = Setting({}, _model_lists)
    GROUP_MODELS: Setting[dict[str, tuple[str, ...]]] = Setting({}, _model_lists)
    DEFAULT_MODELS = Setting(("*",), tuple)
    MAX_BODY_BYTES = Setting(16 * 1024 * 1024, _int)
    KEY_CACHE_SECONDS = Setting(60.0, _float)
    REDIS_URL = Setting(None, lambda value: str(value) if value else None)
    USAGE_FLUSH_SECONDS = Setting(0.5, _float)
    USAGE_FLUSH_SIZE = Setting(500, _int)
    STREAM_USAGE = Setting(True, bool)
    PRICES: Setting[dict[str, Any]] = Setting({}, dict)
    USER_MONTHLY_TOKEN_BUDGET = Setting(None, _optional_int)
    USER_MONTHLY_COST_BUDGET = Setting(None, _optional_decimal)
    SESSION_AUTH = Setting(True, bool)
    SESSION_REQUESTS_PER_MINUTE = Setting(None, _optional_int)
    SESSION_TOKENS_PER_MINUTE = Setting(None, _optional_int)
    UPSTREAM_MAX_RETRIES = Setting(0, _int)
    MODELS_CACHE_SECONDS = Setting(60.0, _float)


class AppSettings(Section):
    """``DJANGO_OPENAI``, as typed attributes: ``app_settings.POLL_BATCH_SIZE``.

    After django-allauth's ``app_settings``: an option misspelt in code is an ``AttributeError``
    (and a mypy error), not a silent ``None``. A feature's own group of options is a nested
    :class:`Section` (``API = Nested(APISettings)`` reads ``DJANGO_OPENAI["API"]``).
    """

    @property
    def CLIENTS(self) -> dict[str, dict[str, Any]]:
        """The named clients (see :func:`client_settings` for one, with its environment fallbacks)."""
        return clients()

    # Celery polling of long-running jobs (see docs/polling.md).
    POLL_INTERVAL_SECONDS = Setting(30.0, _float)
    POLL_MAX_INTERVAL_SECONDS = Setting(600.0, _float)
    POLL_BATCH_SIZE = Setting(20, _int)
    # The webhook endpoint (see docs/webhooks.md).
    WEBHOOK_SECRETS = Setting[list[str]]([], _strings)
    WEBHOOK_TOLERANCE_SECONDS = Setting(300, _int)
    # Files above the threshold go through the Uploads API, in parts of this size.
    UPLOAD_PART_THRESHOLD_BYTES = Setting(100 * 1024 * 1024, _int)
    UPLOAD_PART_SIZE_BYTES = Setting(64 * 1024 * 1024, _int)
    # Batch results are stored this many rows per INSERT.
    BATCH_INGEST_CHUNK_SIZE = Setting(5000, _int)
    # Fill BatchItem.request_body from the batch's input file (one more download per ingestion).
    BATCH_INGEST_REQUEST_BODIES = Setting(True, bool)
    # How long an ingestion may run before the sweeper assumes its worker died and starts another.
    BATCH_INGEST_LEASE_SECONDS = Setting(600.0, _float)
    # The resource API (django_openai.api, see docs/api.md).
    API = Nested(APISettings)
    # Assistants, threads and runs (see docs/assistants.md).
    THREADS = Nested(ThreadSettings)
    # The SSE views and sse_response() (see docs/streaming-views.md).
    STREAMING = Nested(StreamingSettings)

    GATEWAY = Nested(GatewaySettings)


#: The project's ``DJANGO_OPENAI``, read at use time: ``from django_openai.conf import app_settings``.
app_settings = AppSettings()


def raw() -> dict[str, Any]:
    value = getattr(settings, SETTING, None)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ImproperlyConfigured(f"{SETTING} must be a dict, not {type(value).__name__}")
    return dict(value)


def clients() -> dict[str, dict[str, Any]]:
    configured = raw().get("CLIENTS")
    if configured is None:
        return {"default": {}}
    if not isinstance(configured, Mapping):
        raise ImproperlyConfigured(f"{SETTING}['CLIENTS'] must be a dict of alias -> client settings")
    return {
        str(alias): dict(value) if isinstance(value, Mapping) else value
        for alias, value in configured.items()
    }


def client_settings(alias: str) -> dict[str, Any]:
    """One client's settings with the environment fallbacks filled in."""
    all_clients = clients()
    if alias not in all_clients:
        known = ", ".join(sorted(all_clients)) or "none"
        raise ImproperlyConfigured(
            f"No OpenAI client named {alias!r}: add it to {SETTING}['CLIENTS'] (configured: {known})."
        )
    config = all_clients[alias]
    if not isinstance(config, Mapping):
        raise ImproperlyConfigured(f"{SETTING}['CLIENTS'][{alias!r}] must be a dict")
    resolved = dict(config)
    provider = str(resolved.get("PROVIDER") or "openai").lower()
    for key, env_name in ENV_FALLBACKS.get(provider, {}).items():
        if resolved.get(key) in (None, "") and os.environ.get(env_name):
            resolved[key] = os.environ[env_name]
    return resolved


def thread_backend(alias: str) -> str:
    """``CLIENTS[alias]["THREAD_BACKEND"]``: "responses", "chat" or "auto" (the default)."""
    value = str(client_settings(alias).get("THREAD_BACKEND") or "auto").lower()
    if value not in THREAD_BACKENDS:
        raise ImproperlyConfigured(
            f"{SETTING}['CLIENTS'][{alias!r}]['THREAD_BACKEND'] is {value!r}: use one of "
            f"{', '.join(THREAD_BACKENDS)}."
        )
    return value


def client_kwargs(alias: str) -> dict[str, Any]:
    """Keyword arguments for :class:`~django_openai.client.OpenAI` from one client's settings."""
    resolved = client_settings(alias)
    kwargs: dict[str, Any] = {}
    for key, value in resolved.items():
        if key in CLIENT_KEYS and value is not None:
            kwargs[CLIENT_KEYS[key]] = value
    for name in ("azure_ad_token_provider", "transport"):
        value = kwargs.get(name)
        if isinstance(value, str):
            kwargs[name] = import_string(value)
    return kwargs

"""DATABASE_URL for the example project, kept apart from its settings so that tests can import
it without the settings' side effects (folders made under var/)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def database_from_url(url: str) -> dict[str, object]:
    """postgres://user:password@host:port/name (the usual DATABASE_URL) as Django's settings."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL: only postgres:// is supported here, not {parts.scheme}://")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }

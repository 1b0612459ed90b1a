"""django-openai: the OpenAI API, and every server that speaks it, in a Django project.

The public entry points are re-exported here on purpose. They import Django lazily, so
``django_openai.client`` stays usable in a plain script.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .client import AsyncOpenAI, OpenAI
    from .tools import tool as tool
else:

    def tool(*args: Any, **options: Any) -> Any:
        """Register a function tool: ``@django_openai.tool`` (see :func:`django_openai.tools.tool`)."""
        from .tools import tool as _tool

        return _tool(*args, **options)


__all__ = ["__version__", "aclose_clients", "close_clients", "get_async_client", "get_client", "tool"]


def get_client(alias: str = "default") -> OpenAI:
    """The pooled sync client for ``DJANGO_OPENAI["CLIENTS"][alias]`` (one per process)."""
    from .clients import get_client as _get

    return _get(alias)


def get_async_client(alias: str = "default") -> AsyncOpenAI:
    """The pooled async client for ``alias`` (one per process and event loop)."""
    from .clients import get_async_client as _get

    return _get(alias)


def close_clients() -> None:
    from .clients import close_clients as _close

    _close()


async def aclose_clients() -> Any:
    from .clients import aclose_clients as _close

    return await _close()

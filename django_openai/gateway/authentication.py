"""Who is calling: a gateway key (``Authorization: Bearer`` or ``api-key``), or the Django session
for same-site browser calls, with Django's CSRF check (docs/gateway.md#authentication).

Key lookups are kept in process memory for ``KEY_CACHE_SECONDS``; saving or deleting a key (a
revocation) drops its entry at once (``receivers``), and other processes learn of a revocation on
their next request through the limits store (``limits``). Concurrent first requests with one key
share a single database lookup.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..services.gateway_keys import hash_key, key_prefix
from . import db, errors
from .config import GatewayConfig
from .principal import Principal

_MAX_CACHED = 10_000


@dataclass(frozen=True, slots=True)
class _KeyState:
    principal: Principal | None  # None: no such key (or a wrong secret, or an inactive owner)
    revoked: bool = False


_cache: dict[str, tuple[float, _KeyState]] = {}
_digest_by_prefix: dict[str, str] = {}
_inflight: dict[str, asyncio.Future[_KeyState]] = {}


def presented_key(headers: Mapping[str, str]) -> str | None:
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    return headers.get("api-key") or None


async def authenticate(
    headers: Mapping[str, str],
    config: GatewayConfig,
    session: Callable[[], Awaitable[Principal | None]] | None,
) -> Principal:
    token = presented_key(headers)
    if token is not None:
        return await principal_for_key(token, config)
    if session is not None and config.session_auth:
        principal = await session()
        if principal is not None:
            return principal
    raise errors.missing_key()


async def principal_for_key(token: str, config: GatewayConfig) -> Principal:
    prefix = key_prefix(token)
    if prefix is None:
        raise errors.invalid_key()
    digest = hash_key(token)
    now = time.monotonic()
    cached = _cache.get(digest)
    if cached is not None and cached[0] > now:
        state = cached[1]
    else:
        state = await _lookup(prefix, digest)
        if len(_cache) >= _MAX_CACHED:
            _cache.clear()
            _digest_by_prefix.clear()
        _cache[digest] = (now + config.key_cache_seconds, state)
        _digest_by_prefix[prefix] = digest
    if state.principal is None:
        raise errors.invalid_key()
    if state.revoked:
        raise errors.invalid_key("This API key has been revoked.")
    expires_at = state.principal.expires_at
    if expires_at is not None and time.time() >= expires_at:
        raise errors.invalid_key("This API key has expired.")
    return state.principal


async def _lookup(prefix: str, digest: str) -> _KeyState:
    pending = _inflight.get(digest)
    if pending is not None:
        try:
            return await asyncio.shield(pending)
        except asyncio.CancelledError:
            if not pending.cancelled():
                raise
            return await _lookup(prefix, digest)
    future: asyncio.Future[_KeyState] = asyncio.get_running_loop().create_future()
    _inflight[digest] = future
    try:
        state = await db.run(_load_key, prefix, digest)
    except asyncio.CancelledError:
        future.cancel()  # the others look the key up again themselves
        raise
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: no "never retrieved" warning when nobody else waited
        raise
    else:
        future.set_result(state)
        return state
    finally:
        _inflight.pop(digest, None)


def _load_key(prefix: str, digest: str) -> _KeyState:
    from ..models.gateway import GatewayKey

    key = GatewayKey.objects.select_related("user").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.secret_hash, digest):
        return _KeyState(None)
    user = key.user
    if not user.is_active:
        return _KeyState(None)
    principal = Principal(
        user_id=user.pk,
        username=user.get_username(),
        groups=_group_names(user),
        key_id=key.pk,
        key_prefix=key.prefix,
        key_models=tuple(key.allowed_models or ()),
        requests_per_minute=key.requests_per_minute,
        tokens_per_minute=key.tokens_per_minute,
        monthly_token_budget=key.monthly_token_budget,
        monthly_cost_budget=key.monthly_cost_budget,
        expires_at=key.expires_at.timestamp() if key.expires_at else None,
    )
    return _KeyState(principal, revoked=key.revoked_at is not None)


def _group_names(user: Any) -> frozenset[str]:
    groups = getattr(user, "groups", None)  # custom user models may have none
    return frozenset(groups.values_list("name", flat=True)) if groups is not None else frozenset()


def forget_key(prefix: str) -> None:
    """Drop a key's cached lookup (its row changed: revoked, edited or deleted)."""
    digest = _digest_by_prefix.pop(prefix, None)
    if digest is not None:
        _cache.pop(digest, None)


def forget_user(user_id: Any) -> None:
    """Drop the cached keys of one user (their groups or active flag changed)."""
    for digest, (_, state) in list(_cache.items()):
        if state.principal is not None and state.principal.user_id == user_id:
            _cache.pop(digest, None)
            _digest_by_prefix.pop(state.principal.key_prefix, None)


def forget_all() -> None:
    _cache.clear()
    _digest_by_prefix.clear()


# -- session ------------------------------------------------------------------------------------


def _no_view(request: Any) -> Any:  # what CsrfViewMiddleware wraps; never called
    raise NotImplementedError


def session_principal(request: Any, config: GatewayConfig) -> Principal | None:
    """The signed-in user of a Django request, after Django's CSRF check (sync: run it in a thread).

    Raises a 403 in OpenAI's shape when the user is signed in but the CSRF check fails: a cross-site
    page must not spend a user's quota.
    """
    from django.contrib.auth import get_user
    from django.middleware.csrf import CsrfViewMiddleware

    if not hasattr(request, "session"):
        from importlib import import_module

        from django.conf import settings

        engine = import_module(settings.SESSION_ENGINE)
        request.session = engine.SessionStore(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
    user = get_user(request)
    if not user.is_authenticated or not user.is_active:
        return None
    csrf = CsrfViewMiddleware(_no_view)
    csrf.process_request(request)
    refused = csrf.process_view(request, _no_view, (), {})
    if refused is not None:
        raise errors.GatewayError(
            403,
            "CSRF verification failed: a browser call signed in with a session must send the "
            "X-CSRFToken header (or use an API key).",
            code="csrf_failed",
        )
    return Principal(
        user_id=user.pk,
        username=user.get_username(),
        groups=_group_names(user),
        requests_per_minute=config.session_requests_per_minute,
        tokens_per_minute=config.session_tokens_per_minute,
    )

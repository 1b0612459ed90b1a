"""Which client alias serves a model, and who may use it (docs/gateway.md#routing).

``ROUTES`` maps model-name patterns (``fnmatch`` wildcards) to client aliases, first match wins.
``USER_MODELS`` / ``GROUP_MODELS`` list what a user may use (a user gets the union of their own
entry and their groups'), ``DEFAULT_MODELS`` what everyone else may; a key's ``allowed_models``
narrows that further.
"""

from __future__ import annotations

import fnmatch
from functools import lru_cache

from . import errors
from .config import GatewayConfig
from .principal import Principal


@lru_cache(maxsize=4096)
def _matches(model: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(model, pattern)


def _any(model: str, patterns: tuple[str, ...]) -> bool:
    return any(_matches(model, p) for p in patterns)


def alias_for(model: str, config: GatewayConfig) -> str | None:
    for pattern, alias in config.routes:
        if _matches(model, pattern):
            return alias
    return None


def user_patterns(principal: Principal, config: GatewayConfig) -> tuple[str, ...]:
    patterns = list(config.user_models.get(principal.username, ()))
    for group in principal.groups:
        patterns.extend(config.group_models.get(group, ()))
    return tuple(patterns) if patterns else config.default_models


def user_may_use(principal: Principal, model: str, config: GatewayConfig) -> bool:
    return _any(model, user_patterns(principal, config))


def key_may_use(principal: Principal, model: str) -> bool:
    return not principal.key_models or _any(model, principal.key_models)


def may_use(principal: Principal, model: str, config: GatewayConfig) -> bool:
    return (
        alias_for(model, config) is not None
        and user_may_use(principal, model, config)
        and key_may_use(principal, model)
    )


def resolve(principal: Principal, model: str, config: GatewayConfig) -> str:
    """The alias serving ``model`` for this caller.

    A model that no route serves, or that the user may not use, is "not found" (404), as OpenAI
    answers for models outside a project: its existence is not revealed. A model the user may use
    but this key may not is a 403.
    """
    alias = alias_for(model, config)
    if alias is None or not user_may_use(principal, model, config):
        raise errors.model_not_found(model)
    if not key_may_use(principal, model):
        raise errors.model_not_allowed(model)
    return alias

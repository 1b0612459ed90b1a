"""Creating and revoking gateway keys (docs/gateway.md#keys).

The whole key exists only in the return value of :func:`create_key`: the database keeps its visible
prefix and a SHA-256 hash. Revoking saves the row; the gateway listens for that save and forgets the
key at once (``django_openai.gateway.receivers``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import string
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models.gateway import KEY_MARK, PREFIX_LENGTH, GatewayKey

_PREFIX_ALPHABET = string.ascii_lowercase + string.digits


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_prefix(key: str) -> str | None:
    """The visible prefix of something that looks like one of our keys, else None."""
    if not key.startswith(KEY_MARK) or len(key) <= PREFIX_LENGTH:
        return None
    return key[:PREFIX_LENGTH]


def _new_key() -> str:
    visible = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH - len(KEY_MARK)))
    return KEY_MARK + visible + secrets.token_urlsafe(32)  # 256 random bits after the prefix


def create_key(
    user: Any,
    *,
    name: str = "",
    models: Iterable[str] = (),
    expires_at: dt.datetime | None = None,
    requests_per_minute: int | None = None,
    tokens_per_minute: int | None = None,
    monthly_token_budget: int | None = None,
    monthly_cost_budget: Decimal | None = None,
) -> tuple[GatewayKey, str]:
    """A new key for ``user``: the row, and the key itself (show it once; it cannot be recovered)."""
    for _ in range(5):
        key = _new_key()
        try:
            with transaction.atomic():
                row = GatewayKey.objects.create(
                    user=user,
                    name=name,
                    prefix=key[:PREFIX_LENGTH],
                    secret_hash=hash_key(key),
                    allowed_models=list(models),
                    expires_at=expires_at,
                    requests_per_minute=requests_per_minute,
                    tokens_per_minute=tokens_per_minute,
                    monthly_token_budget=monthly_token_budget,
                    monthly_cost_budget=monthly_cost_budget,
                )
        except IntegrityError:  # the same random prefix twice: try another
            continue
        return row, key
    raise RuntimeError("could not find a free key prefix")


def revoke_key(key: GatewayKey) -> GatewayKey:
    """Revoke ``key`` (again: no change). The gateway refuses it from its next request on."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def find_key(prefix_or_key: str) -> GatewayKey:
    """A key by its visible prefix (or by the whole key, whose prefix is then used)."""
    prefix = key_prefix(prefix_or_key) or prefix_or_key.rstrip("…. ")
    return GatewayKey.objects.get(prefix=prefix)

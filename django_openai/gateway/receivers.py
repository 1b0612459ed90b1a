"""Forget a key the moment its row (or its owner, or the owner's groups) changes; connected when the
app is ready.

In this process the cached lookup is dropped; a revocation is also marked in the limits store, so
that other workers sharing it (Redis, or a shared Django cache) refuse the key on its next request
instead of when their cache entry expires.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from ..models.gateway import GatewayKey

logger = logging.getLogger("django_openai.gateway")


@receiver(post_save, sender=GatewayKey)
@receiver(post_delete, sender=GatewayKey)
def key_changed(sender: Any, instance: GatewayKey, **kwargs: Any) -> None:
    from . import limits
    from .authentication import forget_key
    from .config import get as get_config

    forget_key(instance.prefix)
    gone = kwargs.get("signal") is post_delete or instance.revoked_at is not None
    if gone and instance.pk is not None:
        try:
            limits.mark_revoked(instance.pk, get_config())
        except Exception:
            # The row is revoked whatever happens here; other workers then notice within
            # KEY_CACHE_SECONDS. Say so instead of failing the revocation.
            logger.warning(
                "could not mark key %s revoked in the limits store", instance.prefix, exc_info=True
            )


@receiver(post_save, sender=get_user_model())
def user_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    # A deactivated user's keys stop working at once (in this process; others within KEY_CACHE_SECONDS).
    from .authentication import forget_user

    forget_user(instance.pk)


def groups_changed(sender: Any, instance: Any, reverse: bool, **kwargs: Any) -> None:
    # Group allowlists apply from the next request.
    from .authentication import forget_all, forget_user

    if kwargs.get("action", "").startswith("post_"):
        if reverse:  # group.user_set.add(...): several users
            forget_all()
        else:
            forget_user(instance.pk)


_groups = getattr(get_user_model(), "groups", None)  # custom user models may have none
if _groups is not None:
    m2m_changed.connect(groups_changed, sender=_groups.through, dispatch_uid="django_openai_gateway_groups")

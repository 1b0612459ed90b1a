"""Agents SDK sessions: which thread holds the conversation of a session id (docs/agents.md).

The OpenAI Agents SDK names a conversation by a ``session_id`` the project chooses. Its items are
kept as the items of an ordinary :class:`~django_openai.models.Thread`, so that an agents
conversation is a thread like any other (in the admin, in queries, in exports); this row only
says which thread a session id leads to. Session ids are scoped by owner: two users may both
have a session ``"support"`` without ever seeing each other's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .threads import Thread


class AgentSession(models.Model):
    session_id = models.CharField(max_length=255)
    #: The session ids of one owner are theirs alone (None: the project's own, ownerless sessions).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    thread = models.OneToOneField(Thread, on_delete=models.CASCADE, related_name="agent_session")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "session_id"], name="django_openai_agentsession_owner"),
            # NULLs are distinct in a unique constraint: ownerless sessions need one of their own.
            models.UniqueConstraint(
                fields=["session_id"],
                condition=Q(owner__isnull=True),
                name="django_openai_agentsession_ownerless",
            ),
        ]

    def __str__(self) -> str:
        return self.session_id

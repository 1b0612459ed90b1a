"""A session of the OpenAI Agents SDK kept in the project's database (docs/agents.md).

    from agents import Agent, Runner
    from django_openai.agents import DjangoSession

    session = DjangoSession(f"ticket-{ticket.pk}", owner=request.user)
    result = await Runner.run(agent, "Where is my parcel?", session=session)

The conversation is an ordinary :class:`~django_openai.models.Thread`: its items (Responses API
input items, as the SDK gives them) are ``ThreadItem`` rows, in order, with dense positions, so
an agents conversation shows in the admin and in queries like the app's own threads. An
:class:`~django_openai.models.AgentSession` row says which thread a session id leads to.

The SDK asks libraries to implement its ``Session`` protocol structurally rather than subclass
its base class, so this module imports nothing of the SDK: the ``agents`` extra installs it for
the projects that use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from django.db import IntegrityError, transaction

from .models import AgentSession, Thread, ThreadItem
from .services.threads import _title_from, append_rows, clear_items, new_item_row, pop_item, thread_items

if TYPE_CHECKING:
    from agents import TResponseInputItem
    from agents.memory import SessionSettings

__all__ = ["DjangoSession"]

#: The id the SDK gives the items it makes up from a chat completion: not a provider's id.
_PLACEHOLDER_ID = "__fake_id__"
_SESSION_ID_LENGTH = AgentSession._meta.get_field("session_id").max_length or 255


class DjangoSession:
    """The SDK's session protocol (``get_items``, ``add_items``, ``pop_item``, ``clear_session``)
    on a :class:`~django_openai.models.Thread`.

    ``session_id`` names the conversation; with ``owner`` (a user), it is looked up among that
    user's sessions only, and the thread it makes belongs to them. The thread is made by the
    first ``add_items``: reading a session that was never written makes nothing.
    ``session_settings`` (the SDK's ``SessionSettings``, or a dict of its fields) gives the
    default ``limit`` of ``get_items``.
    """

    session_id: str
    session_settings: SessionSettings | None

    def __init__(self, session_id: str, *, owner: Any = None, session_settings: Any = None) -> None:
        if not isinstance(session_id, str) or not session_id:
            raise ValueError("session_id must be a non-empty string.")
        if len(session_id) > _SESSION_ID_LENGTH:
            raise ValueError(f"session_id is longer than {_SESSION_ID_LENGTH} characters.")
        if owner is not None and getattr(owner, "pk", None) is None:
            raise ValueError(
                "owner must be a saved user, or None for a session of the project's own "
                "(an anonymous visitor owns nothing: keep their session id unguessable instead)."
            )
        self.session_id = session_id
        self.owner = owner
        self.session_settings = _session_settings(session_settings)

    def __repr__(self) -> str:
        return f"<DjangoSession {self.session_id!r}>"

    # -- the SDK's protocol ---------------------------------------------------------------------

    async def get_items(self, limit: int | None = None) -> list[TResponseInputItem]:
        """The conversation's items, oldest first; with ``limit``, the newest ``limit`` of them
        (``limit`` defaults to ``session_settings.limit``; 0 or less gives none)."""
        return await sync_to_async(self._get_items)(limit)

    async def add_items(self, items: list[TResponseInputItem]) -> None:
        """Append items at the end of the conversation, in order (the thread is made if need be)."""
        await sync_to_async(self._add_items)(list(items))

    async def pop_item(self) -> TResponseInputItem | None:
        """Remove the newest item and return it; None when there is none."""
        return await sync_to_async(self._pop_item)()

    async def clear_session(self) -> None:
        """Remove every item. The thread stays (with its title and metadata), empty."""
        await sync_to_async(self._clear)()

    # -- beyond the protocol --------------------------------------------------------------------

    async def get_thread(self) -> Thread | None:
        """The thread that holds the conversation; None before its first item was added."""
        return await sync_to_async(self._find)()

    # -- in Django's thread ---------------------------------------------------------------------

    def _lookup(self) -> dict[str, Any]:
        return {"session_id": self.session_id, "owner_id": self.owner.pk if self.owner is not None else None}

    def _find(self) -> Thread | None:
        # Looked up on each call rather than remembered: a thread deleted (in the admin, say) or
        # made by another process since is seen at once.
        found = AgentSession.objects.select_related("thread").filter(**self._lookup()).first()
        return found.thread if found is not None else None

    def _find_or_make(self) -> Thread:
        thread = self._find()
        if thread is not None:
            return thread
        lookup = self._lookup()
        try:
            with transaction.atomic():
                thread = Thread.objects.create(owner_id=lookup["owner_id"])
                AgentSession.objects.create(thread=thread, **lookup)
        except IntegrityError:
            # Another process made the session between our look and our insert: use theirs.
            thread = self._find()
            if thread is None:
                raise
        return thread

    def _get_items(self, limit: int | None) -> list[Any]:
        if limit is None and self.session_settings is not None:
            limit = self.session_settings.limit
        thread = self._find()
        return [] if thread is None else thread_items(thread, limit)

    def _add_items(self, items: list[Any]) -> None:
        if not items:
            return
        rows = [_row(item) for item in items]  # a bad item is refused before anything is written
        thread = self._find_or_make()
        with transaction.atomic():
            append_rows(thread, rows)  # the thread's row lock keeps concurrent appends dense
            if not thread.title:
                text = next((row.text for row in rows if row.role == "user" and row.text.strip()), "")
                if text:
                    Thread.objects.filter(pk=thread.pk, title="").update(title=_title_from(text))

    def _pop_item(self) -> Any:
        thread = self._find()
        return None if thread is None else pop_item(thread)

    def _clear(self) -> None:
        thread = self._find()
        if thread is not None:
            clear_items(thread)


def _row(item: Any) -> ThreadItem:
    row = new_item_row(dict(item) if isinstance(item, Mapping) else item)  # ValidationError if not a dict
    if row.remote_id == _PLACEHOLDER_ID:
        row.remote_id = ""
    return row


def _session_settings(value: Any) -> Any:
    """The SDK's SessionSettings (the runner calls its ``resolve``), made from a dict if need be."""
    if value is None or not isinstance(value, Mapping):
        return value
    from agents.memory import SessionSettings

    return SessionSettings(**value)

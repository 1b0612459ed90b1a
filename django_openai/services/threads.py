"""Threads: adding messages and items to the log, reading and trimming it (docs/assistants.md).

Positions are dense (1, 2, 3...): each append takes the thread's row lock (PostgreSQL; SQLite
serialises writers anyway) and moves ``Thread.item_count`` in the same transaction, and the unique
``(thread, position)`` constraint is the safety net. Nothing is appended while a run is active:
its items would interleave with the run's. (A run appends its own items without the lock, and
moves the count with its round's end: ``_run_job.RunJob._append``.)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ..conf import app_settings
from ..models import Run, Thread, ThreadItem
from ..models.runs import TERMINAL
from ._common import async_twin
from ._nul import without_nul

__all__ = [
    "ThreadArchived",
    "ThreadBusy",
    "ThreadError",
    "aadd_message",
    "aarchive_thread",
    "add_items",
    "add_message",
    "archive_thread",
    "aunarchive_thread",
    "clear_items",
    "item_text",
    "pop_item",
    "thread_items",
    "unarchive_thread",
]

ROLES = ("user", "assistant", "system", "developer")
TITLE_LENGTH = 80


class ThreadError(Exception):
    """A thread cannot do what was asked; ``code`` says why, the message says what to do."""

    code = "thread_error"


class ThreadBusy(ThreadError):
    code = "thread_busy"


class ThreadArchived(ThreadError):
    code = "thread_archived"


def item_text(item: dict[str, Any]) -> str:
    """The plain text of an item: a message's text parts, a tool's output; else nothing."""
    kind = item.get("type", "message")
    if kind == "message":
        content = item.get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return "".join(
                str(part.get("text") or "")
                for part in content
                if isinstance(part, dict) and part.get("type") in ("input_text", "output_text", "text")
            )
        return ""
    if kind == "function_call_output":
        output = item.get("output")
        return output if isinstance(output, str) else json.dumps(output)
    return ""


def message_item(content: str | Sequence[dict[str, Any]], role: str = "user") -> dict[str, Any]:
    """A message item as the Responses API takes it, from a text or from content parts."""
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}, not {role!r}.", code="invalid_role")
    if isinstance(content, str):
        if not content.strip():
            raise ValidationError("A message needs some text.", code="empty_message")
        part_type = "output_text" if role == "assistant" else "input_text"
        part: dict[str, Any] = {"type": part_type, "text": content}
        if role == "assistant":
            part["annotations"] = []
        parts: list[dict[str, Any]] = [part]
    else:
        parts = list(content) if isinstance(content, list | tuple) else []
        if not parts or not all(isinstance(p, dict) and isinstance(p.get("type"), str) for p in parts):
            raise ValidationError(
                "content must be a text, or a non-empty list of content parts, each a dict with a "
                '"type" ({"type": "input_text", "text": ...}, {"type": "input_image", "image_url": ...}).',
                code="invalid_content",
            )
    return {"type": "message", "role": role, "content": parts}


def new_item_row(item: dict[str, Any], *, run: Run | None = None, status: str = "completed") -> ThreadItem:
    """An unsaved ThreadItem for an item as the API shapes it (the caller gives its position)."""
    if not isinstance(item, dict) or not isinstance(item.get("type", "message"), str):
        raise ValidationError("Each item must be a dict with a string 'type'.", code="invalid_item")
    item = without_nul(item)  # PostgreSQL's jsonb cannot hold a NUL
    kind = item.get("type", "message")
    return ThreadItem(
        type=kind,
        role=str(item.get("role") or ""),
        content=item,
        text=item_text(item),
        call_id=str(item.get("call_id") or ""),
        name=str(item.get("name") or ""),
        remote_id=str(item.get("id") or "") if kind not in ("function_call_output",) else "",
        run=run,
        status=status,
    )


def _check_idle(thread_id: int) -> tuple[int, int, bool]:
    """Lock the thread row; its (item_count, remote_position); refuse if a run is active, and take
    over one that died (:func:`release_dead_run`)."""
    item_count, remote_position, archived, active = (
        Thread.objects.select_for_update()
        .filter(pk=thread_id)
        .values_list("item_count", "remote_position", "archived", "active_run_id")
        .get()
    )
    if archived:
        raise ThreadArchived(f"Thread {thread_id} is archived: unarchive it to add to it.")
    if active is not None:
        item_count = release_dead_run(thread_id, active, item_count)
        Thread.objects.filter(pk=thread_id).update(active_run=None, item_count=item_count)
    return item_count, remote_position, archived


def release_dead_run(thread_id: int, active_run_id: int, item_count: int) -> int:
    """Under the thread's row lock, before anything is added to it or run on it: raise ThreadBusy
    while its active run lives, and end as abandoned one that showed no sign of life for
    ``THREADS["RUN_STALE_SECONDS"]`` (its process died). Returns the thread's true item count: a run
    writes the count with its round's end, and one that never ended may have stored items beyond
    it (docs/assistants.md, "One run at a time")."""
    run = Run.objects.filter(pk=active_run_id).values_list("status", "updated").first()
    status, updated = run or ("", None)
    if status and status not in TERMINAL:
        stale = timezone.now() - dt.timedelta(seconds=app_settings.THREADS.RUN_STALE_SECONDS)
        if updated is not None and updated >= stale:
            raise ThreadBusy(
                f"Thread {thread_id} has a run in progress (run {active_run_id}): "
                "wait for it to end, or cancel it."
            )
        abandon_run(active_run_id)
    last = ThreadItem.objects.filter(thread_id=thread_id).aggregate(last=Max("position"))["last"]
    return max(item_count, last or 0)


def abandon_run(run_id: int) -> bool:
    """Mark a run taken for dead as failed (``abandoned``), unless it has ended meanwhile."""
    return bool(
        Run.objects.filter(pk=run_id)
        .exclude(status__in=TERMINAL)
        .update(
            status="failed",
            error={
                "code": "abandoned",
                "message": "The run showed no sign of life: its process is taken for dead.",
            },
            finished_at=timezone.now(),
        )
    )


def append_rows(thread: Thread, rows: list[ThreadItem]) -> list[ThreadItem]:
    """Store rows at the end of the thread, under its row lock; refused while a run holds it."""
    if not rows:
        return rows
    with transaction.atomic():
        return _append_locked(thread, rows)


def _append_locked(thread: Thread, rows: list[ThreadItem], **changes: Any) -> list[ThreadItem]:
    """``append_rows`` in the caller's transaction (one savepoint fewer), with more ``changes`` to
    the thread's row in the same update."""
    after, _, _ = _check_idle(thread.pk)
    for offset, row in enumerate(rows, start=1):
        row.thread_id = thread.pk
        row.position = after + offset
    ThreadItem.objects.bulk_create(rows)
    moved = Thread.objects.filter(pk=thread.pk, item_count=after).update(
        item_count=after + len(rows), updated=timezone.now(), **changes
    )
    if not moved:
        raise ThreadBusy(f"Thread {thread.pk} changed while items were being added to it.")
    thread.item_count = after + len(rows)
    for name, value in changes.items():
        setattr(thread, name, value)
    return rows


def add_message(
    thread: Thread, content: str | Sequence[dict[str, Any]], role: str = "user", *, title: str | None = None
) -> ThreadItem:
    """Add a message (a text, or content parts) to the end of the thread; it is sent with the next run.

    The thread's title is set from its first user message unless it has one (or ``title`` is given).
    """
    with transaction.atomic():
        return add_message_locked(thread, content, role, title=title)


def add_message_locked(
    thread: Thread, content: str | Sequence[dict[str, Any]], role: str = "user", *, title: str | None = None
) -> ThreadItem:
    """:func:`add_message` inside the caller's transaction, which must be open (a run that starts
    with a message: the message and the run's claim commit together, with no savepoint between)."""
    row = new_item_row(message_item(content, role))
    new_title = title if title is not None else thread.title
    if not new_title and role == "user":
        new_title = _title_from(row.text)
    changes = {"title": new_title} if new_title != thread.title else {}
    _append_locked(thread, [row], **changes)
    return row


def _title_from(text: str) -> str:
    line = " ".join(text.split())
    if len(line) <= TITLE_LENGTH:
        return line
    cut = line[: TITLE_LENGTH - 1].rsplit(" ", 1)[0]
    return cut + "…"


def add_items(thread: Thread, items: Iterable[dict[str, Any]]) -> list[ThreadItem]:
    """Add items as the Responses API shapes them (messages, function calls, outputs...), in order."""
    return append_rows(thread, [new_item_row(dict(item)) for item in items])


def thread_items(thread: Thread, limit: int | None = None) -> list[dict[str, Any]]:
    """The thread's items, oldest first; with ``limit``, the newest ``limit`` of them."""
    rows = ThreadItem.objects.filter(thread=thread)
    if limit is not None:
        if limit <= 0:
            return []
        contents = list(rows.order_by("-position").values_list("content", flat=True)[:limit])
        contents.reverse()
        return contents
    return list(rows.order_by("position").values_list("content", flat=True))


def _forget_remote_from(thread: Thread, position: int) -> dict[str, Any]:
    """The remote side holds items from ``position`` on that are gone here: start afresh next run."""
    if position > thread.remote_position:
        return {}
    return {"remote_conversation_id": "", "last_response_id": "", "remote_position": 0}


def pop_item(thread: Thread) -> dict[str, Any] | None:
    """Remove the newest item and return it (None for an empty thread)."""
    with transaction.atomic():
        count, remote_position, _ = _check_idle(thread.pk)
        if count == 0:
            return None
        row = ThreadItem.objects.filter(thread=thread, position=count).first()
        if row is None:
            return None
        row.delete()
        thread.remote_position = remote_position
        changes = {"item_count": count - 1, **_forget_remote_from(thread, count)}
        Thread.objects.filter(pk=thread.pk).update(**changes)
    for name, value in changes.items():
        setattr(thread, name, value)
    return row.content


def clear_items(thread: Thread) -> int:
    """Remove every item of the thread; the next run starts a new remote conversation."""
    with transaction.atomic():
        _check_idle(thread.pk)
        deleted, _ = ThreadItem.objects.filter(thread=thread).delete()
        changes = {
            "item_count": 0,
            "remote_conversation_id": "",
            "last_response_id": "",
            "remote_position": 0,
        }
        Thread.objects.filter(pk=thread.pk).update(**changes)
    for name, value in changes.items():
        setattr(thread, name, value)
    return deleted


def archive_thread(thread: Thread) -> Thread:
    """Archive a thread: it keeps its items, and takes no message or run until unarchived. A run
    in progress goes on to its end."""
    return _set_archived(thread, True)


def unarchive_thread(thread: Thread) -> Thread:
    return _set_archived(thread, False)


def _set_archived(thread: Thread, archived: bool) -> Thread:
    Thread.objects.filter(pk=thread.pk).update(archived=archived, updated=timezone.now())
    thread.archived = archived
    return thread


aadd_message = async_twin(add_message)
aadd_items = async_twin(add_items)
aarchive_thread = async_twin(archive_thread)
aunarchive_thread = async_twin(unarchive_thread)

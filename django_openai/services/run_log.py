"""The event log of a run, for readers who reconnect (docs/assistants.md, "Reconnecting").

The process that runs a streamed or background run writes its events to ``RunEvent`` in small
batches (each at most ``EVENT_FLUSH_SECONDS`` late; a tool's result at once), the last ones in the
same transaction as the run's end. Any process can then read them: :func:`follow_run` yields the
events after the sequence a reader saw, then the new ones as they are written (looking every
``FOLLOW_POLL_SECONDS``), until the run's final event. The database is the one store every
process of a project shares, so this works across web processes and Celery workers alike.

The events of a run are kept ``EVENT_RETENTION_SECONDS`` after its end (for a reader coming back
just after it), then deleted by the sweeper (:func:`prune_events`), so the table holds the runs
in progress and the recent ones.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Iterator

from django.db import OperationalError
from django.utils import timezone

from ..conf import app_settings
from ..models import Run, RunEvent, Thread
from ..models.runs import TERMINAL
from ._db_threads import StreamCalls
from ._run_sql import insert_events
from ._sqlite import sqlite_refused
from .events import RunCompleted, RunEventBase, RunFailed, event_from_dict

__all__ = ["EventLog", "active_run", "afollow_run", "final_event", "follow_run", "prune_events"]

#: Events read per query by a reader catching up.
READ_BATCH = 500


class EventLog:
    """The writer's side: events kept in memory and written in batches (``flush``)."""

    def __init__(self, run_id: int, *, enabled: bool) -> None:
        self.run_id = run_id
        self.enabled = enabled
        self.pending: list[RunEventBase] = []
        self.last_flush = time.monotonic()
        self.urgent = False

    def add(self, event: RunEventBase, *, urgent: bool = False) -> None:
        if self.enabled:
            self.pending.append(event)
            self.urgent = self.urgent or urgent

    def due(self) -> bool:
        if not self.pending:
            return False
        return self.urgent or time.monotonic() - self.last_flush >= app_settings.THREADS.EVENT_FLUSH_SECONDS

    def flush(self) -> None:
        """Write what is pending (the caller's transaction, if any, holds it)."""
        self.last_flush = time.monotonic()
        self.urgent = False
        if not self.pending:
            return
        rows = [(e.sequence, e.type, e.to_dict()) for e in self.pending]
        self.pending = []
        insert_events(self.run_id, rows)  # one statement: it needs no transaction of its own


def prune_events(now: dt.datetime | None = None) -> int:
    """Delete the events of runs that ended more than ``EVENT_RETENTION_SECONDS`` ago (each sweep
    does): a reader who comes back later gets the run's final event, made from the run."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=app_settings.THREADS.EVENT_RETENTION_SECONDS)
    deleted, _ = RunEvent.objects.filter(run__finished_at__lt=cutoff).delete()
    return deleted


def next_sequence(run_id: int) -> int:
    """The sequence the next event of a run takes (a worker continuing a background run)."""
    last = (
        RunEvent.objects.filter(run_id=run_id)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    return last or 0


def final_event(run: Run, sequence: int = 0) -> RunEventBase:
    """The last event of an ended run, made from its row (for a log already deleted)."""
    if run.status == "completed":
        return RunCompleted(
            sequence=sequence, run_id=run.pk, usage=run.usage, output_parsed=run.output_parsed
        )
    return RunFailed(
        sequence=sequence,
        run_id=run.pk,
        status=run.status,
        error=run.error or {"code": run.status, "message": f"The run is {run.status}."},
        usage=run.usage,
    )


FINAL_TYPES = (RunCompleted.type, RunFailed.type)


def _step(run_id: int, after: int) -> tuple[list[RunEventBase], Run | None, bool]:
    """The logged events after ``after``; and, once the run has ended and they are all read, the
    run's final event to make up (its log is gone, or was never kept) or None."""
    # The status first: a run's last events are written with its end, so an ended run's log is whole.
    run = Run.objects.filter(pk=run_id).first()
    ended = run is None or run.status in TERMINAL
    rows = RunEvent.objects.filter(run_id=run_id, sequence__gt=after).order_by("sequence")
    events = [event_from_dict(data) for data in rows.values_list("data", flat=True)[:READ_BATCH]]
    seen_end = ended and run is not None and not events
    if seen_end and RunEvent.objects.filter(run_id=run_id, type__in=FINAL_TYPES).exists():
        run = None  # the reader saw the end already
    return events, run, ended


def _step_or_wait(run_id: int, after: int) -> tuple[list[RunEventBase], Run | None, bool]:
    """:func:`_step`, or nothing new this time when SQLite says a table is locked: a reader that
    comes while the writer holds its lock (SQLite's shared cache refuses at once, rather than
    waiting) reads again at its next look, instead of failing the stream it follows."""
    try:
        return _step(run_id, after)
    except OperationalError as exc:
        if not sqlite_refused(exc, RunEvent):
            raise
        return [], None, False


def _interval(poll_interval: float | None) -> float:
    return app_settings.THREADS.FOLLOW_POLL_SECONDS if poll_interval is None else poll_interval


def follow_run(run: Run, after: int = 0, *, poll_interval: float | None = None) -> Iterator[RunEventBase]:
    """The run's events after sequence ``after``, then its new ones as they come, until its end.

    From any process. For a run whose log is gone (deleted when the thread's next run began, or
    never kept) the reader gets the final event alone, made from the run's row.
    """
    while True:
        events, row, ended = _step_or_wait(run.pk, after)
        for event in events:
            yield event
            after = event.sequence
            if event.is_final:
                return
        if ended and len(events) < READ_BATCH:
            if row is not None:
                yield final_event(row, after + 1)
            return
        if not events:
            time.sleep(_interval(poll_interval))


async def afollow_run(
    run: Run, after: int = 0, *, poll_interval: float | None = None
) -> AsyncIterator[RunEventBase]:
    """:func:`follow_run` for async code: the same events, waiting without holding a thread."""
    call = StreamCalls()  # no connection held between polls (_db_threads)
    while True:
        events, row, ended = await call(_step_or_wait, run.pk, after)
        for event in events:
            yield event
            after = event.sequence
            if event.is_final:
                return
        if ended and len(events) < READ_BATCH:
            if row is not None:
                yield final_event(row, after + 1)
            return
        if not events:
            await asyncio.sleep(_interval(poll_interval))


def active_run(thread: Thread | int) -> Run | None:
    """The thread's run in progress (whose events a reader can follow), or None."""
    thread_id = thread if isinstance(thread, int) else thread.pk
    run_id = Thread.objects.filter(pk=thread_id).values_list("active_run_id", flat=True).first()
    if run_id is None:
        return None
    return Run.objects.filter(pk=run_id).exclude(status__in=TERMINAL).first()

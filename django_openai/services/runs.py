"""Runs: ``thread.run()`` and ``thread.arun()``, cancelling, following, and background runs.

    run = thread.run()                          # the finished Run
    with thread.run(stream=True) as events:     # typed events (events.py) as they come
        for event in events: ...
    run = await thread.arun()
    async with thread.arun(stream=True) as events:
        async for event in events: ...
    run = thread.run(background=True)           # returns at once; follow it with run.follow()

How a run travels is in docs/architecture.md; what it does, in docs/assistants.md.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any, Literal, overload

from asgiref.sync import sync_to_async
from celery import current_app
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..client import BadRequestError
from ..clients import get_async_client, get_client
from ..conf import app_settings
from ..models import Assistant, AssistantVersion, Run, Thread
from ..schedules import RUN_TASK
from ..signals import run_started
from ._common import async_twin, client_for, save_remote, send_on_commit
from ._db_threads import submit_to_shared_thread
from ._run_backends import ResponsesReader, RunSettings, read_response
from ._run_drivers import CANCELLED, DISCONNECTED, adrive, drive, error_of
from ._run_job import RunJob
from ._run_sql import claim_if_unchanged, commit_without_waiting, latest_version
from ._run_tools import run_calls
from ._sqlite import patiently
from .assistants import run_settings
from .backends import resolve_backend
from .events import (
    ItemCompleted,
    ItemStarted,
    RunCompleted,
    RunEventBase,
    RunFailed,
    TextDelta,
    ToolCallDelta,
    ToolCallStarted,
)
from .polling import poll
from .run_log import active_run, afollow_run, follow_run, next_sequence
from .threads import (
    ThreadArchived,
    ThreadBusy,
    ThreadError,
    abandon_run,
    add_message_locked,
    item_text,
    release_dead_run,
)

__all__ = [
    "AsyncRun",
    "RunStream",
    "acancel_active_run",
    "acancel_run",
    "active_run",
    "afollow_remote",
    "afollow_run",
    "arefresh_run",
    "arun_thread",
    "cancel_active_run",
    "cancel_run",
    "end_dead_runs",
    "execute_run",
    "follow_remote",
    "follow_run",
    "open_stream",
    "refresh_run",
    "run_thread",
]


class NoAssistant(ThreadError):
    code = "no_assistant"


class AliasMismatch(ThreadError):
    code = "alias_mismatch"


class EmptyThread(ThreadError):
    code = "empty_thread"


# -- starting a run ----------------------------------------------------------------------------


def _version(thread: Thread, assistant: Assistant | AssistantVersion | None) -> AssistantVersion:
    if isinstance(assistant, AssistantVersion):
        return assistant
    if assistant is None:
        if thread.assistant_id is None:
            raise NoAssistant(
                f"Thread {thread.pk} has no assistant: pass one to run(), or set thread.assistant."
            )
        # The newest version of the thread's assistant, in one query.
        latest = latest_version(thread.assistant_id)
        if latest is None:
            raise NoAssistant(f"The assistant of thread {thread.pk} has no version: save it first.")
        return latest
    if not isinstance(assistant, Assistant):
        raise TypeError(
            f"assistant must be an Assistant or an AssistantVersion, not {type(assistant).__name__}"
        )
    version = latest_version(assistant.pk) if assistant.pk is not None else None
    if version is None:
        raise NoAssistant(f"Assistant {assistant} has no version: save it first.")
    return version


def _claim(thread: Thread, run: Run) -> None:
    """Make ``run`` (just inserted) the thread's one active run, or raise ThreadBusy
    (docs/assistants.md, "One run at a time").

    The common case is one compare-and-set: the thread is claimed if no run holds it and its row
    is still what this process knows of it (the values the run's request is built from). Two
    starts on one thread cannot both succeed: on PostgreSQL the second UPDATE waits for the
    first's row lock, then finds ``active_run`` set and changes nothing. Anything else (a busy,
    archived, empty or stale thread object, a run taken for dead) goes the long way, under the
    row lock: :func:`_claim_locked`.
    """
    if thread.item_count and not thread.archived and claim_if_unchanged(thread, run):
        return
    _claim_locked(thread, run)


def _claim_locked(thread: Thread, run: Run) -> None:
    """The long way to claim the thread, under its row lock: say why it cannot run, take over a
    run whose process died, and bring ``thread`` up to date with its row."""
    row = Thread.objects.select_for_update().get(pk=thread.pk)
    if row.archived:
        raise ThreadArchived(f"Thread {thread.pk} is archived: unarchive it to run it.")
    if row.item_count == 0:
        raise EmptyThread(f"Thread {thread.pk} has no items: add a message before running it.")
    if row.client_alias and row.client_alias != run.client_alias:
        raise AliasMismatch(_alias_mismatch(thread.pk, row.client_alias, run.client_alias))
    previous = row.active_run_id
    if previous is not None:
        row.item_count = release_dead_run(thread.pk, previous, row.item_count)
    # This process's thread object was behind its row: the run keeps to the row (the backend its
    # first run fixed, its owner now).
    fixed = {"backend": row.backend or run.backend, "owner_id": row.owner_id}
    if any(getattr(run, name) != value for name, value in fixed.items()):
        for name, value in fixed.items():
            setattr(run, name, value)
        Run.objects.filter(pk=run.pk).update(**fixed)
    claimed = Thread.objects.filter(pk=thread.pk, active_run_id=previous).update(
        active_run=run, client_alias=run.client_alias, backend=run.backend, item_count=row.item_count
    )
    if not claimed:
        raise ThreadBusy(f"Thread {thread.pk} has a run in progress: another run started first.")
    for name in (
        "item_count",
        "remote_position",
        "remote_conversation_id",
        "last_response_id",
        "owner_id",
        "archived",
    ):
        setattr(thread, name, getattr(row, name))


def _alias_mismatch(pk: int, thread_alias: str, alias: str) -> str:
    return (
        f"Thread {pk} talks to client {thread_alias!r}; its assistant here uses "
        f"{alias!r}. Its conversation lives with that provider: start a new thread for this assistant."
    )


def prepare_run(
    thread: Thread,
    assistant: Assistant | AssistantVersion | None = None,
    *,
    stream: bool = False,
    background: bool = False,
    overrides: dict[str, Any] | None = None,
    message: str | None = None,
) -> RunJob:
    """Check everything, then create the run and claim the thread, in one transaction: a bad
    request leaves nothing. The owner is not loaded: a tool that asks for it loads it.

    ``message``: a user message added to the thread first, in the same transaction (a refused run
    leaves no message behind)."""
    overrides = dict(overrides or {})
    version = _version(thread, assistant)
    settings = run_settings(version.snapshot, overrides)
    alias = str(version.snapshot.get("client_alias") or "default")
    if thread.client_alias and thread.client_alias != alias:
        raise AliasMismatch(_alias_mismatch(thread.pk, thread.client_alias, alias))
    backend = thread.backend or resolve_backend(alias)
    log = (stream or background) and app_settings.THREADS.EVENT_LOG
    run = Run(
        thread=thread,
        assistant_version=version,
        client_alias=alias,
        backend=backend,
        model=settings.model,
        background=background,
        stream=stream,
        overrides=overrides,
        owner_id=thread.owner_id,
        status="queued" if background else "in_progress",
        started_at=timezone.now(),
    )
    # A transaction of the run's own (not nested in the caller's, whose commit keeps its settings).
    own = not transaction.get_connection().in_atomic_block
    with transaction.atomic():
        if own:
            commit_without_waiting()  # the claim's commit is between the run and its request
        if message is not None:
            add_message_locked(thread, message)
        run.save()
        _claim(thread, run)
        thread.active_run_id = run.pk
        thread.client_alias, thread.backend = alias, run.backend
        job = RunJob(run, thread, settings, log=log)
        # run.started is written once the request is out, while the model thinks (_run_drivers).
        job.announce()
        send_on_commit(run_started, run)
    return job


def _end_unread(job: RunJob) -> None:
    if job.done:
        return

    def attempt() -> None:
        job.done = False  # set inside the transaction: a commit refused leaves it set
        job.interrupt("incomplete", DISCONNECTED)

    patiently(Run, attempt)  # one transaction, rolled back whole when refused


def _guard_unread(stream: object, job: RunJob) -> weakref.finalize[Any, Any]:
    """A stream dropped before its first read ends its run as a reader who left would, so that the
    thread is free at once rather than once the run is taken for dead. It happens when the client
    leaves while the view runs: Django drops the response the view returns (docs/streaming-views.md,
    "Disconnects"). The run is ended in a shared database thread: a finalizer can run inside any
    code, and any transaction."""
    guard = weakref.finalize(stream, submit_to_shared_thread, _end_unread, job)
    guard.atexit = False
    return guard


class RunStream:
    """What ``thread.run(stream=True)`` returns: an iterator of the run's events, and a context
    manager. Leaving the ``with`` block (or closing it) before the end stops the run: the
    upstream response is closed at once and what arrived is kept (the run ends incomplete).
    ``run`` is the Run, up to date once the events are read."""

    def __init__(self, run: Run, events: Iterator[RunEventBase], job: RunJob | None = None) -> None:
        self.run = run
        self._events = events
        self._job = job
        self._started = False
        self._unread = _guard_unread(self, job) if job is not None else None

    def __iter__(self) -> Iterator[RunEventBase]:
        return self

    def __next__(self) -> RunEventBase:
        if not self._started:
            self._reading()
        return next(self._events)

    def _reading(self) -> None:
        self._started = True
        if self._unread is not None:
            self._unread.detach()

    def close(self) -> None:
        if self._unread is not None:
            self._unread.detach()
        if self._started:
            close = getattr(self._events, "close", None)
            if close is not None:
                close()
        elif self._job is not None and not self._job.done:
            self._job.interrupt("incomplete", DISCONNECTED)  # never read: the run did not begin
        self._started = True

    def until_done(self) -> Run:
        """Read every event; the finished run."""
        for _ in self:
            pass
        return self.run

    def __enter__(self) -> RunStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@overload
def run_thread(
    thread: Thread,
    assistant: Assistant | AssistantVersion | None = None,
    *,
    stream: Literal[False] = False,
    background: bool = False,
    **overrides: Any,
) -> Run: ...
@overload
def run_thread(
    thread: Thread,
    assistant: Assistant | AssistantVersion | None = None,
    *,
    stream: Literal[True],
    background: bool = False,
    **overrides: Any,
) -> RunStream: ...
def run_thread(
    thread: Thread,
    assistant: Assistant | AssistantVersion | None = None,
    *,
    stream: bool = False,
    background: bool = False,
    **overrides: Any,
) -> Run | RunStream:
    """Run the thread with its assistant (or ``assistant``): the model answers the items added
    since the last run, calling tools as it needs.

    ``stream=False``: the finished Run (a failure is a Run with status "failed" and its
    ``error``). ``stream=True``: a :class:`RunStream` of the run's events. ``background=True``:
    the Run, queued; it goes on without this process (polled on the responses backend, run by a
    Celery worker on the chat backend); with ``stream=True`` too, the stream follows it, and
    closing the stream leaves it running. ``overrides`` replace the assistant's settings for this
    run (``model``, ``instructions``, ``temperature``...) or add request parameters
    (``tool_choice``, ``metadata``...).

    Raises before anything is written when the run cannot start: ThreadBusy (a run is in
    progress), ThreadArchived, NoAssistant, AliasMismatch, EmptyThread, ToolNotFound, or a
    ValidationError for a bad override or response format.
    """
    job = prepare_run(thread, assistant, stream=stream, background=background, overrides=overrides)
    if background:
        run = start_background(job)
        return RunStream(run, follow_run(run)) if stream else run
    events = drive(job, get_client(job.run.client_alias))
    if stream:
        return RunStream(job.run, events, job)
    for _ in events:
        pass
    return job.run


class AsyncRun:
    """What ``thread.arun(...)`` returns: ``await`` it for the finished Run, or (``stream=True``)
    ``async with`` / ``async for`` it for the events. The run starts there, not before: errors
    that stop it from starting (ThreadBusy...) are raised by the ``await`` or the ``async with``."""

    def __init__(
        self,
        thread: Thread,
        assistant: Assistant | AssistantVersion | None,
        *,
        stream: bool,
        background: bool,
        overrides: dict[str, Any],
    ) -> None:
        self.thread = thread
        self.assistant = assistant
        self.overrides = overrides
        self.stream = stream
        self.background = background
        self.run: Run | None = None
        self._job: RunJob | None = None
        self._events: AsyncIterator[RunEventBase] | None = None
        self._started = False
        self._unread: weakref.finalize[Any, Any] | None = None  # open_stream's: _guard_unread

    async def _start(self) -> None:
        job = await self._prepare()
        self._job, self.run = job, job.run
        if self.background:
            await sync_to_async(start_background)(job)
            self._events = afollow_run(job.run)
        else:
            self._events = adrive(job, get_async_client(job.run.client_alias))

    async def _prepare(self) -> RunJob:
        return await sync_to_async(prepare_run)(
            self.thread,
            self.assistant,
            stream=self.stream,
            background=self.background,
            overrides=self.overrides,
        )

    def __await__(self) -> Generator[Any, None, Run]:
        return self._until_done().__await__()

    async def _until_done(self) -> Run:
        if self.stream:
            raise TypeError("A streamed run is read with 'async with' or 'async for', not awaited.")
        if self.background:
            job = await self._prepare()
            return await sync_to_async(start_background)(job)
        async with self as events:
            async for _ in events:
                pass
        assert self.run is not None
        return self.run

    async def __aenter__(self) -> AsyncRun:
        if self._events is None:
            await self._start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __aiter__(self) -> AsyncRun:
        return self

    async def __anext__(self) -> RunEventBase:
        if self._events is None:
            await self._start()
        assert self._events is not None
        if not self._started:
            self._started = True
            if self._unread is not None:
                self._unread.detach()
        return await self._events.__anext__()

    async def aclose(self) -> None:
        """Stop reading: a run in the foreground stops (its upstream closed, what came kept)."""
        events = self._events
        if events is None:
            return
        if self._unread is not None:
            self._unread.detach()
        if self._started:
            await events.aclose()  # type: ignore[attr-defined]
        elif self._job is not None and not self._job.done and not self.background:
            await sync_to_async(self._job.interrupt)("incomplete", DISCONNECTED)
        self._started = True


def arun_thread(
    thread: Thread,
    assistant: Assistant | AssistantVersion | None = None,
    *,
    stream: bool = False,
    background: bool = False,
    **overrides: Any,
) -> AsyncRun:
    """:func:`run_thread` for async code: ``await thread.arun()`` is the finished Run;
    ``async with thread.arun(stream=True) as events`` streams on the async client, holding no
    thread while it waits (docs/architecture.md, "Sync and async")."""
    return AsyncRun(thread, assistant, stream=stream, background=background, overrides=overrides)


def open_stream(
    thread: Thread,
    assistant: Assistant | AssistantVersion | None = None,
    *,
    asynchronous: bool,
    message: str | None = None,
    **overrides: Any,
) -> RunStream | AsyncRun:
    """Start a streamed run from sync code and return its events: a :class:`RunStream`, or with
    ``asynchronous`` an :class:`AsyncRun` already started, to be read on the server's event loop
    (a sync view under ASGI). The run is checked and claimed here, so that what stops it from
    starting (ThreadBusy...) is raised here too, in the caller's transaction, and not once the
    response has begun. ``message``: the user's message the run answers, added in the run's
    transaction (the caller's, or the run's own: one commit for both, and on PostgreSQL one that
    does not wait for the disk, as the claim's; a refused run leaves no message)."""
    job = prepare_run(thread, assistant, stream=True, overrides=overrides, message=message)
    if not asynchronous:
        try:
            client = get_client(job.run.client_alias)
        except Exception as exc:  # the run is claimed and committed: end it, or it holds the thread
            job.interrupt("failed", error_of(exc))
            raise
        return RunStream(job.run, drive(job, client), job)
    events = AsyncRun(thread, assistant, stream=True, background=False, overrides=overrides)
    events._job, events.run = job, job.run
    events._events = _adrive_on_loop(job)
    events._unread = _guard_unread(events, job)
    return events


async def _adrive_on_loop(job: RunJob) -> AsyncIterator[RunEventBase]:
    """``adrive`` with the async client of the loop that reads it (clients are per event loop)."""
    events = adrive(job, get_async_client(job.run.client_alias))
    try:
        async for event in events:
            yield event
    finally:
        await events.aclose()  # type: ignore[attr-defined]


# -- runs whose process died ------------------------------------------------------------------


def end_dead_runs(limit: int = 500) -> int:
    """Mark failed (``abandoned``) the runs in progress that showed no sign of life for
    ``THREADS["RUN_STALE_SECONDS"]``, and free their threads: what the next run on the thread
    would do, done by the sweeper so that the admin and the API do not show them in progress for
    good. Background runs on the responses backend are left to the provider, whose poll ends them.
    Returns how many were ended."""
    stale = timezone.now() - dt.timedelta(seconds=app_settings.THREADS.RUN_STALE_SECONDS)
    dead = list(
        Run.objects.filter(status="in_progress", updated__lt=stale)
        .exclude(background=True, backend="responses")
        .values_list("pk", "thread_id")[:limit]
    )
    ended = 0
    for pk, thread_id in dead:
        with transaction.atomic():
            held = Thread.objects.select_for_update().filter(pk=thread_id, active_run_id=pk)
            item_count = held.values_list("item_count", flat=True).first()
            if item_count is None:  # the thread is free, or another run holds it
                ended += abandon_run(pk)
                continue
            try:
                count = release_dead_run(thread_id, pk, item_count)
            except ThreadBusy:  # it showed life since
                continue
            Thread.objects.filter(pk=thread_id).update(active_run=None, item_count=count)
            ended += 1
    return ended


# -- background runs ---------------------------------------------------------------------------


def start_background(job: RunJob) -> Run:
    """Hand a claimed run to whatever carries it on: the provider (responses), or a worker (chat)."""
    run = job.run
    if run.backend == "responses":
        request = job.next_request()
        assert request is not None
        path, body = request
        try:
            remote = client_for(run.client_alias).request("POST", path, body=body)
        except Exception as exc:
            job.in_flight = False
            job.interrupt("failed", error_of(exc))
            return run
        with transaction.atomic():
            run.openai_id = remote["id"]
            save_remote(run, remote)
            run.next_poll_at = timezone.now()  # the next sweep looks at it
            run.save(update_fields=["next_poll_at", "rounds"])
            job.log.flush()
        return run
    with transaction.atomic():
        job.log.flush()
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(pk: int) -> None:
    current_app.tasks[RUN_TASK].delay(pk)


def resume_job(run: Run) -> RunJob:
    """A job to carry on a run that a process before this one started (a worker, a poll)."""
    thread = Thread.objects.select_related("owner").get(pk=run.thread_id)
    version = run.assistant_version
    if version is None:
        raise ValidationError(
            "The run's assistant was deleted before the run could go on.", code="assistant_deleted"
        )
    settings = run_settings(version.snapshot, run.overrides)
    return RunJob(run, thread, settings, log=app_settings.THREADS.EVENT_LOG, sequence=next_sequence(run.pk))


def _ending_job(run: Run) -> RunJob:
    """A job that can only end the run (its assistant or tools are gone)."""
    thread = Thread.objects.get(pk=run.thread_id)
    return RunJob(
        run,
        thread,
        RunSettings(model=run.model),
        log=app_settings.THREADS.EVENT_LOG,
        sequence=next_sequence(run.pk),
    )


def execute_run(pk: int) -> Run | None:
    """The worker's part of a background run on the chat backend (the ``execute_run`` task)."""
    if not Run.objects.filter(pk=pk, status="queued").update(status="in_progress", updated=timezone.now()):
        return None  # cancelled before it began, or already taken
    run = Run.objects.select_related("assistant_version").get(pk=pk)
    try:
        job = resume_job(run)
    except Exception as exc:
        _ending_job(run).interrupt("failed", _error(exc))
        return run
    for _ in drive(job, get_client(run.client_alias)):
        pass
    return run


def _error(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, ValidationError):
        return {"code": exc.code or "invalid", "message": " ".join(exc.messages)}
    return error_of(exc)


def after_background_poll(run: Run) -> None:
    """After each poll of a background run (its kind's ``after_poll``): a round that asked for
    tools is carried on here, in the worker that polled it: the calls are stored and run, their
    outputs sent in a new background response, which the sweeper polls in turn."""
    if not run.background or run.backend != "responses" or run.status != "requires_action":
        return
    # Claimed once: a second poll of the same round (a webhook, a retried task) finds it taken.
    if not Run.objects.filter(pk=run.pk, status="requires_action", openai_id=run.openai_id).update(
        status="in_progress", updated=timezone.now()
    ):
        return
    run.status = "in_progress"
    try:
        job = resume_job(run)
    except Exception as exc:
        _ending_job(run).interrupt("failed", _error(exc))
        return
    job.in_flight = True
    read_response(job, {**run.data, "status": "completed"})
    job.end_round()
    if job.calls:
        job.tools_done(run_calls(job.calls, job.tool_context))
    if job.done:
        return
    request = job.next_request()
    assert request is not None
    path, body = request
    try:
        remote = client_for(run.client_alias).request("POST", path, body=body)
    except Exception as exc:
        job.in_flight = False
        job.interrupt("failed", error_of(exc))
        return
    with transaction.atomic():
        # A new response, a new mirror: the run's status starts again from the new one's.
        run.openai_id = remote["id"]
        run.status = ""
        save_remote(run, remote)
        run.next_poll_at = timezone.now()
        run.save(update_fields=["next_poll_at", "rounds", "openai_id"])
        job.log.flush()


def background_round_ended(run: Run) -> None:
    """A background run's response reached its end (the kind's ``on_terminal``, in the poll's
    transaction): its output is stored and the run ends with it."""
    if not run.background or run.backend != "responses":
        return
    try:
        job = resume_job(run)
    except Exception as exc:
        _ending_job(run).interrupt("failed", _error(exc))
        return
    job.in_flight = True
    read_response(job, run.data)
    job.end_round()


# -- resuming from the provider ----------------------------------------------------------------


class _Relay:
    """A stream reader's sink that stores nothing: it turns the provider's events into ours,
    numbered by the provider's ``sequence_number`` (the poller stores the items)."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.sequence = 0
        self.events: list[RunEventBase] = []
        self.calls: dict[str, str] = {}
        self.has_calls = False

    def _emit(self, cls: type[RunEventBase], **fields: Any) -> None:
        self.events.append(cls(sequence=self.sequence, run_id=self.run.pk, **fields))

    def item_started(self, item_id: str, item_type: str, role: str = "") -> None:
        self._emit(ItemStarted, item_id=item_id, item_type=item_type, role=role)

    def text_delta(self, item_id: str, delta: str) -> None:
        self._emit(TextDelta, item_id=item_id, delta=delta)

    def call_started(self, item_id: str, call_id: str, name: str) -> None:
        self.calls[item_id] = call_id
        self._emit(ToolCallStarted, item_id=item_id, call_id=call_id, name=name)

    def call_delta(self, item_id: str, delta: str) -> None:
        self._emit(ToolCallDelta, item_id=item_id, call_id=self.calls.get(item_id, ""), delta=delta)

    def item_done(self, item: dict[str, Any], status: str = "completed") -> None:
        self.has_calls = self.has_calls or item.get("type") == "function_call"
        self._emit(
            ItemCompleted,
            item_id=str(item.get("id") or ""),
            item_type=str(item.get("type") or ""),
            role=str(item.get("role") or ""),
            status=status,
            text=item_text(item),
            item=item,
        )

    def response_started(self, response_id: str) -> None:
        pass

    def round_ended(self, status: str, usage: dict[str, int], error: dict[str, Any] | None) -> None:
        if status == "completed" and self.has_calls:
            return  # the run goes on in a new response: follow that one (or run.follow())
        if status == "completed":
            self._emit(RunCompleted, usage=usage)
        else:
            self._emit(RunFailed, status=status, error=error or {}, usage=usage)


def _remote_stream_request(run: Run, starting_after: int | None) -> tuple[str, dict[str, Any]]:
    if not (run.background and run.backend == "responses" and run.openai_id):
        raise ValueError("Only a background run on the responses backend can be resumed from the provider.")
    query: dict[str, Any] = {"stream": "true"}
    if starting_after is not None:
        query["starting_after"] = starting_after
    return f"/responses/{run.openai_id}", query


def follow_remote(run: Run, starting_after: int | None = None) -> Iterator[RunEventBase]:
    """The events of a background run's current response, streamed by the provider
    (``GET /responses/{id}?stream=true&starting_after=N``): text deltas included, each numbered
    by the provider's ``sequence_number``, so that ``starting_after=event.sequence`` resumes.
    Nothing is stored here (the sweeper does that); a response that asks for tools ends without
    a final event, since the run goes on in a new one (``run.refresh()`` shows which)."""
    path, query = _remote_stream_request(run, starting_after)
    relay = _Relay(run)
    reader = ResponsesReader(relay)
    with client_for(run.client_alias).request("GET", path, query=query, stream=True) as upstream:
        for event in upstream:
            relay.sequence = int(event.get("sequence_number") or 0)
            reader.feed(event)
            yield from relay.events
            relay.events.clear()


async def afollow_remote(run: Run, starting_after: int | None = None) -> AsyncIterator[RunEventBase]:
    """:func:`follow_remote` on the async client."""
    path, query = _remote_stream_request(run, starting_after)
    relay = _Relay(run)
    reader = ResponsesReader(relay)
    upstream = await get_async_client(run.client_alias).request("GET", path, query=query, stream=True)
    async with upstream:
        async for event in upstream:
            relay.sequence = int(event.get("sequence_number") or 0)
            reader.feed(event)
            for relayed in relay.events:
                yield relayed
            relay.events.clear()


# -- cancelling, refreshing --------------------------------------------------------------------


def cancel_run(run: Run) -> Run:
    """Cancel a run that has not ended: a background response is cancelled at the provider; a
    queued background run never starts; a run that another process is streaming stops at its
    next check (``THREADS["CANCEL_CHECK_SECONDS"]``, or its next event write), keeping what came."""
    run.refresh_from_db()
    if run.is_terminal:
        return run
    if run.background and run.backend == "responses" and run.openai_id:
        try:
            remote = client_for(run.client_alias).responses.cancel(run.openai_id).to_dict()
        except BadRequestError:
            return refresh_run(run)  # it ended meanwhile: the poll stores how
        with transaction.atomic():
            locked = Run.objects.select_for_update().get(pk=run.pk)
            change = save_remote(locked, remote)
            if change is not None and locked.is_terminal:
                background_round_ended(locked)
        run.refresh_from_db()
        return run
    with transaction.atomic():
        if Run.objects.filter(pk=run.pk, status="queued").update(status="in_progress"):
            run.status = "in_progress"
            _ending_job(run).interrupt("cancelled", CANCELLED)
        else:
            Run.objects.filter(pk=run.pk).update(cancel_requested_at=timezone.now())
    run.refresh_from_db()
    return run


def refresh_run(run: Run) -> Run:
    """The run as it is now (a background response is polled first)."""
    if run.background and run.backend == "responses" and run.openai_id and not run.is_terminal:
        poll(Run, run.pk)
    run.refresh_from_db()
    return run


def cancel_active_run(thread: Thread) -> Run:
    """Cancel the thread's run in progress (:func:`cancel_run`); ValidationError when there is none."""
    run = active_run(thread)
    if run is None:
        raise ValidationError(f"Thread {thread.pk} has no run in progress.", code="no_active_run")
    return cancel_run(run)


acancel_run = async_twin(cancel_run)
acancel_active_run = async_twin(cancel_active_run)
arefresh_run = async_twin(refresh_run)

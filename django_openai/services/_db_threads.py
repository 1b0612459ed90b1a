"""Where the database work of a stream read by async code runs, so that an open stream holds no
database connection while it waits for the model.

Under ASGI, Django runs each request's sync code in a thread of the request's own, whose
connection stays open until the request ends. A streamed run that did its writes there (the event
log every ``EVENT_FLUSH_SECONDS``, the round's end) held that connection for the whole answer: as
many connections as open streams, and past the database's limit (PostgreSQL's
``max_connections``, 100 by default) the next request failed with "too many clients".

So a stream's first call (the round's request, read right after the run was claimed) still runs
in the caller's thread, which can see everything the caller wrote, committed or not. If that
thread is then outside any transaction, its connections are closed and the stream's later calls
go to a few shared threads (``THREADS["STREAM_DB_THREADS"]``), each keeping its connection from
one call to the next: however many streams are open, they use that many connections. A caller
still inside a transaction (a test's, or an ``atomic`` around the whole stream) keeps the stream
in its own thread, the only one that sees that transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.db import connections

from ..conf import app_settings

__all__ = ["StreamCalls", "run_in_shared_thread", "stop_shared_threads", "submit_to_shared_thread"]

logger = logging.getLogger("django_openai.streaming")

R = TypeVar("R")

#: Seconds without work after which a shared thread closes its connections.
IDLE_SECONDS = 10.0

# (future, its loop) or (None, None) for work nobody waits for; the context; the call.
_Task = tuple[
    asyncio.Future[Any] | None,
    asyncio.AbstractEventLoop | None,
    contextvars.Context,
    Callable[..., Any],
    tuple[Any, ...],
]

_lock = threading.Lock()
_tasks: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
_threads: list[threading.Thread] = []
_generation = 0  # the threads' generation: each stop begins a new one


def _tidy_connections() -> None:
    """Before a call: drop a connection that is broken or past ``CONN_MAX_AGE``. With
    ``CONN_MAX_AGE = 0`` (closed at the end of each request) the thread keeps it between calls:
    there is no request here, and a new connection per write would cost more than the write."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is None:
            continue
        if conn.settings_dict.get("CONN_MAX_AGE") == 0:
            conn.close_at = None
        conn.close_if_unusable_or_obsolete()


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _serve(generation: int) -> None:
    """Serve tasks until ``stop_shared_threads`` ends this thread's generation. A thread still busy
    when its generation ended (a stop does not wait for it for long) takes no task after the one
    in hand, and a stop's wake-up (None) left in the queue does not end a later thread."""
    while True:
        try:
            task = _tasks.get(timeout=IDLE_SECONDS)
        except queue.Empty:
            connections.close_all()  # idle: give the database its connections back
            if generation != _generation:
                return
            continue
        if generation != _generation:
            if task is not None:
                _tasks.put(task)  # for a thread of the current generation
            connections.close_all()
            return
        if task is None:
            continue  # a wake-up meant for a thread that had already stopped
        future, loop, context, function, args = task
        _tidy_connections()
        result, error = None, None
        try:
            result = context.run(function, *args)
        except BaseException as exc:  # handed to the awaiting task, as sync_to_async does
            error = exc
        if future is None or loop is None:
            if error is not None:
                logger.error("Work in a shared database thread failed", exc_info=error)
        else:
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits for this any more
                loop.call_soon_threadsafe(_settle, future, result, error)
        del task, future, result, error


def _ensure_threads() -> None:
    """Start the shared threads if there are fewer alive than ``STREAM_DB_THREADS``."""
    wanted = max(1, app_settings.THREADS.STREAM_DB_THREADS)
    if len(_threads) >= wanted and all(thread.is_alive() for thread in _threads):
        return
    with _lock:
        _threads[:] = [thread for thread in _threads if thread.is_alive()]
        while len(_threads) < wanted:
            thread = threading.Thread(
                target=_serve, args=(_generation,), name=f"django-openai-db-{len(_threads)}", daemon=True
            )
            thread.start()
            _threads.append(thread)


async def run_in_shared_thread(function: Callable[..., R], *args: Any) -> R:
    """``function(*args)`` in one of the shared threads, with the caller's context variables."""
    _ensure_threads()
    loop = asyncio.get_running_loop()
    future: asyncio.Future[R] = loop.create_future()
    _tasks.put((future, loop, contextvars.copy_context(), function, args))
    return await future


def submit_to_shared_thread(function: Callable[..., Any], *args: Any) -> None:
    """``function(*args)`` in one of the shared threads, from any thread, waited for by nobody (a
    failure is logged): for work that must not run where it is found, such as a database write
    asked for by a finalizer, which may run inside anyone's code or transaction."""
    _ensure_threads()
    _tasks.put((None, None, contextvars.copy_context(), function, args))


def stop_shared_threads() -> None:
    """Stop the shared threads, each closing its connections (a test database is then free to be
    dropped); the next stream starts them again, of a new generation."""
    global _generation
    with _lock:
        _generation += 1
        threads, _threads[:] = list(_threads), []
        for _ in threads:
            _tasks.put(None)  # a wake-up: each sees its generation ended
    for thread in threads:
        thread.join(timeout=10)


class StreamCalls:
    """The sync calls of one stream, made from async code: the first in the caller's thread
    (``sync_to_async``), then, once the caller is outside any transaction, in the shared threads."""

    def __init__(self) -> None:
        self.shared: bool | None = None  # None until the first call decides

    async def __call__(self, function: Callable[..., R], *args: Any) -> R:
        if self.shared:
            return await run_in_shared_thread(function, *args)
        if self.shared is None:
            result, self.shared = await sync_to_async(_first_call)(function, *args)
            return result
        return await sync_to_async(function)(*args)


def _first_call(function: Callable[..., Any], *args: Any) -> tuple[Any, bool]:
    result = function(*args)
    opened = connections.all(initialized_only=True)
    if any(conn.in_atomic_block for conn in opened):
        return result, False
    for conn in opened:
        conn.close()  # the request's thread keeps no connection while the stream goes on
    return result, True

"""The statements that start a run, and the one that writes its event log, each written once as SQL.

Before its request goes out, a run reads its assistant's newest version, claims its thread and
reads the items to send; while it streams, it appends to its event log.
Through the ORM each of these statements was compiled anew on every run, and that compiling was
most of the CPU time a thread added to the time to first token (BENCHMARKS.md, "A streamed run
through a thread"). Here each is a string made once per process and database, from the models'
own table and column names, and run with new parameters. They are plain SQL (``LIMIT``,
comparisons), the same on every database the app supports.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from ..models import AssistantVersion, Run, RunEvent, Thread, ThreadItem
from ._nul import without_nul
from ._sqlite import patiently


def _columns(model: type[Any], connection: BaseDatabaseWrapper, *names: str) -> list[str]:
    quote = connection.ops.quote_name
    return [quote(model._meta.get_field(name).column) for name in names]


#: The fields of a version a run reads (``created`` is left to load if asked for).
_VERSION_FIELDS = ("id", "assistant_id", "number", "snapshot")


@functools.cache
def _latest_version_sql(alias: str) -> str:
    connection = connections[alias]
    columns = _columns(AssistantVersion, connection, *_VERSION_FIELDS)
    assistant, number = _columns(AssistantVersion, connection, "assistant", "number")
    table = connection.ops.quote_name(AssistantVersion._meta.db_table)
    return f"SELECT {', '.join(columns)} FROM {table} WHERE {assistant} = %s ORDER BY {number} DESC LIMIT 1"


def latest_version(assistant_id: int) -> AssistantVersion | None:
    """The newest version of an assistant, or None."""
    alias = router.db_for_read(AssistantVersion)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(_latest_version_sql(alias), [assistant_id])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, assistant, number, snapshot = row
    if isinstance(snapshot, str | bytes):  # JSON comes back as text (as the ORM asks PostgreSQL to)
        snapshot = json.loads(snapshot, cls=AssistantVersion._meta.get_field("snapshot").decoder)
    return AssistantVersion.from_db(alias, list(_VERSION_FIELDS), [pk, assistant, number, snapshot])


@functools.cache
def _items_sql(alias: str) -> str:
    connection = connections[alias]
    content, thread, position = _columns(ThreadItem, connection, "content", "thread", "position")
    table = connection.ops.quote_name(ThreadItem._meta.db_table)
    return f"SELECT {content} FROM {table} WHERE {thread} = %s AND {position} > %s ORDER BY {position}"


def item_contents(thread_id: int, after: int = 0) -> list[dict[str, Any]]:
    """The items of a thread after position ``after``, in order, as the API shapes them."""
    alias = router.db_for_read(ThreadItem)
    decoder = ThreadItem._meta.get_field("content").decoder
    with connections[alias].cursor() as cursor:
        cursor.execute(_items_sql(alias), [thread_id, after])
        rows = cursor.fetchall()
    return [json.loads(value, cls=decoder) if isinstance(value, str | bytes) else value for (value,) in rows]


#: The thread's columns the run's request is built from: the claim succeeds only if the row still
#: holds what this process knows, so that the run never works from a stale copy.
_KNOWN = (
    "item_count",
    "remote_position",
    "remote_conversation_id",
    "last_response_id",
    "client_alias",
    "backend",
)


@functools.cache
def _claim_sql(alias: str, owner_is_null: bool) -> str:
    connection = connections[alias]
    quote = connection.ops.quote_name
    pk, active, archived, owner, alias_column, backend = _columns(
        Thread, connection, "id", "active_run", "archived", "owner", "client_alias", "backend"
    )
    known = " AND ".join(f"{column} = %s" for column in _columns(Thread, connection, *_KNOWN))
    owner_test = f"{owner} IS NULL" if owner_is_null else f"{owner} = %s"
    return (
        f"UPDATE {quote(Thread._meta.db_table)} SET {active} = %s, {alias_column} = %s, {backend} = %s "
        f"WHERE {pk} = %s AND {active} IS NULL AND {archived} = %s AND {known} AND {owner_test}"
    )


def claim_if_unchanged(thread: Thread, run: Run) -> bool:
    """Make ``run`` the thread's active run in one compare-and-set, if no run holds the thread and
    its row still holds what ``thread`` says; whether it did."""
    alias = router.db_for_write(Thread)
    params: list[Any] = [run.pk, run.client_alias, run.backend, thread.pk, False]
    params += [getattr(thread, name) for name in _KNOWN]
    if thread.owner_id is not None:
        params.append(thread.owner_id)
    with connections[alias].cursor() as cursor:
        cursor.execute(_claim_sql(alias, thread.owner_id is None), params)
        return cursor.rowcount == 1


def commit_without_waiting() -> None:
    """On PostgreSQL, let the current transaction's commit return before its record reaches the
    disk (``synchronous_commit`` off, for this transaction alone). Only for a transaction of the
    run's own: in a caller's transaction it would hold for the caller's writes too.

    For a run's claim: the commit stands between the claim and the request, and on a busy server
    waiting for the disk is most of its time. Other sessions see the claim at once all the same;
    what is given up is only that a crash of the database server in the next instant may forget
    the claim (and the message a streaming view added with it), when the run's connection, and so
    the run, are lost too; the run's next write, committed as usual, makes both durable.
    """
    alias = router.db_for_write(Thread)
    connection = connections[alias]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


#: Rows per INSERT of the event log: 500 parameters, under every database's limit (SQLite's
#: oldest is 999); a longer flush (a proxy that released a whole answer at once) takes several.
EVENTS_PER_INSERT = 100


@functools.cache
def _events_sql(alias: str, count: int) -> str:
    connection = connections[alias]
    columns = _columns(RunEvent, connection, "run", "sequence", "type", "data", "created")
    table = connection.ops.quote_name(RunEvent._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * count)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}"


def insert_events(run_id: int, events: list[tuple[int, str, dict[str, Any]]]) -> None:
    """Append ``(sequence, type, data)`` rows to a run's event log: one statement for up to
    ``EVENTS_PER_INSERT`` rows (a flush is a few), more only for a longer flush.

    The event log is written every ``EVENT_FLUSH_SECONDS`` of every stream: through the ORM
    (model instances, ``bulk_create``'s per-field preparation) each write cost several times the
    statement itself. Plain ``INSERT``s, their values adapted as the ORM adapts them.
    """
    alias = router.db_for_write(RunEvent)
    connection = connections[alias]
    encoder = RunEvent._meta.get_field("data").encoder
    created = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for start in range(0, len(events), EVENTS_PER_INSERT):
            batch = events[start : start + EVENTS_PER_INSERT]
            params: list[Any] = []
            for sequence, kind, data in batch:
                data = without_nul(data)  # a model's NUL: PostgreSQL's jsonb would refuse the row
                params += [run_id, sequence, kind, connection.ops.adapt_json_value(data, encoder), created]
            sql = _events_sql(alias, len(batch))
            patiently(RunEvent, lambda: cursor.execute(sql, params))  # noqa: B023 - called at once

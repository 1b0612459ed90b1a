"""SQLite's shared cache (the in-memory test database's) refuses a connection at once, with
"database table is locked", when another holds the table, instead of waiting as a file database
does: the writes that other threads make while a reader polls are tried again a moment later."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import OperationalError, connections, router

T = TypeVar("T")


def sqlite_refused(exc: Exception, model: type[Any]) -> bool:
    """Whether ``exc`` is SQLite saying a table of ``model`` is locked: its shared cache (the test
    database's) refuses at once, instead of waiting, a connection that comes while another holds
    the lock. Worth another try a moment later; anything else is not."""
    alias = router.db_for_write(model)
    return connections[alias].vendor == "sqlite" and "locked" in str(exc)


def patiently(model: type[Any], function: Callable[[], T], *, seconds: float = 5.0) -> T:
    """``function()``, tried again while SQLite refuses a table of ``model`` (``sqlite_refused``),
    for up to ``seconds``; any other error, or the last refusal, is raised. Only for work that a
    refusal leaves undone: a statement, or a transaction rolled back whole."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return function()
        except OperationalError as exc:
            if time.monotonic() >= deadline or not sqlite_refused(exc, model):
                raise
        time.sleep(0.01)

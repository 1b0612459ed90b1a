"""Where the gateway's database work runs: two threads of its own, off the event loop.

Not asgiref's thread-sensitive executor: work started from a timer (the usage flush) would inherit
whichever request context was current and could land on an executor already shut down with that
request. Each unit of work closes the connections Django would close at the end of a request
(``CONN_MAX_AGE`` is honoured), since no request signals run around it.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.db import close_old_connections

T = TypeVar("T")

_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="django-openai-gateway-db")


def _unit(func: Callable[..., T], *args: Any) -> T:
    close_old_connections()
    try:
        return func(*args)
    finally:
        close_old_connections()


async def run(func: Callable[..., T], *args: Any) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor, functools.partial(_unit, func, *args))

"""Running the function calls of one round: all at once, each with a timeout, errors kept.

A call whose tool is unknown, whose arguments do not fit, that raises, times out or returns
something that is not JSON gets an error output instead: the model reads what went wrong (and
may try again), and the error is recorded on the output item (docs/assistants.md, "Tools").

From sync code every tool runs in a worker thread (so that several run at once and a timeout can
be kept; an async tool gets an event loop of its own there), each closing the database
connections it opened; from async code, async tools run on the caller's event loop and sync ones
in worker threads.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.db import connections

from ..conf import app_settings
from ..tools import FunctionTool, ToolArgumentsError, ToolContext, ToolOutputError


@dataclass
class PendingCall:
    call_id: str
    name: str
    arguments: str
    #: None when the model called a tool the run did not offer (or nobody registered).
    tool: FunctionTool | None


@dataclass
class ToolResult:
    call: PendingCall
    output: str
    error: str = ""


def error_output(message: str) -> str:
    """What the model reads in place of a failed tool's output."""
    return json.dumps({"error": message})


def _unknown(call: PendingCall) -> ToolResult:
    message = f"No tool named {call.name!r} is available in this run."
    return ToolResult(call, error_output(message), message)


def _failed(call: PendingCall, exc: BaseException) -> ToolResult:
    if isinstance(exc, ToolArgumentsError | ToolOutputError):
        message = f"{call.name}: {exc}"
    else:
        message = f"{call.name} raised {type(exc).__name__}: {exc}"
    return ToolResult(call, error_output(message), message)


def _timed_out(call: PendingCall, timeout: float) -> ToolResult:
    message = f"{call.name} did not answer within {timeout:g} s."
    return ToolResult(call, error_output(message), message)


def _timeout(tool: FunctionTool) -> float:
    return tool.timeout if tool.timeout is not None else app_settings.THREADS.TOOL_TIMEOUT_SECONDS


def _in_worker_thread(tool: FunctionTool, arguments: str, context: ToolContext) -> str:
    try:
        if tool.is_async:
            return asyncio.run(tool.acall(arguments, context))
        return tool.call(arguments, context)
    finally:
        # The worker thread is not Django's: the connections the tool opened, it closes.
        connections.close_all()


def run_calls(calls: list[PendingCall], context: Callable[[PendingCall], ToolContext]) -> list[ToolResult]:
    """Run the calls of one round at once, in worker threads; results in the calls' order."""
    results: dict[int, ToolResult] = {}
    runnable: list[tuple[int, PendingCall, FunctionTool]] = []
    for index, call in enumerate(calls):
        if call.tool is None:
            results[index] = _unknown(call)
        else:
            runnable.append((index, call, call.tool))
    if runnable:
        pool = ThreadPoolExecutor(max_workers=len(runnable), thread_name_prefix="django-openai-tool")
        started = time.monotonic()
        try:
            futures = [
                (index, call, tool, pool.submit(_in_worker_thread, tool, call.arguments, context(call)))
                for index, call, tool in runnable
            ]
            for index, call, tool, future in futures:
                # Each call's timeout counts from when they all started.
                remaining = max(0.0, started + _timeout(tool) - time.monotonic())
                try:
                    results[index] = ToolResult(call, future.result(timeout=remaining))
                except FutureTimeout:
                    results[index] = _timed_out(call, _timeout(tool))
                except Exception as exc:
                    results[index] = _failed(call, exc)
        finally:
            # A tool that timed out keeps its thread until it returns; the run does not wait for it.
            pool.shutdown(wait=False, cancel_futures=True)
    return [results[index] for index in range(len(calls))]


async def arun_calls(
    calls: list[PendingCall], context: Callable[[PendingCall], ToolContext]
) -> list[ToolResult]:
    """:func:`run_calls` on the event loop: async tools awaited, sync ones in worker threads."""

    async def one(call: PendingCall) -> ToolResult:
        tool = call.tool
        if tool is None:
            return _unknown(call)
        if tool.is_async:
            work = tool.acall(call.arguments, context(call))
        else:
            work = sync_to_async(_in_worker_thread, thread_sensitive=False)(
                tool, call.arguments, context(call)
            )
        try:
            return ToolResult(call, await asyncio.wait_for(work, _timeout(tool)))
        except TimeoutError:
            return _timed_out(call, _timeout(tool))
        except Exception as exc:
            return _failed(call, exc)

    return list(await asyncio.gather(*(one(call) for call in calls)))

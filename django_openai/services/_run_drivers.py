"""The two send loops of a run, sync and async: the only difference between them is the I/O.

Each sends a round's request, reads its stream into the job, hands the job's events to the
reader, runs the round's tools, and goes on until the job says the run is over. What happens when
the reader goes away (the generator is closed, or its task cancelled) is the same in both: the
upstream response is closed at once (the ``with`` around it), then the job keeps what arrived
and ends the run as incomplete (docs/assistants.md, "Streaming").
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

from ..client import APIStatusError, OpenAIError
from ._db_threads import StreamCalls
from ._run_job import RunCancelled, RunJob
from ._run_tools import arun_calls, run_calls
from .events import RunEventBase

DISCONNECTED = {"code": "disconnected", "message": "The reader went away before the run ended."}
CANCELLED = {"code": "cancelled", "message": "The run was cancelled."}


def error_of(exc: BaseException) -> dict[str, Any]:
    """A run's ``error`` from an exception (the client's errors are redacted already)."""
    if isinstance(exc, OpenAIError):
        code = getattr(exc, "code", None) or type(exc).__name__
        return {"code": str(code), "message": str(exc)[:2000]}
    # Any other exception is raised on to whoever drives the run, which logs it with its traceback.
    # Its text is not kept: the run's error reaches its readers (events, the API), and the text
    # of an arbitrary exception may hold what they must not see (a database URL, a path, a value).
    return {
        "code": "internal_error",
        "message": f"The run failed on the server ({type(exc).__name__}); the details are in its log.",
    }


def _refused(job: RunJob, exc: BaseException) -> None:
    # A status error answers the request as a whole: the server changed nothing remotely.
    if isinstance(exc, APIStatusError):
        job.in_flight = False


def drive(job: RunJob, client: Any) -> Iterator[RunEventBase]:
    """Run the job with the sync client, yielding its events as they come."""
    try:
        yield from job.take_events()
        while (request := job.next_request()) is not None:
            path, body = request
            with client.request("POST", path, body=body, stream=True) as upstream:
                job.request_sent()
                for event in upstream:
                    job.feed(event)
                    if job.write_due():
                        job.write()
                    if job.events:
                        yield from job.take_events()
            job.end_round()
            yield from job.take_events()
            if job.calls:
                job.tools_done(run_calls(job.calls, job.tool_context))
                yield from job.take_events()
    except GeneratorExit:
        job.interrupt("incomplete", DISCONNECTED)
        raise
    except RunCancelled:
        job.interrupt("cancelled", CANCELLED)
        yield from job.take_events()
    except OpenAIError as exc:
        _refused(job, exc)
        job.interrupt("failed", error_of(exc))
        yield from job.take_events()
    except BaseException as exc:
        job.interrupt("failed", error_of(exc))
        raise


async def adrive(job: RunJob, client: Any) -> AsyncIterator[RunEventBase]:
    """Run the job with the async client: the stream holds no thread, the writes hop to one
    (the caller's for the first, then a shared one: ``_db_threads``) and hold no connection."""
    call = StreamCalls()
    try:
        for event in job.take_events():
            yield event
        while (request := await call(job.next_request)) is not None:
            path, body = request
            upstream = await client.request("POST", path, body=body, stream=True)
            async with upstream:
                if job.log.due():
                    await call(job.request_sent)
                async for raw in upstream:
                    job.feed(raw)
                    if job.write_due():
                        await call(job.write)
                    if job.events:
                        for event in job.take_events():
                            yield event
            await call(job.end_round)
            for event in job.take_events():
                yield event
            if job.calls:
                results = await arun_calls(job.calls, job.tool_context)
                await call(job.tools_done, results)
                for event in job.take_events():
                    yield event
    except (GeneratorExit, asyncio.CancelledError):
        await call(job.interrupt, "incomplete", DISCONNECTED)
        raise
    except RunCancelled:
        await call(job.interrupt, "cancelled", CANCELLED)
        for event in job.take_events():
            yield event
    except OpenAIError as exc:
        _refused(job, exc)
        await call(job.interrupt, "failed", error_of(exc))
        for event in job.take_events():
            yield event
    except BaseException as exc:
        await call(job.interrupt, "failed", error_of(exc))
        raise

"""One run as it goes: every decision and every database write, none of the network I/O.

The drivers (``_run_drivers.py``) send the requests and read the streams, sync or async, and hand
each decoded event to :meth:`RunJob.feed`; the job turns it into the run's events (``events.py``)
and decides what is stored, when the round ends, which tools run, and how the run ends. Its
methods that write are plain sync functions: the async driver calls them through
``sync_to_async``, one hop per write, never per token (docs/architecture.md, "How a run travels").
"""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from ..client import APIStatusError
from ..conf import app_settings, client_settings
from ..models import Run, Thread, ThreadItem
from ..signals import run_completed, run_failed, tool_called
from ..tools import ToolContext
from . import run_log
from ._common import client_for, send_on_commit
from ._run_backends import (
    ChatReader,
    ResponsesReader,
    RunSettings,
    Usage,
    chat_body,
    responses_body,
)
from ._run_sql import item_contents
from ._run_tools import PendingCall, ToolResult, error_output
from .assistants import parse_output
from .backends import MISSING, has_conversations, mark_no_conversations
from .events import (
    ItemCompleted,
    ItemStarted,
    RunCompleted,
    RunEventBase,
    RunFailed,
    RunStarted,
    TextDelta,
    ToolCallDelta,
    ToolCallFinished,
    ToolCallStarted,
)
from .threads import ThreadBusy, new_item_row
from .tokens import token_counter
from .usage import record_run_usage

#: Providers whose chat endpoint takes ``max_completion_tokens`` (the others: ``max_tokens``).
_MODERN_CHAT = ("openai", "azure")


class RunCancelled(Exception):
    """The run was cancelled from elsewhere (``run.cancel()``): the driver stops it."""


class RunJob:
    def __init__(
        self, run: Run, thread: Thread, settings: RunSettings, *, log: bool, sequence: int = 0
    ) -> None:
        self.run = run
        self.thread = thread
        self.settings = settings
        self.sequence = sequence
        self.events: list[RunEventBase] = []
        self.log = run_log.EventLog(run.pk, enabled=log)
        self.usage = Usage(run.input_tokens, run.output_tokens, run.cached_tokens, run.reasoning_tokens)
        self.reader: ResponsesReader | ChatReader | None = None
        #: Items the stream finished and the next write stores: (item, status).
        self.finished_items: list[tuple[dict[str, Any], str]] = []
        #: The function calls stored this round, and the calls left to run.
        self.round_calls: list[ThreadItem] = []
        self.calls: list[PendingCall] = []
        self.round_status = ""
        self.round_error: dict[str, Any] | None = None
        self.response_id = ""
        #: A request is out and its round has not ended: the remote side's state is unknown.
        self.in_flight = False
        self.started = time.monotonic()
        self.first_token: float | None = None
        self.last_check = time.monotonic()
        self.last_text = ""
        self.partial_output = ""
        self.done = False
        #: The thread's owner, for the tools' context (loaded by ``end_round`` when one asks).
        self.user: Any = None
        #: Items were stored whose count the thread's row does not have yet: it is written with
        #: the round's end (the release, or the remote state before tools), not an UPDATE of its own.
        self.count_pending = False

    # -- events ---------------------------------------------------------------------------------

    def emit(self, cls: type[RunEventBase], *, urgent: bool = False, **fields: Any) -> RunEventBase:
        self.sequence += 1
        event = cls(sequence=self.sequence, run_id=self.run.pk, **fields)
        self.events.append(event)
        self.log.add(event, urgent=urgent)
        return event

    def take_events(self) -> list[RunEventBase]:
        events, self.events = self.events, []
        return events

    def announce(self) -> None:
        self.emit(
            RunStarted,
            urgent=True,
            thread_id=self.thread.pk,
            backend=self.run.backend,
            model=self.settings.model,
            background=self.run.background,
        )

    # -- the sink a stream reader calls ---------------------------------------------------------

    def item_started(self, item_id: str, item_type: str, role: str = "") -> None:
        self.emit(ItemStarted, item_id=item_id, item_type=item_type, role=role)

    def text_delta(self, item_id: str, delta: str) -> None:
        if self.first_token is None:
            self.first_token = time.monotonic()
        self.partial_output += delta
        self.emit(TextDelta, item_id=item_id, delta=delta)

    def call_started(self, item_id: str, call_id: str, name: str) -> None:
        self.emit(ToolCallStarted, item_id=item_id, call_id=call_id, name=name)

    def call_delta(self, item_id: str, delta: str) -> None:
        if self.first_token is None:
            self.first_token = time.monotonic()
        self.partial_output += delta
        call_id = self.reader.call_ids.get(item_id, "") if isinstance(self.reader, ResponsesReader) else ""
        if isinstance(self.reader, ChatReader):
            call_id = next((c["call_id"] for c in self.reader.calls.values() if c["item_id"] == item_id), "")
        self.emit(ToolCallDelta, item_id=item_id, call_id=call_id, delta=delta)

    def item_done(self, item: dict[str, Any], status: str = "completed") -> None:
        self.finished_items.append((item, status))

    def response_started(self, response_id: str) -> None:
        self.response_id = response_id

    def round_ended(self, status: str, usage: dict[str, int], error: dict[str, Any] | None) -> None:
        self.round_status = status
        self.round_error = error
        self.usage.add(usage)
        self.partial_output = ""

    def feed(self, event: dict[str, Any]) -> None:
        assert self.reader is not None
        self.reader.feed(event)

    # -- writes ---------------------------------------------------------------------------------

    def write_due(self) -> bool:
        if self.finished_items or self.log.due():
            return True
        return time.monotonic() - self.last_check >= app_settings.THREADS.CANCEL_CHECK_SECONDS

    def write(self) -> None:
        """Store the items the stream finished, write the log; now and then, check for a cancel
        (which also shows the run is alive)."""
        check = time.monotonic() - self.last_check >= app_settings.THREADS.CANCEL_CHECK_SECONDS
        if not (self.count_pending or self.finished_items or check):
            self.log.flush()  # most writes: the log alone, one statement, no transaction needed
            return
        with transaction.atomic():
            if self.count_pending:
                self._save_thread()  # the stream went on after an item: its count waits no longer
            self._store_finished()
            if self.log.due():
                self.log.flush()
            if check:
                self._check_cancel()

    def _check_cancel(self) -> None:
        self.last_check = time.monotonic()
        alive = Run.objects.filter(pk=self.run.pk, cancel_requested_at__isnull=True).update(
            updated=timezone.now()
        )
        if not alive:
            raise RunCancelled()

    def request_sent(self) -> None:
        """The request is out: while the model thinks, write what is due (``run.started``)."""
        if self.log.due():
            self.log.flush()

    def _append(self, rows: list[ThreadItem]) -> None:
        """Store rows at the end of the thread, which this run holds (nothing else appends to
        it): the positions follow the count known here, which the thread's row gets later
        (``count_pending``). The unique ``(thread, position)`` constraint is the safety net."""
        after = self.thread.item_count
        for offset, row in enumerate(rows, start=1):
            row.thread_id = self.thread.pk
            row.position = after + offset
        ThreadItem.objects.bulk_create(rows)
        self.thread.item_count = after + len(rows)
        self.count_pending = True

    def _save_thread(self) -> None:
        """Write the thread's item count and remote state while the run holds it; a run that
        lost the thread (taken for dead) stops."""
        thread = self.thread
        changes: dict[str, Any] = {"item_count": thread.item_count, "updated": timezone.now()}
        if self.run.backend == "responses":
            changes.update(remote_position=thread.remote_position, last_response_id=thread.last_response_id)
        if not Thread.objects.filter(pk=thread.pk, active_run_id=self.run.pk).update(**changes):
            raise ThreadBusy(f"Thread {thread.pk} was taken over by another run.")
        self.count_pending = False

    def _store_finished(self) -> list[ThreadItem]:
        if not self.finished_items:
            return []
        rows = [new_item_row(item, run=self.run, status=status) for item, status in self.finished_items]
        self.finished_items = []
        if self.run.backend == "chat":
            for row in rows:
                row.remote_id = ""  # the id in its content was made up here: the provider gave none
        self._append(rows)
        for row in rows:
            if row.type == "function_call":
                self.round_calls.append(row)
            elif row.type == "message" and row.role == "assistant":
                self.last_text = row.text
            self._completed(row)
        return rows

    def _completed(self, row: ThreadItem) -> None:
        self.emit(
            ItemCompleted,
            item_id=str(row.content.get("id") or f"item_{row.position}"),
            position=row.position,
            item_type=row.type,
            role=row.role,
            status=row.status,
            text=row.text,
            item=row.content,
        )

    # -- rounds ---------------------------------------------------------------------------------

    def next_request(self) -> tuple[str, dict[str, Any]] | None:
        """The next round's request (path, body), or None when the run is over."""
        if self.done:
            return None
        self.run.rounds += 1
        self.round_calls = []
        self.round_status = ""
        self.round_error = None
        self.response_id = ""
        prefix = f"{self.run.pk}_{self.run.rounds}"
        if self.run.backend == "responses":
            path, body = "/responses", self._responses_request()
            self.reader = ResponsesReader(self)
        else:
            path, body = "/chat/completions", self._chat_request()
            self.reader = ChatReader(self, prefix)
        self.in_flight = True
        return path, body

    def _responses_request(self) -> dict[str, Any]:
        thread = self.thread
        fresh = (
            not thread.remote_conversation_id and thread.remote_position == 0 and not thread.last_response_id
        )
        if fresh and has_conversations(self.run.client_alias):
            try:
                conversation = client_for(self.run.client_alias).conversations.create(
                    metadata={"thread": str(thread.pk)}
                )
            except APIStatusError as exc:
                if exc.status_code not in MISSING:
                    raise
                mark_no_conversations(self.run.client_alias)  # chained with previous_response_id
            else:
                thread.remote_conversation_id = conversation.id
                Thread.objects.filter(pk=thread.pk).update(remote_conversation_id=conversation.id)
        items = item_contents(thread.pk, after=thread.remote_position)
        return responses_body(
            self.settings,
            items,
            conversation=thread.remote_conversation_id,
            previous_response_id=thread.last_response_id,
            background=self.run.background,
        )

    def _chat_request(self) -> dict[str, Any]:
        items = item_contents(self.thread.pk)
        provider = str(client_settings(self.run.client_alias).get("PROVIDER") or "openai").lower()
        body, _ = chat_body(
            self.settings,
            items,
            count=token_counter(self.settings.model),
            max_tokens_key="max_completion_tokens" if provider in _MODERN_CHAT else "max_tokens",
        )
        return body

    def end_round(self) -> None:
        """The stream of a round ended: store what it said and decide what comes next."""
        if isinstance(self.reader, ChatReader) and not self.reader.ended:
            self.reader.end()
        self.in_flight = False
        with transaction.atomic():
            self._store_finished()
            chained = not self.thread.remote_conversation_id
            if self.run.backend == "responses" and (
                self.round_status == "completed" or (self.round_status == "incomplete" and not chained)
            ):
                # The remote side holds everything up to here: the next input starts after it. (A
                # chain goes on from completed responses only; after an incomplete one, the next
                # run sends the cut answer again from the last completed response.)
                self.thread.remote_position = self.thread.item_count
                self.thread.last_response_id = self.response_id
                self.run.openai_id = self.response_id
            if self.round_status == "completed" and self.round_calls:
                if self.run.rounds >= app_settings.THREADS.MAX_TOOL_ROUNDS:
                    self._skip_calls(
                        f"Not run: the run reached its limit of {self.run.rounds} rounds of tool calls."
                    )
                    self._finish(
                        "failed",
                        {
                            "code": "max_tool_rounds",
                            "message": f"The model still asked for tools after {self.run.rounds} rounds "
                            "(THREADS['MAX_TOOL_ROUNDS']).",
                        },
                    )
                    return
                self.calls = [
                    PendingCall(
                        row.call_id,
                        row.name,
                        str(row.content.get("arguments") or ""),
                        self.settings.function_tools.get(row.name),
                    )
                    for row in self.round_calls
                ]
                if any(call.tool is not None and call.tool.takes_context for call in self.calls):
                    # Loaded here, in sync code (async tools get their context on the event loop,
                    # where no query may run), and only for a tool that takes a ToolContext.
                    self.user = self.thread.owner
                self._save_thread()
                self.log.flush()
                return
            if self.round_status == "completed":
                self._finish("completed")
            else:
                status = self.round_status if self.round_status in ("incomplete", "cancelled") else "failed"
                self._finish(status, self.round_error or {"code": status, "message": f"The run is {status}."})

    def tool_context(self, call: PendingCall) -> ToolContext:
        return ToolContext(thread=self.thread, run=self.run, user=self.user, call_id=call.call_id)

    def tools_done(self, results: list[ToolResult]) -> None:
        """Store each call's output (or error), in the calls' order; the next round sends them."""
        self.calls = []
        self.round_calls = []
        with transaction.atomic():
            self._store_outputs(
                [(r.call.call_id, r.call.name, r.call.arguments, r.output, r.error) for r in results]
            )
            self._save_thread()
            self.log.flush()
            self._check_cancel()

    def _store_outputs(self, outputs: list[tuple[str, str, str, str, str]]) -> None:
        rows = []
        for call_id, _name, _arguments, output, error in outputs:
            row = new_item_row(
                {"type": "function_call_output", "call_id": call_id, "output": output}, run=self.run
            )
            row.error = error
            rows.append(row)
        self._append(rows)
        for row, (call_id, name, arguments, output, error) in zip(rows, outputs, strict=True):
            self._completed(row)
            self.emit(
                ToolCallFinished,
                urgent=True,
                call_id=call_id,
                name=name,
                arguments=arguments,
                output=output,
                error=error,
            )
            send_on_commit(
                tool_called,
                self.run,
                call_id=call_id,
                name=name,
                arguments=arguments,
                output=output,
                error=error,
            )

    def _skip_calls(self, reason: str) -> None:
        """Calls that will not run still get an output, so that the thread stays sendable."""
        answered = set(
            ThreadItem.objects.filter(
                thread=self.thread,
                type="function_call_output",
                call_id__in=[c.call_id for c in self.round_calls],
            ).values_list("call_id", flat=True)
        )
        skipped = [c for c in self.round_calls if c.call_id not in answered]
        self._store_outputs(
            [
                (c.call_id, c.name, str(c.content.get("arguments") or ""), error_output(reason), reason)
                for c in skipped
            ]
        )
        self.round_calls = []
        self.calls = []

    # -- the end --------------------------------------------------------------------------------

    def interrupt(self, status: str, error: dict[str, Any]) -> None:
        """The run stops before its end (its reader went away, it was cancelled, a request failed):
        what arrived is kept, a message cut short as incomplete, and the thread stays usable."""
        if self.done:
            return
        estimated = False
        with transaction.atomic():
            partial = self.reader.partial_items() if self.reader is not None else []
            if self.in_flight and self.partial_output:
                # The server never said what the cut round cost: its output is counted here.
                self.usage.output_tokens += token_counter(self.settings.model)(self.partial_output)
                estimated = True
            self.finished_items.extend((item, "incomplete") for item in partial)
            self._store_finished()
            if self.round_calls:
                self._skip_calls("Not run: the run stopped before the tool was called.")
            if self.in_flight and self.thread.remote_conversation_id:
                # The conversation may or may not hold the cut round: start a new one next time
                # (the local log is replayed into it).
                self.thread.remote_conversation_id = ""
                self.thread.remote_position = 0
                self.thread.last_response_id = ""
            self.in_flight = False
            self._finish(status, error, estimated=estimated)

    def _finish(self, status: str, error: dict[str, Any] | None = None, *, estimated: bool = False) -> None:
        run = self.run
        parsed = None
        if status == "completed" and self.settings.json_schema is not None:
            fmt = run.overrides.get("response_format") or (
                run.assistant_version.snapshot.get("response_format") if run.assistant_version else None
            )
            try:
                parsed = parse_output(fmt, self.last_text)
            except ValueError as exc:
                status = "failed"
                error = {
                    "code": "invalid_output",
                    "message": f"The answer does not match the response format: {str(exc)[:500]}",
                }
        now = timezone.now()
        run.status = status
        run.error = error
        run.output_parsed = parsed
        run.finished_at = now
        run.next_poll_at = None
        run.input_tokens = self.usage.input_tokens
        run.output_tokens = self.usage.output_tokens
        run.cached_tokens = self.usage.cached_tokens
        run.reasoning_tokens = self.usage.reasoning_tokens
        run.usage_estimated = run.usage_estimated or estimated
        if self.first_token is not None and run.time_to_first_token is None:
            run.time_to_first_token = round(self.first_token - self.started, 6)
        if status == "completed":
            self.emit(RunCompleted, usage=run.usage, output_parsed=parsed)
        else:
            self.emit(RunFailed, status=status, error=error or {}, usage=run.usage)
        # No savepoint: this is the end of the caller's transaction (end_round, interrupt), or
        # the whole of one (an exception here rolls it all back either way).
        with transaction.atomic(savepoint=False):
            self.log.flush()  # the last events are written with the run's end (run_log.follow_run)
            run.save(
                update_fields=[
                    "status",
                    "error",
                    "output_parsed",
                    "finished_at",
                    "next_poll_at",
                    "input_tokens",
                    "output_tokens",
                    "cached_tokens",
                    "reasoning_tokens",
                    "usage_estimated",
                    "time_to_first_token",
                    "rounds",
                    "openai_id",
                    "model",
                    "updated",
                ]
            )
            thread = self.thread
            ours = Q(active_run_id=run.pk)
            changes: dict[str, Any] = {}
            if self.count_pending:
                # The items this run stored, counted with its end (only if still ours, as below).
                changes["item_count"] = Case(
                    When(ours, then=Value(thread.item_count)),
                    default=F("item_count"),
                    output_field=Thread._meta.get_field("item_count"),
                )
            Thread.objects.filter(pk=thread.pk).update(
                # Released only if still ours (a run taken for dead may have been replaced).
                active_run=Case(When(ours, then=None), default=F("active_run")),
                remote_conversation_id=thread.remote_conversation_id,
                remote_position=thread.remote_position,
                last_response_id=thread.last_response_id,
                updated=now,
                **changes,
            )
            thread.active_run_id = None
            self.count_pending = False
            send_on_commit(run_completed if status == "completed" else run_failed, run)
            record_run_usage(run)
        self.done = True

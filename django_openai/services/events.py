"""The events of a run, the same on both backends (docs/assistants.md, "Streaming").

A streamed run (``thread.run(stream=True)``) yields these, and so does ``run.follow()`` for a
reader who comes back; the SSE views and the AI SDK encoder map them to their wire formats. Each
event is a small frozen dataclass with a ``type`` and the run-wide ``sequence`` it was given (1, 2,
3... without gaps): a reader who saw event N resumes with ``run.follow(after=N)``.

=====================  ====================================================================
``type``               when
=====================  ====================================================================
``run.started``        the run was claimed and its first request is about to go out
``item.started``       an output item began (a message, a function call, reasoning...)
``text.delta``         a piece of a message's text (``item_id`` says which message)
``tool_call.started``  the model began a function call (its name is known)
``tool_call.delta``    a piece of the call's JSON arguments
``item.completed``     an item was stored in the thread (its ``position`` and whole ``item``)
``tool_call.finished`` a tool ran: its output, or the error sent back to the model instead
``run.completed``      the run ended completed; the usage and any parsed output
``run.failed``         the run ended otherwise: failed, incomplete or cancelled, and why
=====================  ====================================================================
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = [
    "EVENT_TYPES",
    "ItemCompleted",
    "ItemStarted",
    "RunCompleted",
    "RunEventBase",
    "RunFailed",
    "RunStarted",
    "TextDelta",
    "ToolCallDelta",
    "ToolCallFinished",
    "ToolCallStarted",
    "event_from_dict",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunEventBase:
    type: ClassVar[str] = ""
    #: The run's own count of its events, from 1: what a reader resumes after.
    sequence: int = 0
    run_id: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The event as JSON: ``type`` first, then its fields (the SSE views send this)."""
        return {"type": self.type, **{f.name: getattr(self, f.name) for f in dataclasses.fields(self)}}

    @property
    def is_final(self) -> bool:
        return False


@dataclass(frozen=True, slots=True, kw_only=True)
class RunStarted(RunEventBase):
    type: ClassVar[str] = "run.started"
    thread_id: int = 0
    backend: str = ""
    model: str = ""
    background: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemStarted(RunEventBase):
    type: ClassVar[str] = "item.started"
    #: Stable within the run: the provider's item id, or one made up where it gives none.
    item_id: str = ""
    item_type: str = ""
    role: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class TextDelta(RunEventBase):
    type: ClassVar[str] = "text.delta"
    item_id: str = ""
    delta: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCallStarted(RunEventBase):
    type: ClassVar[str] = "tool_call.started"
    item_id: str = ""
    call_id: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCallDelta(RunEventBase):
    type: ClassVar[str] = "tool_call.delta"
    item_id: str = ""
    call_id: str = ""
    delta: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemCompleted(RunEventBase):
    type: ClassVar[str] = "item.completed"
    item_id: str = ""
    #: Its place in the thread (``ThreadItem.position``).
    position: int = 0
    item_type: str = ""
    role: str = ""
    #: "completed", or "incomplete" for a message cut short.
    status: str = "completed"
    #: The plain text of a message or a tool's output.
    text: str = ""
    #: The item as stored (``ThreadItem.content``).
    item: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCallFinished(RunEventBase):
    type: ClassVar[str] = "tool_call.finished"
    call_id: str = ""
    name: str = ""
    arguments: str = ""
    #: What went back to the model.
    output: str = ""
    #: Set when the tool failed (then ``output`` tells the model so).
    error: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RunCompleted(RunEventBase):
    type: ClassVar[str] = "run.completed"
    status: str = "completed"
    usage: dict[str, int] = field(default_factory=dict)
    output_parsed: Any = None

    @property
    def is_final(self) -> bool:
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class RunFailed(RunEventBase):
    type: ClassVar[str] = "run.failed"
    #: "failed", "incomplete" or "cancelled".
    status: str = "failed"
    #: ``{"code": ..., "message": ...}``
    error: dict[str, Any] = field(default_factory=dict)
    usage: dict[str, int] = field(default_factory=dict)

    @property
    def is_final(self) -> bool:
        return True


EVENT_TYPES: dict[str, type[RunEventBase]] = {
    cls.type: cls
    for cls in (
        RunStarted,
        ItemStarted,
        TextDelta,
        ToolCallStarted,
        ToolCallDelta,
        ItemCompleted,
        ToolCallFinished,
        RunCompleted,
        RunFailed,
    )
}


def event_from_dict(data: dict[str, Any]) -> RunEventBase:
    """The event a ``to_dict()`` came from (unknown keys are ignored, for logs of older versions)."""
    cls = EVENT_TYPES[data["type"]]
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})

"""The events of a streamed response, in the order the Responses API sends them.

    response.created, [response.queued (background)], response.in_progress,
    for each output item:
        response.output_item.added
        a message:       response.content_part.added, response.output_text.delta (one per word),
                         response.output_text.done, response.content_part.done
        a function call: response.function_call_arguments.delta (a few characters each),
                         response.function_call_arguments.done (with the name)
        response.output_item.done
    response.completed

``sequence_number`` counts from 0 with no gap, so a client can resume with ``starting_after``.
The list is a pure function of the finished response: a resumed stream replays the same events.
"""

from __future__ import annotations

from typing import Any

from ..content import split_every, split_words

ARGUMENT_CHUNK = 8


def response_events(final: dict[str, Any], *, background: bool = False) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = []

    def emit(kind: str, **data: Any) -> None:
        events.append((kind, {"type": kind, "sequence_number": len(events), **data}))

    def at(status: str) -> dict[str, Any]:
        # Usage is not known yet: left out (the spec types it as an object, never null).
        unfinished = {k: v for k, v in final.items() if k != "usage"}
        return {**unfinished, "status": status, "output": [], "completed_at": None}

    if background:
        emit("response.created", response=at("queued"))
        emit("response.queued", response=at("queued"))
    else:
        emit("response.created", response=at("in_progress"))
    emit("response.in_progress", response=at("in_progress"))
    for index, item in enumerate(final["output"]):
        if item["type"] == "function_call":
            _function_call(emit, index, item)
        else:
            _message(emit, index, item)
    emit("response.completed", response=final)
    return events


def _function_call(emit: Any, index: int, item: dict[str, Any]) -> None:
    emit(
        "response.output_item.added",
        output_index=index,
        item={**item, "arguments": "", "status": "in_progress"},
    )
    for piece in split_every(item["arguments"], ARGUMENT_CHUNK):
        emit("response.function_call_arguments.delta", output_index=index, item_id=item["id"], delta=piece)
    emit(
        "response.function_call_arguments.done",
        output_index=index,
        item_id=item["id"],
        name=item["name"],
        arguments=item["arguments"],
    )
    emit("response.output_item.done", output_index=index, item=item)


def _message(emit: Any, index: int, item: dict[str, Any]) -> None:
    text = item["content"][0]["text"]
    where = {"output_index": index, "item_id": item["id"], "content_index": 0}
    emit(
        "response.output_item.added",
        output_index=index,
        item={**item, "status": "in_progress", "content": []},
    )
    part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
    emit("response.content_part.added", **where, part=part)
    for word in split_words(text):
        emit("response.output_text.delta", **where, delta=word, logprobs=[])
    emit("response.output_text.done", **where, text=text, logprobs=[])
    emit("response.content_part.done", **where, part={**part, "text": text})
    emit("response.output_item.done", output_index=index, item=item)

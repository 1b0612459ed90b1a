"""A batch's stored results as downloads: JSONL and CSV, generated in constant memory.

The rows are read ``EXPORT_CHUNK_SIZE`` at a time by keyset (``pk > last``, never OFFSET), and
each chunk is encoded and handed on before the next is read, so a download of 50,000 results
holds one chunk at a time. The sync generators serve WSGI; the async ones serve ASGI, where
Django would otherwise read a sync generator whole before sending a byte (each chunk's query
runs in Django's thread for sync code).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

from asgiref.sync import sync_to_async

from ..models import Batch, BatchItem

EXPORT_CHUNK_SIZE = 2000

#: Format -> (content type, file extension).
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "jsonl": ("application/jsonl; charset=utf-8", "jsonl"),
    "csv": ("text/csv; charset=utf-8", "csv"),
}

CSV_COLUMNS = (
    "custom_id",
    "status_code",
    "error_code",
    "error_message",
    "model",
    "answer",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "request_id",
)

_FIELDS = ("pk", "custom_id", "status_code", "response_body", "error", "request_id")
Row = tuple[int, str, int | None, Any, Any, str]


def _chunk(batch_id: int, after: int, size: int) -> list[Row]:
    return list(
        BatchItem.objects.filter(batch_id=batch_id, pk__gt=after).order_by("pk").values_list(*_FIELDS)[:size]
    )


def _rows(batch_id: int, size: int) -> Iterator[list[Row]]:
    after = 0
    while rows := _chunk(batch_id, after, size):
        yield rows
        after = rows[-1][0]


async def _arows(batch_id: int, size: int) -> AsyncIterator[list[Row]]:
    after = 0
    chunk = sync_to_async(_chunk)
    while rows := await chunk(batch_id, after, size):
        yield rows
        after = rows[-1][0]


def _check(fmt: str) -> Callable[[list[Row]], bytes]:
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    return _jsonl_chunk if fmt == "jsonl" else _csv_chunk


def export_batch_results(batch: Batch, fmt: str, *, chunk_size: int = EXPORT_CHUNK_SIZE) -> Iterator[bytes]:
    """The stored results of ``batch`` as ``fmt`` ("jsonl" or "csv"), as chunks of bytes."""
    encode = _check(fmt)
    if fmt == "csv":
        yield _csv_line(CSV_COLUMNS)
    for rows in _rows(batch.pk, chunk_size):
        yield encode(rows)


async def aexport_batch_results(
    batch: Batch, fmt: str, *, chunk_size: int = EXPORT_CHUNK_SIZE
) -> AsyncIterator[bytes]:
    """:func:`export_batch_results` as an async generator, for a response served under ASGI."""
    encode = _check(fmt)
    if fmt == "csv":
        yield _csv_line(CSV_COLUMNS)
    async for rows in _arows(batch.pk, chunk_size):
        yield encode(rows)


def export_filename(batch: Batch, fmt: str) -> str:
    return f"{batch.openai_id}-results.{EXPORT_FORMATS[fmt][1]}"


# -- JSONL: each line as the API's output file has it ---------------------------------------------


def _jsonl_chunk(rows: list[Row]) -> bytes:
    lines = []
    for _pk, custom_id, status_code, body, error, request_id in rows:
        line = {
            "custom_id": custom_id,
            "response": None
            if status_code is None and body is None
            else {"status_code": status_code, "request_id": request_id or None, "body": body},
            "error": error,
        }
        lines.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode()


# -- CSV: one row a result, the columns a spreadsheet reader wants --------------------------------


def _csv_line(values: Iterable[Any]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue().encode()


def _csv_chunk(rows: list[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for _pk, custom_id, status_code, body, error, request_id in rows:
        body = body if isinstance(body, dict) else {}
        code, message = _error(error, body)
        usage: dict[str, Any] = body["usage"] if isinstance(body.get("usage"), dict) else {}
        writer.writerow(
            (
                _cell(custom_id),
                "" if status_code is None else status_code,
                _cell(code),
                _cell(message),
                _cell(body.get("model") or ""),
                _cell(answer_text(body)),
                _first(usage, "input_tokens", "prompt_tokens"),
                _first(usage, "output_tokens", "completion_tokens"),
                _first(usage, "total_tokens"),
                _cell(request_id or ""),
            )
        )
    return out.getvalue().encode()


def _error(error: Any, body: dict[str, Any]) -> tuple[str, str]:
    """The error of a failed request: the error file's, or the one in a non-200 response body."""
    found = error if isinstance(error, dict) else body.get("error")
    if isinstance(found, dict):
        return str(found.get("code") or found.get("type") or ""), str(found.get("message") or "")
    return ("", str(found)) if found else ("", "")


def _first(usage: dict[str, Any], *names: str) -> Any:
    return next((usage[name] for name in names if usage.get(name) is not None), "")


def _cell(value: Any) -> str:
    """A text cell a spreadsheet will not run: one that starts like a formula gets a quote first
    (an answer is model output, and "=HYPERLINK(...)" is a formula to a spreadsheet)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def answer_text(body: dict[str, Any]) -> str:
    """The answer's text, where the endpoint has one (chat, responses, completions); else ""."""
    choices = body.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        first = choices[0]
        message = first.get("message")
        if isinstance(message, dict):
            return _text_of(message.get("content")) or str(message.get("refusal") or "")
        return str(first.get("text") or "")
    if isinstance(body.get("output_text"), str):
        return body["output_text"]
    output = body.get("output")
    if isinstance(output, list):
        return "".join(
            _text_of(item.get("content"))
            for item in output
            if isinstance(item, dict) and item.get("type") == "message"
        )
    return ""


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text") or "")
            for part in content
            if isinstance(part, dict) and part.get("type") in ("text", "output_text")
        )
    return ""

"""Streamed downloads for the admin and the API: bytes as they are made, in either server mode.

Django reads a sync iterator whole before sending a byte under ASGI, and an async one whole
under WSGI (docs/architecture.md, decision 8). So a download is given both ways and the one that
suits the request is used: under ASGI an async iterator (a batch export reads each chunk of rows
in Django's thread for sync code; a remote file is relayed on the async client), under WSGI a
sync one. Whatever must fail (a file gone remotely) fails before the response starts, so that
the error is a proper status rather than a truncated 200.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from asgiref.sync import async_to_sync
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse

from .models import Batch, File
from .services import exports
from .services import files as file_services


def is_asgi(request: Any) -> bool:
    return isinstance(getattr(request, "_request", request), ASGIRequest)


def streamed_download(
    request: Any,
    *,
    sync_chunks: Callable[[], Iterator[bytes]],
    async_chunks: Callable[[], AsyncIterator[bytes] | Awaitable[AsyncIterator[bytes]]],
    content_type: str,
    filename: str,
) -> StreamingHttpResponse:
    """A streamed attachment: ``async_chunks`` under ASGI, ``sync_chunks`` under WSGI.

    ``async_chunks`` may be a coroutine function giving the iterator (so that its errors come
    first); it is run from the view's thread on the server's event loop.
    """
    if is_asgi(request):
        started = async_chunks()
        chunks: Any = async_to_sync(_awaited)(started) if isinstance(started, Awaitable) else started
    else:
        chunks = sync_chunks()
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{_safe(filename)}"'
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # a proxy passes chunks on as they come
    return response


def file_download(request: Any, file: File) -> StreamingHttpResponse:
    """A mirrored file's content, relayed from the API (the admin's and the API's download)."""
    return streamed_download(
        request,
        sync_chunks=lambda: file_services.file_content(file),
        async_chunks=lambda: file_services.afile_content(file),
        content_type="application/octet-stream",
        filename=file.filename or file.openai_id,
    )


def batch_results_download(request: Any, batch: Batch, fmt: str) -> StreamingHttpResponse:
    """A batch's stored results in ``fmt`` (a key of ``exports.EXPORT_FORMATS``)."""
    return streamed_download(
        request,
        sync_chunks=lambda: exports.export_batch_results(batch, fmt),
        async_chunks=lambda: exports.aexport_batch_results(batch, fmt),
        content_type=exports.EXPORT_FORMATS[fmt][0],
        filename=exports.export_filename(batch, fmt),
    )


async def _awaited(started: Awaitable[AsyncIterator[bytes]]) -> AsyncIterator[bytes]:
    return await started


def _safe(filename: str) -> str:
    return "".join(c if c.isalnum() or c in "-_.+" else "_" for c in filename) or "download"

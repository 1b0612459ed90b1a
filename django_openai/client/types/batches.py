"""Batches (``/batches``)."""

from __future__ import annotations

from typing import Any

from ._base import OpenAIObject


class BatchRequestCounts(OpenAIObject):
    total: int = 0
    completed: int = 0
    failed: int = 0


class BatchError(OpenAIObject):
    code: str | None = None
    message: str | None = None
    param: str | None = None
    line: int | None = None


class BatchErrors(OpenAIObject):
    object: str | None = "list"
    data: list[BatchError] = []


class Batch(OpenAIObject):
    id: str
    object: str = "batch"
    endpoint: str | None = None
    errors: BatchErrors | None = None
    input_file_id: str | None = None
    completion_window: str | None = None
    status: str
    output_file_id: str | None = None
    error_file_id: str | None = None
    created_at: int | None = None
    in_progress_at: int | None = None
    expires_at: int | None = None
    finalizing_at: int | None = None
    completed_at: int | None = None
    failed_at: int | None = None
    expired_at: int | None = None
    cancelling_at: int | None = None
    cancelled_at: int | None = None
    request_counts: BatchRequestCounts | None = None
    metadata: dict[str, str] | None = None
    model: str | None = None
    usage: Any = None

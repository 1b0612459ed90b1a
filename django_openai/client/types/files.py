"""Files, uploads, batches, fine-tuning jobs and vector stores: the long-lived remote objects."""

from __future__ import annotations

from typing import Any

from ._base import Deleted, OpenAIObject


class FileObject(OpenAIObject):
    id: str
    object: str = "file"
    bytes: int | None = None
    created_at: int | None = None
    expires_at: int | None = None
    filename: str | None = None
    purpose: str | None = None
    status: str | None = None
    status_details: str | None = None


class FileDeleted(Deleted):
    pass


class UploadPart(OpenAIObject):
    id: str
    object: str = "upload.part"
    created_at: int | None = None
    upload_id: str | None = None


class Upload(OpenAIObject):
    id: str
    object: str = "upload"
    bytes: int | None = None
    created_at: int | None = None
    expires_at: int | None = None
    filename: str | None = None
    purpose: str | None = None
    status: str | None = None
    file: FileObject | None = None


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


class FineTuningJobError(OpenAIObject):
    code: str | None = None
    message: str | None = None
    param: str | None = None


class FineTuningJob(OpenAIObject):
    id: str
    object: str = "fine_tuning.job"
    created_at: int | None = None
    error: FineTuningJobError | None = None
    fine_tuned_model: str | None = None
    finished_at: int | None = None
    hyperparameters: dict[str, Any] | None = None
    model: str | None = None
    organization_id: str | None = None
    result_files: list[str] = []
    seed: int | None = None
    status: str
    trained_tokens: int | None = None
    training_file: str | None = None
    validation_file: str | None = None
    estimated_finish: int | None = None
    integrations: list[Any] | None = None
    metadata: dict[str, str] | None = None
    method: dict[str, Any] | None = None
    suffix: str | None = None


class FineTuningJobEvent(OpenAIObject):
    id: str
    object: str = "fine_tuning.job.event"
    created_at: int | None = None
    level: str | None = None
    message: str | None = None
    type: str | None = None
    data: Any = None


class FineTuningJobCheckpoint(OpenAIObject):
    id: str
    object: str = "fine_tuning.job.checkpoint"
    created_at: int | None = None
    fine_tuned_model_checkpoint: str | None = None
    fine_tuning_job_id: str | None = None
    metrics: dict[str, Any] | None = None
    step_number: int | None = None


class VectorStore(OpenAIObject):
    id: str
    object: str = "vector_store"
    created_at: int | None = None
    name: str | None = None
    status: str | None = None
    usage_bytes: int | None = None
    file_counts: dict[str, int] | None = None
    metadata: dict[str, str] | None = None
    expires_after: Any = None
    expires_at: int | None = None
    last_active_at: int | None = None


class VectorStoreDeleted(Deleted):
    pass


class VectorStoreFile(OpenAIObject):
    id: str
    object: str = "vector_store.file"
    created_at: int | None = None
    status: str | None = None
    usage_bytes: int | None = None
    vector_store_id: str | None = None
    last_error: Any = None
    attributes: dict[str, Any] | None = None
    chunking_strategy: Any = None


class VectorStoreFileDeleted(Deleted):
    pass


class VectorStoreFileBatch(OpenAIObject):
    id: str
    object: str = "vector_store.files_batch"
    created_at: int | None = None
    status: str | None = None
    vector_store_id: str | None = None
    file_counts: dict[str, int] | None = None


class VectorStoreSearchResult(OpenAIObject):
    file_id: str | None = None
    filename: str | None = None
    score: float | None = None
    attributes: dict[str, Any] | None = None
    content: list[Any] = []


class VectorStoreFileContent(OpenAIObject):
    type: str | None = None
    text: str | None = None

"""Fine-tuning jobs (``/fine_tuning/jobs``), their events and checkpoints."""

from __future__ import annotations

from typing import Any

from ._base import OpenAIObject


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

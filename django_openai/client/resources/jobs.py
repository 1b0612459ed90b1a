"""Batches and fine-tuning jobs: the long-running remote jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..types.batches import Batch
from ..types.fine_tuning import FineTuningJob, FineTuningJobCheckpoint, FineTuningJobEvent
from ._resource import Resource, path_id, without_self

if TYPE_CHECKING:
    from ..pagination import SyncPage


class Batches(Resource):
    def create(
        self, *, input_file_id: str, endpoint: str, completion_window: str = "24h", **params: Any
    ) -> Batch:
        return self._post("/batches", without_self(locals()), cast=Batch)

    def retrieve(self, batch_id: str, **params: Any) -> Batch:
        return self._get(f"/batches/{path_id(batch_id, 'batch_id')}", params, cast=Batch)

    def list(self, **params: Any) -> SyncPage[Batch]:
        return self._list("/batches", params, Batch)

    def cancel(self, batch_id: str, **params: Any) -> Batch:
        return self._post(f"/batches/{path_id(batch_id, 'batch_id')}/cancel", params, cast=Batch)


class Checkpoints(Resource):
    def list(self, fine_tuning_job_id: str, **params: Any) -> SyncPage[FineTuningJobCheckpoint]:
        return self._list(
            f"/fine_tuning/jobs/{path_id(fine_tuning_job_id, 'fine_tuning_job_id')}/checkpoints",
            params,
            FineTuningJobCheckpoint,
        )


class Jobs(Resource):
    @property
    def checkpoints(self) -> Checkpoints:
        return Checkpoints(self._client)

    def create(self, *, model: str, training_file: str, **params: Any) -> FineTuningJob:
        return self._post("/fine_tuning/jobs", without_self(locals()), cast=FineTuningJob)

    def list(self, **params: Any) -> SyncPage[FineTuningJob]:
        return self._list("/fine_tuning/jobs", params, FineTuningJob)

    def retrieve(self, fine_tuning_job_id: str, **params: Any) -> FineTuningJob:
        return self._get(self._path(fine_tuning_job_id), params, cast=FineTuningJob)

    def cancel(self, fine_tuning_job_id: str, **params: Any) -> FineTuningJob:
        return self._post(self._path(fine_tuning_job_id, "cancel"), params, cast=FineTuningJob)

    def pause(self, fine_tuning_job_id: str, **params: Any) -> FineTuningJob:
        return self._post(self._path(fine_tuning_job_id, "pause"), params, cast=FineTuningJob)

    def resume(self, fine_tuning_job_id: str, **params: Any) -> FineTuningJob:
        return self._post(self._path(fine_tuning_job_id, "resume"), params, cast=FineTuningJob)

    def list_events(self, fine_tuning_job_id: str, **params: Any) -> SyncPage[FineTuningJobEvent]:
        return self._list(self._path(fine_tuning_job_id, "events"), params, FineTuningJobEvent)

    @staticmethod
    def _path(job_id: str, action: str = "") -> str:
        path = f"/fine_tuning/jobs/{path_id(job_id, 'fine_tuning_job_id')}"
        return f"{path}/{action}" if action else path


class FineTuning(Resource):
    @property
    def jobs(self) -> Jobs:
        return Jobs(self._client)

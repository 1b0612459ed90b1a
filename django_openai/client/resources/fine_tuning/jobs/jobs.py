"""``client.fine_tuning.jobs``: create, list, retrieve, cancel, pause and resume jobs; their events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....types.fine_tuning import FineTuningJob, FineTuningJobEvent
from ..._resource import Resource, path_id, without_self
from .checkpoints import Checkpoints

if TYPE_CHECKING:
    from ....pagination import SyncPage


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

"""GET /fine_tuning/jobs/{id}/checkpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....types.fine_tuning import FineTuningJobCheckpoint
from ..._resource import Resource, path_id

if TYPE_CHECKING:
    from ....pagination import SyncPage


class Checkpoints(Resource):
    def list(self, fine_tuning_job_id: str, **params: Any) -> SyncPage[FineTuningJobCheckpoint]:
        return self._list(
            f"/fine_tuning/jobs/{path_id(fine_tuning_job_id, 'fine_tuning_job_id')}/checkpoints",
            params,
            FineTuningJobCheckpoint,
        )

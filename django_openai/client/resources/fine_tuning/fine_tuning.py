"""``client.fine_tuning``: the way to ``client.fine_tuning.jobs``."""

from __future__ import annotations

from .._resource import Resource
from .jobs import Jobs


class FineTuning(Resource):
    @property
    def jobs(self) -> Jobs:
        return Jobs(self._client)

"""``client.batches``: create, retrieve, list and cancel batches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..types.batches import Batch
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

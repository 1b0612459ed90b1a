"""``client.models``: list, retrieve and delete models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..types.models import Model, ModelDeleted
from ._resource import Resource, path_id

if TYPE_CHECKING:
    from ..pagination import SyncPage


class Models(Resource):
    def list(self, **params: Any) -> SyncPage[Model]:
        return self._list("/models", params, Model)

    def retrieve(self, model: str, **params: Any) -> Model:
        return self._get(f"/models/{path_id(model, 'model')}", params, cast=Model)

    def delete(self, model: str, **params: Any) -> ModelDeleted:
        return self._delete(f"/models/{path_id(model, 'model')}", params, cast=ModelDeleted)

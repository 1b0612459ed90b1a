"""GET /responses/{id}/input_items."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...types.responses import ResponseItem
from .._resource import Resource, path_id

if TYPE_CHECKING:
    from ...pagination import SyncPage


class InputItems(Resource):
    def list(self, response_id: str, **params: Any) -> SyncPage[ResponseItem]:
        return self._list(
            f"/responses/{path_id(response_id, 'response_id')}/input_items", params, ResponseItem
        )

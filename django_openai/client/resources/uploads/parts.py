"""POST /uploads/{id}/parts: one part of an upload."""

from __future__ import annotations

from typing import Any

from ...types.uploads import UploadPart
from .._resource import Resource, path_id


class Parts(Resource):
    def create(self, upload_id: str, *, data: Any, **params: Any) -> UploadPart:
        return self._request(
            "POST",
            f"/uploads/{path_id(upload_id, 'upload_id')}/parts",
            params,
            cast=UploadPart,
            files={"data": data},
        )

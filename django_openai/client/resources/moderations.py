"""POST /moderations."""

from __future__ import annotations

from typing import Any

from ..types.moderations import ModerationCreateResponse
from ._resource import Resource, without_self


class Moderations(Resource):
    def create(self, *, input: Any, **params: Any) -> ModerationCreateResponse:
        return self._post("/moderations", without_self(locals()), cast=ModerationCreateResponse)

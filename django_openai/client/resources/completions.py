"""POST /completions: legacy text completions, still served by many local servers."""

from __future__ import annotations

from typing import Any

from ..types.completions import Completion
from ._resource import Resource, without_self


class Completions(Resource):
    def create(self, *, model: str, prompt: Any, stream: bool = False, **params: Any) -> Completion:
        """POST /completions (legacy text completions; still served by many local servers)."""
        body = without_self(locals())
        if not stream:
            body.pop("stream")
            return self._post("/completions", body, cast=Completion)
        return self._post("/completions", body, stream_cast=Completion)

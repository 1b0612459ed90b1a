"""POST /responses/input_tokens: what an input would cost, without running it."""

from __future__ import annotations

from typing import Any

from ...types.responses import InputTokens
from .._resource import Resource


class InputTokensResource(Resource):
    def count(self, **params: Any) -> InputTokens:
        """POST /responses/input_tokens: what the given input would cost, without running it."""
        return self._post("/responses/input_tokens", params, cast=InputTokens)

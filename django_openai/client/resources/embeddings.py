"""POST /embeddings."""

from __future__ import annotations

from typing import Any

from ..types.embeddings import CreateEmbeddingResponse
from ._resource import Resource, without_self


class Embeddings(Resource):
    def create(self, *, model: str, input: Any, **params: Any) -> CreateEmbeddingResponse:
        return self._post("/embeddings", without_self(locals()), cast=CreateEmbeddingResponse)

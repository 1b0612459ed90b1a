"""Embeddings (``/embeddings``)."""

from __future__ import annotations

from ._base import OpenAIObject, Usage


class Embedding(OpenAIObject):
    index: int
    object: str = "embedding"
    #: A list of floats, or a base64 string when ``encoding_format="base64"`` was asked for.
    embedding: list[float] | str

    def as_floats(self) -> list[float]:
        if isinstance(self.embedding, list):
            return self.embedding
        import array
        import base64

        values = array.array("f")
        values.frombytes(base64.b64decode(self.embedding))
        return values.tolist()


class CreateEmbeddingResponse(OpenAIObject):
    object: str = "list"
    data: list[Embedding]
    model: str | None = None
    usage: Usage | None = None

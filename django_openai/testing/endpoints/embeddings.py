"""Embeddings: a unit vector per input, from its hash (equal texts, equal vectors)."""

from __future__ import annotations

from typing import Any

from ..content import embedding, embedding_base64
from ..routing import Route
from ..state import FakeState
from ..usage import count_tokens
from ..wire import FakeError, FakeRequest, FakeResponse, require

EMBEDDING_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


def embedding_object(body: dict[str, Any]) -> dict[str, Any]:
    require(body, "model", "input")
    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
    if not inputs or any(i == "" for i in inputs):
        raise FakeError(400, "'input' must not be empty.", param="input", code="invalid_value")
    dimensions = int(body.get("dimensions") or EMBEDDING_DIMENSIONS.get(body["model"], 1536))
    if dimensions < 1:
        raise FakeError(400, "'dimensions' must be at least 1.", param="dimensions")
    data = []
    for index, value in enumerate(inputs):
        vector = embedding(str(value), dimensions)
        encoded: Any = embedding_base64(vector) if body.get("encoding_format") == "base64" else vector
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(count_tokens(str(i)) for i in inputs)
    return {
        "object": "list",
        "data": data,
        "model": body["model"],
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def create_embedding(state: FakeState, req: FakeRequest) -> FakeResponse:
    return FakeResponse.json(embedding_object(req.json()))


ROUTES: list[Route] = [("POST", "/embeddings", create_embedding)]

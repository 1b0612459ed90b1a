"""Response types of the smaller endpoints: completions, embeddings, models, moderations,
images, audio."""

from __future__ import annotations

from typing import Any

from ._base import Deleted, OpenAIObject, Usage


class CompletionChoice(OpenAIObject):
    index: int = 0
    text: str = ""
    finish_reason: str | None = None
    logprobs: Any = None


class Completion(OpenAIObject):
    id: str
    object: str = "text_completion"
    created: int | None = None
    model: str | None = None
    choices: list[CompletionChoice]
    usage: Usage | None = None


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


class Model(OpenAIObject):
    id: str
    object: str = "model"
    created: int | None = None
    owned_by: str | None = None


class ModelDeleted(Deleted):
    pass


class Moderation(OpenAIObject):
    flagged: bool
    categories: dict[str, Any] = {}
    category_scores: dict[str, Any] = {}


class ModerationCreateResponse(OpenAIObject):
    id: str
    model: str | None = None
    results: list[Moderation]


class Image(OpenAIObject):
    b64_json: str | None = None
    url: str | None = None
    revised_prompt: str | None = None


class ImagesResponse(OpenAIObject):
    created: int
    data: list[Image] = []
    usage: Any = None


class Transcription(OpenAIObject):
    text: str
    language: str | None = None
    duration: float | None = None
    segments: list[Any] | None = None
    words: list[Any] | None = None
    usage: Any = None


class Translation(OpenAIObject):
    text: str

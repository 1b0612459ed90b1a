"""Models (``/models``)."""

from __future__ import annotations

from ._base import Deleted, OpenAIObject


class Model(OpenAIObject):
    id: str
    object: str = "model"
    created: int | None = None
    owned_by: str | None = None


class ModelDeleted(Deleted):
    pass

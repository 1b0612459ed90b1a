"""Models: the base models the fake knows, and the ones its fine-tuning jobs made."""

from __future__ import annotations

from typing import Any

from ..routing import Route
from ..state import FakeState
from ..wire import FakeError, FakeRequest, FakeResponse

BASE_MODELS = [
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4o-mini",
    "text-embedding-3-small",
    "text-embedding-3-large",
    "omni-moderation-latest",
    "gpt-image-1",
    "whisper-1",
    "gpt-4o-mini-tts",
    "gpt-3.5-turbo-instruct",
]


def _model(state: FakeState, model_id: str) -> dict[str, Any]:
    if model_id in state.fine_tuned_models:
        return state.fine_tuned_models[model_id]
    if model_id in BASE_MODELS:
        return {"id": model_id, "object": "model", "created": 1700000000, "owned_by": "system"}
    raise FakeError(404, f"The model '{model_id}' does not exist", param="model", code="model_not_found")


def list_models(state: FakeState, req: FakeRequest) -> FakeResponse:
    data = [_model(state, m) for m in BASE_MODELS] + list(state.fine_tuned_models.values())
    return FakeResponse.json({"object": "list", "data": data})


def retrieve_model(state: FakeState, req: FakeRequest, model: str) -> FakeResponse:
    return FakeResponse.json(_model(state, model))


def delete_model(state: FakeState, req: FakeRequest, model: str) -> FakeResponse:
    if model not in state.fine_tuned_models:
        _model(state, model)
        raise FakeError(403, "You do not have permission to delete this model.", code="model_not_deletable")
    del state.fine_tuned_models[model]
    return FakeResponse.json({"id": model, "object": "model", "deleted": True})


ROUTES: list[Route] = [
    ("GET", "/models", list_models),
    ("GET", "/models/{model}", retrieve_model),
    ("DELETE", "/models/{model}", delete_model),
]

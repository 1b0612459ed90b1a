"""Moderations: a few trigger words flag their category, everything else passes."""

from __future__ import annotations

from typing import Any

from ..content import text_of
from ..routing import Route
from ..state import FakeState
from ..wire import FakeRequest, FakeResponse, require

MODERATION_CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
FLAG_WORDS = {
    "violence": ("kill", "murder", "attack"),
    "hate": ("hate",),
    "self-harm": ("self-harm", "suicide"),
}


def moderation_object(state: FakeState, body: dict[str, Any]) -> dict[str, Any]:
    require(body, "input")
    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
    results = []
    for value in inputs:
        text = text_of([value] if isinstance(value, dict) else value).lower()
        categories = {
            name: any(w in text for w in FLAG_WORDS.get(name, ())) for name in MODERATION_CATEGORIES
        }
        scores = {name: 0.97 if flagged else 0.001 for name, flagged in categories.items()}
        results.append(
            {
                "flagged": any(categories.values()),
                "categories": categories,
                "category_scores": scores,
                "category_applied_input_types": {name: ["text"] for name in categories},
            }
        )
    return {
        "id": state.new_id("modr-"),
        "model": body.get("model", "omni-moderation-latest"),
        "results": results,
    }


def create_moderation(state: FakeState, req: FakeRequest) -> FakeResponse:
    return FakeResponse.json(moderation_object(state, req.json()))


ROUTES: list[Route] = [("POST", "/moderations", create_moderation)]

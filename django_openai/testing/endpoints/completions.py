"""Legacy text completions."""

from __future__ import annotations

from ..content import reply_text, split_words
from ..routing import Route
from ..state import FakeState
from ..usage import completion_usage
from ..wire import FakeRequest, FakeResponse, require


def create_completion(state: FakeState, req: FakeRequest) -> FakeResponse:
    body = req.json()
    require(body, "model", "prompt")
    prompt = body["prompt"] if isinstance(body["prompt"], str) else " ".join(map(str, body["prompt"]))
    text = " " + reply_text(prompt, body["model"], req.answer_words)
    completion = {
        "id": state.new_id("cmpl-"),
        "object": "text_completion",
        "created": state.now(),
        "model": body["model"],
        "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
        "usage": completion_usage(prompt, text),
    }
    if body.get("stream"):
        return FakeResponse.sse(
            [
                {**completion, "choices": [{"index": 0, "text": w, "finish_reason": None, "logprobs": None}]}
                for w in split_words(text)
            ]
            + [
                {
                    **completion,
                    "choices": [{"index": 0, "text": "", "finish_reason": "stop", "logprobs": None}],
                }
            ]
        )
    response = FakeResponse.json(completion)
    response.generated_tokens = completion["usage"]["completion_tokens"]
    return response


ROUTES: list[Route] = [("POST", "/completions", create_completion)]

"""Handlers that generate: models, chat, completions, embeddings, moderations, images, audio."""

from __future__ import annotations

import base64
import json
from typing import Any

from .content import (
    count_tokens,
    digest,
    embedding,
    embedding_base64,
    png,
    reply_text,
    sample_from_schema,
    text_of,
    wav,
)
from .fake import FakeError, FakeOpenAI, FakeRequest, FakeResponse, not_found, public

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


def require(body: dict[str, Any], *names: str) -> None:
    for name in names:
        if body.get(name) in (None, ""):
            raise FakeError(
                400, f"Missing required parameter: '{name}'.", param=name, code="missing_required_parameter"
            )


def usage(prompt: str, completion: str) -> dict[str, int]:
    p, c = count_tokens(prompt), count_tokens(completion)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


# -- models -----------------------------------------------------------------------------------


def _model(fake: FakeOpenAI, model_id: str) -> dict[str, Any]:
    if model_id in fake.fine_tuned_models:
        return fake.fine_tuned_models[model_id]
    if model_id in BASE_MODELS:
        return {"id": model_id, "object": "model", "created": 1700000000, "owned_by": "system"}
    raise FakeError(404, f"The model '{model_id}' does not exist", param="model", code="model_not_found")


def list_models(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    data = [_model(fake, m) for m in BASE_MODELS] + list(fake.fine_tuned_models.values())
    return FakeResponse.json({"object": "list", "data": data})


def retrieve_model(fake: FakeOpenAI, req: FakeRequest, model: str) -> FakeResponse:
    return FakeResponse.json(_model(fake, model))


def delete_model(fake: FakeOpenAI, req: FakeRequest, model: str) -> FakeResponse:
    if model not in fake.fine_tuned_models:
        _model(fake, model)
        raise FakeError(403, "You do not have permission to delete this model.", code="model_not_deletable")
    del fake.fine_tuned_models[model]
    return FakeResponse.json({"id": model, "object": "model", "deleted": True})


# -- chat -------------------------------------------------------------------------------------


def _tool_calls(body: dict[str, Any], last_text: str, seed: str) -> list[dict[str, Any]]:
    """Which tools the fake "decides" to call: the ones forced by tool_choice, else those named."""
    tools = [t for t in body.get("tools") or [] if t.get("type", "function") == "function"]
    choice = body.get("tool_choice", "auto")
    if not tools or choice == "none":
        return []
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") or choice.get("name")
        chosen = [t for t in tools if _tool_name(t) == name]
    elif choice == "required":
        chosen = [t for t in tools if _tool_name(t) in last_text] or tools[:1]
    else:
        chosen = [t for t in tools if _tool_name(t) and _tool_name(t) in last_text]
    if body.get("parallel_tool_calls") is False:
        chosen = chosen[:1]
    return [
        {
            "id": f"call_{i}_{digest(seed, _tool_name(t)).hex()[:12]}",
            "type": "function",
            "function": {"name": _tool_name(t), "arguments": json.dumps(sample_from_schema(_tool_params(t)))},
        }
        for i, t in enumerate(chosen)
    ]


def _tool_name(tool: dict[str, Any]) -> str:
    return str((tool.get("function") or {}).get("name") or tool.get("name") or "")


def _tool_params(tool: dict[str, Any]) -> Any:
    return (tool.get("function") or {}).get("parameters") or tool.get("parameters") or {}


def _structured(body: dict[str, Any], text: str) -> str | None:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return json.dumps(sample_from_schema((fmt.get("json_schema") or {}).get("schema", {})))
    if fmt.get("type") == "json_object":
        return json.dumps({"reply": text})
    return None


def chat_message(body: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    """The assistant message for a chat request, the finish reason, and the prompt text."""
    messages = body.get("messages") or []
    last = messages[-1] if messages else {}
    prompt = " ".join(text_of(m.get("content")) for m in messages if isinstance(m, dict))
    if last.get("role") == "tool":
        outputs = [text_of(m.get("content")) for m in messages if m.get("role") == "tool"]
        content = "Tool results: " + "; ".join(outputs)
        return {"role": "assistant", "content": content, "refusal": None}, "stop", prompt
    last_text = text_of(last.get("content"))
    calls = _tool_calls(body, last_text, prompt)
    if calls:
        return (
            {"role": "assistant", "content": None, "refusal": None, "tool_calls": calls},
            "tool_calls",
            prompt,
        )
    text = reply_text(last_text, body.get("model", ""))
    return {"role": "assistant", "content": _structured(body, text) or text, "refusal": None}, "stop", prompt


def chat_completion_object(
    fake: FakeOpenAI, body: dict[str, Any], completion_id: str | None = None
) -> dict[str, Any]:
    message, finish, prompt = chat_message(body)
    n = int(body.get("n") or 1)
    return {
        "id": completion_id or fake.new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": fake.now(),
        "model": body["model"],
        "choices": [
            {"index": i, "message": message, "finish_reason": finish, "logprobs": None} for i in range(n)
        ],
        "usage": usage(prompt, message.get("content") or json.dumps(message.get("tool_calls"))),
        "system_fingerprint": "fp_fake",
        "service_tier": "default",
    }


def _validate_chat(body: dict[str, Any]) -> None:
    require(body, "model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise FakeError(400, "'messages' must be a non-empty array.", param="messages", code="invalid_value")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in (
            "system",
            "developer",
            "user",
            "assistant",
            "tool",
            "function",
        ):
            raise FakeError(
                400,
                f"Invalid value for 'messages[{i}].role'.",
                param=f"messages[{i}].role",
                code="invalid_value",
            )


def create_chat_completion(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    body = req.json()
    _validate_chat(body)
    completion = chat_completion_object(fake, body)
    if body.get("store"):
        fake.chat_completions[completion["id"]] = {
            **completion,
            "metadata": body.get("metadata") or {},
            "_messages": body["messages"],
        }
    if body.get("stream"):
        return FakeResponse.sse(
            _chat_chunks(completion, (body.get("stream_options") or {}).get("include_usage"))
        )
    return FakeResponse.json(completion)


def _chat_chunks(completion: dict[str, Any], include_usage: bool | None) -> list[dict[str, Any]]:
    base = {k: completion[k] for k in ("id", "created", "model", "system_fingerprint")} | {
        "object": "chat.completion.chunk"
    }
    chunks: list[dict[str, Any]] = []
    for choice in completion["choices"]:
        index, message = choice["index"], choice["message"]

        def delta(d: dict[str, Any], finish: str | None = None, index: int = index) -> dict[str, Any]:
            return {
                **base,
                "choices": [{"index": index, "delta": d, "finish_reason": finish, "logprobs": None}],
            }

        chunks.append(delta({"role": "assistant", "content": ""}))
        for words in _split(message.get("content") or ""):
            chunks.append(delta({"content": words}))
        for i, call in enumerate(message.get("tool_calls") or []):
            name, arguments = call["function"]["name"], call["function"]["arguments"]
            chunks.append(
                delta(
                    {
                        "tool_calls": [
                            {
                                "index": i,
                                "id": call["id"],
                                "type": "function",
                                "function": {"name": name, "arguments": ""},
                            }
                        ]
                    }
                )
            )
            for piece in _split(arguments, size=8):
                chunks.append(delta({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}))
        chunks.append(delta({}, choice["finish_reason"]))
    if include_usage:
        chunks.append({**base, "choices": [], "usage": completion["usage"]})
    return chunks


def _split(text: str, size: int | None = None) -> list[str]:
    if size:
        return [text[i : i + size] for i in range(0, len(text), size)]
    words = text.split(" ")
    return [w if i == 0 else " " + w for i, w in enumerate(words)] if text else []


def _stored(fake: FakeOpenAI, completion_id: str) -> dict[str, Any]:
    try:
        return fake.chat_completions[completion_id]
    except KeyError:
        raise not_found("chat completion", completion_id) from None


def list_chat_completions(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    from .storage import paginate

    items = [public(c) for c in fake.chat_completions.values() if req.q("model") in (None, c["model"])]
    return paginate(req, items)


def retrieve_chat_completion(fake: FakeOpenAI, req: FakeRequest, completion_id: str) -> FakeResponse:
    return FakeResponse.json(public(_stored(fake, completion_id)))


def update_chat_completion(fake: FakeOpenAI, req: FakeRequest, completion_id: str) -> FakeResponse:
    stored = _stored(fake, completion_id)
    stored["metadata"] = req.json().get("metadata") or {}
    return FakeResponse.json(public(stored))


def delete_chat_completion(fake: FakeOpenAI, req: FakeRequest, completion_id: str) -> FakeResponse:
    _stored(fake, completion_id)
    del fake.chat_completions[completion_id]
    return FakeResponse.json({"id": completion_id, "object": "chat.completion.deleted", "deleted": True})


def chat_completion_messages(fake: FakeOpenAI, req: FakeRequest, completion_id: str) -> FakeResponse:
    from .storage import paginate

    messages = _stored(fake, completion_id)["_messages"]
    items = [
        {"id": f"{completion_id}-{i}", "role": m.get("role"), "content": text_of(m.get("content"))}
        for i, m in enumerate(messages)
    ]
    return paginate(req, items)


# -- completions, embeddings, moderations -------------------------------------------------------


def create_completion(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    body = req.json()
    require(body, "model", "prompt")
    prompt = body["prompt"] if isinstance(body["prompt"], str) else " ".join(map(str, body["prompt"]))
    text = " " + reply_text(prompt, body["model"])
    completion = {
        "id": fake.new_id("cmpl-"),
        "object": "text_completion",
        "created": fake.now(),
        "model": body["model"],
        "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
        "usage": usage(prompt, text),
    }
    if body.get("stream"):
        return FakeResponse.sse(
            [
                {**completion, "choices": [{"index": 0, "text": w, "finish_reason": None, "logprobs": None}]}
                for w in _split(text)
            ]
            + [
                {
                    **completion,
                    "choices": [{"index": 0, "text": "", "finish_reason": "stop", "logprobs": None}],
                }
            ]
        )
    return FakeResponse.json(completion)


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


def create_embedding(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    return FakeResponse.json(embedding_object(req.json()))


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


def moderation_object(fake: FakeOpenAI, body: dict[str, Any]) -> dict[str, Any]:
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
        "id": fake.new_id("modr-"),
        "model": body.get("model", "omni-moderation-latest"),
        "results": results,
    }


def create_moderation(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    return FakeResponse.json(moderation_object(fake, req.json()))


# -- images and audio -------------------------------------------------------------------------


def _images(fake: FakeOpenAI, prompt: str, n: int, response_format: str | None) -> FakeResponse:
    data = []
    for i in range(n):
        image = png(f"{prompt}:{i}")
        if response_format == "url":
            data.append(
                {"url": "data:image/png;base64," + base64.b64encode(image).decode(), "revised_prompt": prompt}
            )
        else:
            data.append({"b64_json": base64.b64encode(image).decode(), "revised_prompt": prompt})
    return FakeResponse.json({"created": fake.now(), "data": data})


def generate_images(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    body = req.json()
    require(body, "prompt")
    return _images(fake, body["prompt"], int(body.get("n") or 1), body.get("response_format"))


def edit_images(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    form = req.form()
    if "image" not in form and "image[]" not in form:
        raise FakeError(400, "Missing required parameter: 'image'.", param="image")
    require(form, "prompt")
    return _images(fake, form["prompt"], int(form.get("n") or 1), form.get("response_format"))


def image_variations(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    form = req.form()
    if "image" not in form:
        raise FakeError(400, "Missing required parameter: 'image'.", param="image")
    return _images(fake, form["image"].filename, int(form.get("n") or 1), form.get("response_format"))


def speech(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    body = req.json()
    require(body, "model", "input", "voice")
    return FakeResponse.binary(wav(body["input"]), "audio/wav")


def transcription(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    form = req.form()
    if "file" not in form:
        raise FakeError(400, "Missing required parameter: 'file'.", param="file")
    require(form, "model")
    upload = form["file"]
    text = f"Transcript of {upload.filename} ({len(upload.content)} bytes)."
    fmt = form.get("response_format", "json")
    if fmt in ("text", "srt", "vtt"):
        return FakeResponse(200, text.encode(), {"content-type": "text/plain"})
    result: dict[str, Any] = {"text": text}
    if fmt == "verbose_json":
        result |= {"language": "english", "duration": 0.25, "segments": []}
    return FakeResponse.json(result)

"""Images and audio: real PNG and WAV bytes, derived from the prompt."""

from __future__ import annotations

import base64
from typing import Any

from ..content import png, wav
from ..routing import Route
from ..state import FakeState
from ..wire import FakeError, FakeRequest, FakeResponse, require


def _images(state: FakeState, prompt: str, n: int, response_format: str | None) -> FakeResponse:
    data = []
    for i in range(n):
        image = png(f"{prompt}:{i}")
        if response_format == "url":
            data.append(
                {"url": "data:image/png;base64," + base64.b64encode(image).decode(), "revised_prompt": prompt}
            )
        else:
            data.append({"b64_json": base64.b64encode(image).decode(), "revised_prompt": prompt})
    return FakeResponse.json({"created": state.now(), "data": data})


def generate_images(state: FakeState, req: FakeRequest) -> FakeResponse:
    body = req.json()
    require(body, "prompt")
    return _images(state, body["prompt"], int(body.get("n") or 1), body.get("response_format"))


def edit_images(state: FakeState, req: FakeRequest) -> FakeResponse:
    form = req.form()
    if "image" not in form and "image[]" not in form:
        raise FakeError(400, "Missing required parameter: 'image'.", param="image")
    require(form, "prompt")
    return _images(state, form["prompt"], int(form.get("n") or 1), form.get("response_format"))


def image_variations(state: FakeState, req: FakeRequest) -> FakeResponse:
    form = req.form()
    if "image" not in form:
        raise FakeError(400, "Missing required parameter: 'image'.", param="image")
    return _images(state, form["image"].filename, int(form.get("n") or 1), form.get("response_format"))


def speech(state: FakeState, req: FakeRequest) -> FakeResponse:
    body = req.json()
    require(body, "model", "input", "voice")
    return FakeResponse.binary(wav(body["input"]), "audio/wav")


def transcription(state: FakeState, req: FakeRequest) -> FakeResponse:
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


ROUTES: list[Route] = [
    ("POST", "/images/generations", generate_images),
    ("POST", "/images/edits", edit_images),
    ("POST", "/images/variations", image_variations),
    ("POST", "/audio/speech", speech),
    ("POST", "/audio/transcriptions", transcription),
    ("POST", "/audio/translations", transcription),
]

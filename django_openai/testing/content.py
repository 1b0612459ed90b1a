"""Deterministic content: the same input always gives the same text, vector, image or sound.

Tests can therefore assert on what the fake answers, and two runs of the demo look alike.
"""

from __future__ import annotations

import array
import base64
import hashlib
import json
import math
import struct
import zlib
from typing import Any


def digest(*parts: Any) -> bytes:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).digest()


def text_of(content: Any) -> str:
    """The plain text of a message ``content`` (a string or a list of parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict):
                texts.append(str(part.get("text") or part.get("input_text") or ""))
        return " ".join(t for t in texts if t)
    return str(content)


#: Sentences a canned answer is made of: neutral enough to follow any question.
_SENTENCES = [
    "Here is a short answer from the fake OpenAI server.",
    "The same question always gets the same answer, so tests can rely on it.",
    "No model was asked, so no key and no network were needed.",
    "Ask in other words and the answer changes with them.",
    "In a real application, the model's answer would appear here.",
    "When the answer is streamed, its words arrive one at a time.",
    "Answers stay short, so that tests and demos run quickly.",
    "This text is made up, but it reads like a reply.",
]


def reply_text(prompt: str, model: str = "", words: int | None = None) -> str:
    """A short, deterministic reply that quotes the prompt, so tests can see what was asked.

    ``words`` asks for exactly that many words (a pacing profile's chunk count): the reply is cut
    or its sentences repeated to fit.
    """
    quoted = " ".join(prompt.split())[:120].rstrip()
    opening = f"Reply to: {quoted}" + ("" if quoted.endswith((".", "!", "?", ":")) else ".")
    if not quoted:
        opening = "Hello."
    seed = digest(prompt, model)
    first = seed[0] % len(_SENTENCES)
    second = (first + 1 + seed[1] % (len(_SENTENCES) - 1)) % len(_SENTENCES)
    text = f"{opening} {_SENTENCES[first]} {_SENTENCES[second]}"
    if words is None:
        return text
    pool = text.split()
    while len(pool) < words:
        pool += " ".join(_SENTENCES).split()
    return " ".join(pool[:words])


def split_words(text: str) -> list[str]:
    """Stream deltas, one word each, the space before a word kept with it: they join back exactly."""
    words = text.split(" ")
    return [w if i == 0 else " " + w for i, w in enumerate(words)] if text else []


def split_every(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def embedding(text: str, dimensions: int) -> list[float]:
    """A unit vector from the text's hash: equal texts are identical, different ones are not."""
    values: list[float] = []
    counter = 0
    while len(values) < dimensions:
        block = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        values.extend((b - 127.5) / 127.5 for b in block)
        counter += 1
    values = values[:dimensions]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [round(v / norm, 7) for v in values]


def embedding_base64(vector: list[float]) -> str:
    return base64.b64encode(array.array("f", vector).tobytes()).decode()


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=False))


def sample_from_schema(schema: Any, name: str = "value") -> Any:
    """A deterministic instance of a JSON schema (for ``response_format`` and tool arguments)."""
    if not isinstance(schema, dict):
        return name
    if schema.get("enum"):
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for union in ("anyOf", "oneOf"):
        if schema.get(union):
            return sample_from_schema(schema[union][0], name)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return {key: sample_from_schema(sub, key) for key, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [sample_from_schema(schema.get("items", {}), name)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return f"{name}-{digest(name).hex()[:6]}"


def png(seed: str, size: int = 8) -> bytes:
    """A real PNG, ``size`` x ``size``, one colour derived from the seed."""
    r, g, b = digest(seed)[:3]
    row = b"\x00" + bytes([r, g, b]) * size
    raw = row * size

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def wav(text: str, seconds: float = 0.25, rate: int = 8000) -> bytes:
    """A real 16-bit mono WAV: a tone whose pitch comes from the text."""
    frequency = 220 + digest(text)[0] * 2
    frames = int(seconds * rate)
    samples = array.array(
        "h", (int(8000 * math.sin(2 * math.pi * frequency * i / rate)) for i in range(frames))
    )
    data = samples.tobytes()
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + len(data))
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", len(data))
    )
    return header + data

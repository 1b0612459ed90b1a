from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pytest
import respx

from django_openai.client import AsyncOpenAI, OpenAI

BASE = "https://api.test/v1"
KEY = "sk-test-0123456789abcdef"


@pytest.fixture
def router():
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def client():
    with OpenAI(api_key=KEY, base_url=BASE, max_retries=0) as c:
        yield c


@pytest.fixture
async def aclient():
    async with AsyncOpenAI(api_key=KEY, base_url=BASE, max_retries=0) as c:
        yield c


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch):
    """Retries wait for real in production; here the waits are recorded instead of slept."""
    waits: list[float] = []

    def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    async def fake_async_sleep(seconds: float) -> None:
        waits.append(seconds)

    import django_openai.client._base as base

    monkeypatch.setattr(base.time, "sleep", fake_sleep)
    import asyncio

    real_sleep = asyncio.sleep

    async def patched(seconds: float, *args: Any) -> Any:
        if seconds > 0:
            waits.append(seconds)
            return await real_sleep(0)
        return await real_sleep(seconds, *args)

    monkeypatch.setattr(asyncio, "sleep", patched)
    return waits


def request_body(request: Any) -> dict[str, Any] | None:
    """The JSON body, or the multipart form fields (files as their filename), of a request."""
    content_type = request.headers.get("content-type", "")
    raw = request.read()
    if not raw:
        return None
    if content_type.startswith("application/json"):
        return json.loads(raw)
    if content_type.startswith("multipart/form-data"):
        return parse_multipart(raw, content_type)
    raise AssertionError(f"unexpected content type {content_type}")


def parse_multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    """Form fields as sent; file parts as {"filename", "content", "type"} dicts."""
    from django_openai.testing.multipart import UploadedPart
    from django_openai.testing.multipart import parse_multipart as parse

    def plain(value: Any) -> Any:
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, UploadedPart):
            return {"filename": value.filename, "content": value.content, "type": value.content_type}
        return value

    return {name: plain(value) for name, value in parse(raw, content_type).items()}


def query_of(request: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}

"""A real OpenAI-compatible server for the suite: llama.cpp's llama-server with a tiny made model.

Skipped, with the reason, where no llama-server binary is found; CI builds one (.ci/run).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from django_openai.client import AsyncOpenAI, OpenAI

from .server import ENV_BINARY, BinaryMissingError, LlamaServer, cache_root, find_binary
from .tiny_model import write_tiny_chat_model


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    try:
        binary = find_binary()
    except BinaryMissingError as exc:
        pytest.fail(str(exc))
    if binary is None:
        pytest.skip(
            f"no llama-server: build one with `bash .ci/llama_server.sh` (into {cache_root()}) "
            f"or set ${ENV_BINARY}"
        )
    workdir = tmp_path_factory.mktemp("llama-server")
    server = LlamaServer(
        binary=binary,
        model_path=write_tiny_chat_model(workdir / "tiny-greeter.gguf"),
        log_path=workdir / "server.log",
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def llama_client(llama_server: LlamaServer) -> Iterator[OpenAI]:
    with OpenAI(
        provider="llamacpp", base_url=llama_server.base_url, api_key=llama_server.api_key, max_retries=0
    ) as client:
        yield client


@pytest.fixture
async def llama_async_client(llama_server: LlamaServer) -> AsyncOpenAI:
    async with AsyncOpenAI(
        provider="llamacpp", base_url=llama_server.base_url, api_key=llama_server.api_key, max_retries=0
    ) as client:
        yield client

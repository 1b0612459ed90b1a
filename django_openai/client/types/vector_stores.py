"""Vector stores (``/vector_stores``), their files, file batches and search results."""

from __future__ import annotations

from typing import Any

from ._base import Deleted, OpenAIObject


class VectorStore(OpenAIObject):
    id: str
    object: str = "vector_store"
    created_at: int | None = None
    name: str | None = None
    status: str | None = None
    usage_bytes: int | None = None
    file_counts: dict[str, int] | None = None
    metadata: dict[str, str] | None = None
    expires_after: Any = None
    expires_at: int | None = None
    last_active_at: int | None = None


class VectorStoreDeleted(Deleted):
    pass


class VectorStoreFile(OpenAIObject):
    id: str
    object: str = "vector_store.file"
    created_at: int | None = None
    status: str | None = None
    usage_bytes: int | None = None
    vector_store_id: str | None = None
    last_error: Any = None
    attributes: dict[str, Any] | None = None
    chunking_strategy: Any = None


class VectorStoreFileDeleted(Deleted):
    pass


class VectorStoreFileBatch(OpenAIObject):
    id: str
    object: str = "vector_store.files_batch"
    created_at: int | None = None
    status: str | None = None
    vector_store_id: str | None = None
    file_counts: dict[str, int] | None = None


class VectorStoreSearchResult(OpenAIObject):
    file_id: str | None = None
    filename: str | None = None
    score: float | None = None
    attributes: dict[str, Any] | None = None
    content: list[Any] = []


class VectorStoreFileContent(OpenAIObject):
    type: str | None = None
    text: str | None = None

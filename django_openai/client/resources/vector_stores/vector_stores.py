"""``client.vector_stores``: create, retrieve, update, list, delete and search vector stores."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...types.vector_stores import (
    VectorStore,
    VectorStoreDeleted,
    VectorStoreSearchResult,
)
from .._resource import Resource, without_self
from ._paths import store_path
from .file_batches import FileBatches
from .files import VectorStoreFiles

if TYPE_CHECKING:
    from ...pagination import SyncPage


class VectorStores(Resource):
    @property
    def files(self) -> VectorStoreFiles:
        return VectorStoreFiles(self._client)

    @property
    def file_batches(self) -> FileBatches:
        return FileBatches(self._client)

    def create(self, **params: Any) -> VectorStore:
        return self._post("/vector_stores", params, cast=VectorStore)

    def retrieve(self, vector_store_id: str, **params: Any) -> VectorStore:
        return self._get(store_path(vector_store_id), params, cast=VectorStore)

    def update(self, vector_store_id: str, **params: Any) -> VectorStore:
        return self._post(store_path(vector_store_id), params, cast=VectorStore)

    def list(self, **params: Any) -> SyncPage[VectorStore]:
        return self._list("/vector_stores", params, VectorStore)

    def delete(self, vector_store_id: str, **params: Any) -> VectorStoreDeleted:
        return self._delete(store_path(vector_store_id), params, cast=VectorStoreDeleted)

    def search(self, vector_store_id: str, *, query: Any, **params: Any) -> SyncPage[VectorStoreSearchResult]:
        """POST /vector_stores/{id}/search; the answer is one page of results."""
        body = without_self(locals(), "vector_store_id")
        return self._list(
            f"{store_path(vector_store_id)}/search", body, VectorStoreSearchResult, method="POST"
        )

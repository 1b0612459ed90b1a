from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..types.vector_stores import (
    VectorStore,
    VectorStoreDeleted,
    VectorStoreFile,
    VectorStoreFileBatch,
    VectorStoreFileContent,
    VectorStoreFileDeleted,
    VectorStoreSearchResult,
)
from ._resource import Resource, path_id, without_self

if TYPE_CHECKING:
    from ..pagination import SyncPage


def _store(vector_store_id: str) -> str:
    return f"/vector_stores/{path_id(vector_store_id, 'vector_store_id')}"


class VectorStoreFiles(Resource):
    def create(self, vector_store_id: str, *, file_id: str, **params: Any) -> VectorStoreFile:
        body = without_self(locals(), "vector_store_id")
        return self._post(f"{_store(vector_store_id)}/files", body, cast=VectorStoreFile)

    def retrieve(self, file_id: str, *, vector_store_id: str, **params: Any) -> VectorStoreFile:
        return self._get(
            f"{_store(vector_store_id)}/files/{path_id(file_id, 'file_id')}", params, cast=VectorStoreFile
        )

    def update(
        self, file_id: str, *, vector_store_id: str, attributes: dict[str, Any], **params: Any
    ) -> VectorStoreFile:
        body = without_self(locals(), "file_id", "vector_store_id")
        return self._post(
            f"{_store(vector_store_id)}/files/{path_id(file_id, 'file_id')}", body, cast=VectorStoreFile
        )

    def list(self, vector_store_id: str, **params: Any) -> SyncPage[VectorStoreFile]:
        return self._list(f"{_store(vector_store_id)}/files", params, VectorStoreFile)

    def delete(self, file_id: str, *, vector_store_id: str, **params: Any) -> VectorStoreFileDeleted:
        return self._delete(
            f"{_store(vector_store_id)}/files/{path_id(file_id, 'file_id')}",
            params,
            cast=VectorStoreFileDeleted,
        )

    def content(
        self, file_id: str, *, vector_store_id: str, **params: Any
    ) -> SyncPage[VectorStoreFileContent]:
        return self._list(
            f"{_store(vector_store_id)}/files/{path_id(file_id, 'file_id')}/content",
            params,
            VectorStoreFileContent,
        )


class FileBatches(Resource):
    def create(self, vector_store_id: str, **params: Any) -> VectorStoreFileBatch:
        return self._post(f"{_store(vector_store_id)}/file_batches", params, cast=VectorStoreFileBatch)

    def retrieve(self, batch_id: str, *, vector_store_id: str, **params: Any) -> VectorStoreFileBatch:
        return self._get(
            f"{_store(vector_store_id)}/file_batches/{path_id(batch_id, 'batch_id')}",
            params,
            cast=VectorStoreFileBatch,
        )

    def cancel(self, batch_id: str, *, vector_store_id: str, **params: Any) -> VectorStoreFileBatch:
        return self._post(
            f"{_store(vector_store_id)}/file_batches/{path_id(batch_id, 'batch_id')}/cancel",
            params,
            cast=VectorStoreFileBatch,
        )

    def list_files(self, batch_id: str, *, vector_store_id: str, **params: Any) -> SyncPage[VectorStoreFile]:
        return self._list(
            f"{_store(vector_store_id)}/file_batches/{path_id(batch_id, 'batch_id')}/files",
            params,
            VectorStoreFile,
        )


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
        return self._get(_store(vector_store_id), params, cast=VectorStore)

    def update(self, vector_store_id: str, **params: Any) -> VectorStore:
        return self._post(_store(vector_store_id), params, cast=VectorStore)

    def list(self, **params: Any) -> SyncPage[VectorStore]:
        return self._list("/vector_stores", params, VectorStore)

    def delete(self, vector_store_id: str, **params: Any) -> VectorStoreDeleted:
        return self._delete(_store(vector_store_id), params, cast=VectorStoreDeleted)

    def search(self, vector_store_id: str, *, query: Any, **params: Any) -> SyncPage[VectorStoreSearchResult]:
        """POST /vector_stores/{id}/search; the answer is one page of results."""
        body = without_self(locals(), "vector_store_id")
        return self._list(f"{_store(vector_store_id)}/search", body, VectorStoreSearchResult, method="POST")

"""``client.vector_stores.file_batches``: files added to a vector store in batches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...types.vector_stores import (
    VectorStoreFile,
    VectorStoreFileBatch,
)
from .._resource import Resource, path_id
from ._paths import store_path

if TYPE_CHECKING:
    from ...pagination import SyncPage


class FileBatches(Resource):
    def create(self, vector_store_id: str, **params: Any) -> VectorStoreFileBatch:
        return self._post(f"{store_path(vector_store_id)}/file_batches", params, cast=VectorStoreFileBatch)

    def retrieve(self, batch_id: str, *, vector_store_id: str, **params: Any) -> VectorStoreFileBatch:
        return self._get(
            f"{store_path(vector_store_id)}/file_batches/{path_id(batch_id, 'batch_id')}",
            params,
            cast=VectorStoreFileBatch,
        )

    def cancel(self, batch_id: str, *, vector_store_id: str, **params: Any) -> VectorStoreFileBatch:
        return self._post(
            f"{store_path(vector_store_id)}/file_batches/{path_id(batch_id, 'batch_id')}/cancel",
            params,
            cast=VectorStoreFileBatch,
        )

    def list_files(self, batch_id: str, *, vector_store_id: str, **params: Any) -> SyncPage[VectorStoreFile]:
        return self._list(
            f"{store_path(vector_store_id)}/file_batches/{path_id(batch_id, 'batch_id')}/files",
            params,
            VectorStoreFile,
        )

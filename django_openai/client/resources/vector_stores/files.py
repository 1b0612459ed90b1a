"""``client.vector_stores.files``: the files of a vector store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...types.vector_stores import (
    VectorStoreFile,
    VectorStoreFileContent,
    VectorStoreFileDeleted,
)
from .._resource import Resource, path_id, without_self
from ._paths import store_path

if TYPE_CHECKING:
    from ...pagination import SyncPage


class VectorStoreFiles(Resource):
    def create(self, vector_store_id: str, *, file_id: str, **params: Any) -> VectorStoreFile:
        body = without_self(locals(), "vector_store_id")
        return self._post(f"{store_path(vector_store_id)}/files", body, cast=VectorStoreFile)

    def retrieve(self, file_id: str, *, vector_store_id: str, **params: Any) -> VectorStoreFile:
        return self._get(
            f"{store_path(vector_store_id)}/files/{path_id(file_id, 'file_id')}", params, cast=VectorStoreFile
        )

    def update(
        self, file_id: str, *, vector_store_id: str, attributes: dict[str, Any], **params: Any
    ) -> VectorStoreFile:
        body = without_self(locals(), "file_id", "vector_store_id")
        return self._post(
            f"{store_path(vector_store_id)}/files/{path_id(file_id, 'file_id')}", body, cast=VectorStoreFile
        )

    def list(self, vector_store_id: str, **params: Any) -> SyncPage[VectorStoreFile]:
        return self._list(f"{store_path(vector_store_id)}/files", params, VectorStoreFile)

    def delete(self, file_id: str, *, vector_store_id: str, **params: Any) -> VectorStoreFileDeleted:
        return self._delete(
            f"{store_path(vector_store_id)}/files/{path_id(file_id, 'file_id')}",
            params,
            cast=VectorStoreFileDeleted,
        )

    def content(
        self, file_id: str, *, vector_store_id: str, **params: Any
    ) -> SyncPage[VectorStoreFileContent]:
        return self._list(
            f"{store_path(vector_store_id)}/files/{path_id(file_id, 'file_id')}/content",
            params,
            VectorStoreFileContent,
        )

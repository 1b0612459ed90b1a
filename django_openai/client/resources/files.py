"""``client.files``: upload, list, retrieve, download and delete files; wait for processing."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..errors import OpenAIError
from ..types.files import FileDeleted, FileObject
from ._resource import Resource, path_id, without_self

if TYPE_CHECKING:
    from .._streaming import BinaryResponse
    from ..pagination import SyncPage

FILE_TERMINAL_STATUSES = frozenset({"processed", "error", "deleted"})


class Files(Resource):
    def create(self, *, file: Any, purpose: str, **params: Any) -> FileObject:
        """Multipart POST /files. ``file``: a path, bytes, a file object, a Django File or a tuple."""
        body = without_self(locals(), "file")
        return self._request("POST", "/files", body, cast=FileObject, files={"file": file})

    def list(self, **params: Any) -> SyncPage[FileObject]:
        return self._list("/files", params, FileObject)

    def retrieve(self, file_id: str, **params: Any) -> FileObject:
        return self._get(f"/files/{path_id(file_id, 'file_id')}", params, cast=FileObject)

    def content(self, file_id: str, **params: Any) -> BinaryResponse:
        """The file's bytes, unread: ``.read()``, ``.iter_bytes()`` or ``.write_to_file(path)``."""
        return self._get(f"/files/{path_id(file_id, 'file_id')}/content", params, stream_body=True)

    def delete(self, file_id: str, **params: Any) -> FileDeleted:
        return self._delete(f"/files/{path_id(file_id, 'file_id')}", params, cast=FileDeleted)

    def wait_for_processing(
        self, file_id: str, *, poll_interval: float = 5.0, max_wait_seconds: float = 1800
    ) -> FileObject:
        """Poll until the file is ``processed`` (or ``error``); raise after ``max_wait_seconds``."""
        if self._client.is_async:
            return self._wait_async(file_id, poll_interval, max_wait_seconds)  # type: ignore[return-value]
        deadline = time.monotonic() + max_wait_seconds
        file = self.retrieve(file_id)
        while file.status not in FILE_TERMINAL_STATUSES:
            if time.monotonic() > deadline:
                raise OpenAIError(f"file {file_id} still {file.status!r} after {max_wait_seconds:.0f}s")
            self._sleep(poll_interval)
            file = self.retrieve(file_id)
        return file

    async def _wait_async(self, file_id: str, poll_interval: float, max_wait_seconds: float) -> FileObject:
        deadline = time.monotonic() + max_wait_seconds
        file = await self.retrieve(file_id)  # type: ignore[misc]
        while file.status not in FILE_TERMINAL_STATUSES:
            if time.monotonic() > deadline:
                raise OpenAIError(f"file {file_id} still {file.status!r} after {max_wait_seconds:.0f}s")
            await self._sleep(poll_interval)
            file = await self.retrieve(file_id)  # type: ignore[misc]
        return file

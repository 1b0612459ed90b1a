"""Files and the Uploads API (large files in parts, concurrent and resumable)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._files import to_file_part
from ..errors import OpenAIError
from ..types.files import FileDeleted, FileObject
from ..types.uploads import Upload, UploadPart
from ._chunked import ChunkPlan, run_parts_async, run_parts_sync
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


class Parts(Resource):
    def create(self, upload_id: str, *, data: Any, **params: Any) -> UploadPart:
        return self._request(
            "POST",
            f"/uploads/{path_id(upload_id, 'upload_id')}/parts",
            params,
            cast=UploadPart,
            files={"data": data},
        )


ProgressCallback = Callable[[int, str, int], None]


class Uploads(Resource):
    @property
    def parts(self) -> Parts:
        return Parts(self._client)

    def create(self, *, bytes: int, filename: str, mime_type: str, purpose: str, **params: Any) -> Upload:
        return self._post("/uploads", without_self(locals()), cast=Upload)

    def complete(self, upload_id: str, *, part_ids: list[str], **params: Any) -> Upload:
        body = without_self(locals(), "upload_id")
        return self._post(f"/uploads/{path_id(upload_id, 'upload_id')}/complete", body, cast=Upload)

    def cancel(self, upload_id: str, **params: Any) -> Upload:
        return self._post(f"/uploads/{path_id(upload_id, 'upload_id')}/cancel", params, cast=Upload)

    def upload_file_chunked(
        self,
        *,
        file: Any,
        mime_type: str,
        purpose: str,
        filename: str | None = None,
        bytes: int | None = None,
        part_size: int = 64 * 1024 * 1024,
        concurrency: int = 4,
        upload_id: str | None = None,
        completed_parts: Mapping[int, str] | None = None,
        on_part: ProgressCallback | None = None,
    ) -> Upload:
        """Send a large file through the Uploads API, ``concurrency`` parts at a time.

        To resume after a crash, pass the ``upload_id`` and the ``completed_parts`` (part index ->
        part id) recorded through ``on_part(index, part_id, bytes_sent_so_far)``; only the missing
        parts are sent. Returns the completed upload, whose ``file`` is the new file object.
        """
        part = to_file_part(file)
        total = bytes if bytes is not None else part.size
        if total is None:
            raise ValueError("cannot size this file: pass bytes=... explicitly")
        plan = ChunkPlan(part, total, part_size, dict(completed_parts or {}))
        name = filename or part.filename
        if self._client.is_async:
            return self._chunked_async(plan, name, mime_type, purpose, upload_id, concurrency, on_part)  # type: ignore[return-value]
        if upload_id is None:
            upload_id = self.create(bytes=total, filename=name, mime_type=mime_type, purpose=purpose).id
        part_ids = run_parts_sync(plan, self._send_part_factory(upload_id), concurrency, on_part)
        return self.complete(upload_id, part_ids=part_ids)

    def _send_part_factory(self, upload_id: str) -> Callable[[bytes], Any]:
        def send(data: Any) -> Any:
            return self.parts.create(upload_id, data=("part", data, "application/octet-stream"))

        return send

    async def _chunked_async(
        self,
        plan: ChunkPlan,
        name: str,
        mime_type: str,
        purpose: str,
        upload_id: str | None,
        concurrency: int,
        on_part: ProgressCallback | None,
    ) -> Upload:
        if upload_id is None:
            upload = await self.create(bytes=plan.total, filename=name, mime_type=mime_type, purpose=purpose)  # type: ignore[misc]
            upload_id = upload.id
        part_ids = await run_parts_async(plan, self._send_part_factory(upload_id), concurrency, on_part)
        return await self.complete(upload_id, part_ids=part_ids)  # type: ignore[misc]

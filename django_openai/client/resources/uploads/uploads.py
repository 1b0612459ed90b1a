"""``client.uploads``: the Uploads API, and a large file sent in concurrent, resumable parts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..._files import to_file_part
from ...types.uploads import Upload
from .._resource import Resource, path_id, without_self
from ._chunked import ChunkPlan, run_parts_async, run_parts_sync
from .parts import Parts

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

"""Files (``/files``)."""

from __future__ import annotations

from ._base import Deleted, OpenAIObject


class FileObject(OpenAIObject):
    id: str
    object: str = "file"
    bytes: int | None = None
    created_at: int | None = None
    expires_at: int | None = None
    filename: str | None = None
    purpose: str | None = None
    status: str | None = None
    status_details: str | None = None


class FileDeleted(Deleted):
    pass

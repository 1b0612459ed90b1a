"""The Uploads API (``/uploads``): large files in parts."""

from __future__ import annotations

from ._base import OpenAIObject
from .files import FileObject


class UploadPart(OpenAIObject):
    id: str
    object: str = "upload.part"
    created_at: int | None = None
    upload_id: str | None = None


class Upload(OpenAIObject):
    id: str
    object: str = "upload"
    bytes: int | None = None
    created_at: int | None = None
    expires_at: int | None = None
    filename: str | None = None
    purpose: str | None = None
    status: str | None = None
    file: FileObject | None = None

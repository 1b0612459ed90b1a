from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from ..signals import file_processed
from .base import RemoteObject, from_timestamp
from .kinds import RemoteKind


class File(RemoteObject):
    """A file on the API (training data, batch input and output, assistant documents)."""

    purpose = models.CharField(max_length=64, db_index=True)
    filename = models.CharField(max_length=512, blank=True)
    bytes = models.BigIntegerField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    #: An optional local copy, in the project's default storage.
    local_copy = models.FileField(upload_to="openai/files/", blank=True)

    remote_kind = RemoteKind(
        resource="files",
        statuses={"uploaded": 0, "processed": 1, "error": 1, "deleted": 2},
        terminal=frozenset({"deleted"}),
        # Polling stops once the API has processed the file; only a delete moves it on from there.
        settled=frozenset({"processed", "error"}),
        signals={"processed": file_processed},
        sync_name="files",
        # A file is polled only while the API processes it, which services.files schedules.
        poll_imported=False,
    )

    class Meta(RemoteObject.Meta):
        verbose_name = "file"
        constraints = RemoteObject.Meta.constraints

    def copy_columns(self, remote: dict[str, Any]) -> None:
        self.purpose = remote.get("purpose") or self.purpose
        self.filename = remote.get("filename") or self.filename
        self.bytes = remote.get("bytes", self.bytes)
        self.expires_at = from_timestamp(remote.get("expires_at"))


class Upload(models.Model):
    """A chunked upload in progress: enough to resume it after a crash.

    A file received from a user (the admin's upload form, the API) above
    ``UPLOAD_PART_THRESHOLD_BYTES`` is staged in ``source`` and sent by a Celery task; the row
    shows its progress (``bytes_sent`` of ``total_bytes``) and, after a failure, why, until it is
    resumed (``services.files.retry_upload``).
    """

    PENDING = "pending"
    QUEUED = "queued"
    UPLOADING = "uploading"
    FAILED = "failed"
    COMPLETED = "completed"

    client_alias = models.CharField(max_length=100, default="default")
    #: Empty (NULL) until the remote upload is created: a queued upload has none yet.
    openai_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    filename = models.CharField(max_length=512)
    purpose = models.CharField(max_length=64)
    mime_type = models.CharField(max_length=128)
    total_bytes = models.BigIntegerField()
    bytes_sent = models.BigIntegerField(default=0)
    part_size = models.BigIntegerField()
    #: part index (as a string) -> part id, for the parts already sent.
    parts = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=32, default="pending")
    file = models.ForeignKey(File, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: The received file, staged in the default storage until the task has sent it.
    source = models.FileField(upload_to="openai/uploads/", blank=True, max_length=512)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.filename}: {self.progress:.0%}"

    @property
    def progress(self) -> float:
        return self.bytes_sent / self.total_bytes if self.total_bytes else 0.0

    @property
    def can_resume(self) -> bool:
        """A failed (or stalled) upload whose staged file is still there can be sent again."""
        return self.status in (self.FAILED, self.QUEUED, self.UPLOADING) and bool(self.source)

    def completed_parts(self) -> dict[int, str]:
        return {int(index): part_id for index, part_id in self.parts.items()}

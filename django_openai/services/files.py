"""Uploading files: directly, or through the Uploads API in resumable parts when large."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from ..client import APIError, NotFoundError, to_file_part
from ..conf import app_settings
from ..models import File, Upload
from ..schedules import UPLOAD_TASK
from ._common import async_client_for, async_twin, client_for, enqueue, save_remote, send_on_commit

FILE_PURPOSES = {"assistants", "batch", "fine-tune", "vision", "user_data", "evals"}


def _check_purpose(purpose: str) -> None:
    if purpose not in FILE_PURPOSES:
        raise ValidationError(
            f"{purpose!r} is not a file purpose; use one of {', '.join(sorted(FILE_PURPOSES))}.",
            code="invalid_purpose",
        )


def upload_file(
    source: Any,
    purpose: str,
    *,
    client_alias: str = "default",
    owner: Any = None,
    filename: str | None = None,
    mime_type: str | None = None,
    keep_local_copy: bool = False,
) -> File:
    """Upload any file input; above ``UPLOAD_PART_THRESHOLD_BYTES`` it goes in parts.

    The parts are sent concurrently and recorded on an :class:`Upload` row as they land, so
    :func:`resume_upload` can finish the job after a crash. With ``keep_local_copy`` the content
    is also saved (streamed) to ``File.local_copy`` in the default storage.
    """
    _check_purpose(purpose)
    part = to_file_part(source)
    name = filename or part.filename
    file = _upload(source, part, name, purpose, client_alias, owner, mime_type)
    if keep_local_copy:
        _save_local_copy(file, part, name)
    return file


def _save_local_copy(file: File, part: Any, name: str) -> None:
    from django.core.files import File as DjangoFile

    stream = part.open()
    try:
        file.local_copy.save(f"{file.openai_id}-{name}", DjangoFile(stream, name=name), save=False)
    finally:
        if part.owns_stream:
            stream.close()
    File.objects.filter(pk=file.pk).update(local_copy=file.local_copy.name)


def _upload(
    source: Any, part: Any, name: str, purpose: str, client_alias: str, owner: Any, mime_type: str | None
) -> File:
    if part.size is not None and part.size > app_settings.UPLOAD_PART_THRESHOLD_BYTES:
        upload = Upload.objects.create(
            client_alias=client_alias,
            openai_id=None,
            filename=name,
            purpose=purpose,
            mime_type=mime_type or part.mime_type,
            total_bytes=part.size,
            part_size=app_settings.UPLOAD_PART_SIZE_BYTES,
        )
        return resume_upload(upload, source, owner=owner)
    client = client_for(client_alias)
    remote = client.files.create(file=(name, source, mime_type or part.mime_type), purpose=purpose)
    return _mirror_file(remote.to_dict(), client_alias, owner)


def resume_upload(upload: Upload, source: Any, *, owner: Any = None) -> File:
    """Send the parts an :class:`Upload` still lacks, then complete it into a :class:`File`."""
    client = client_for(upload.client_alias)
    caller = threading.get_ident()
    lock = threading.Lock()

    def record(index: int, part_id: str, sent: int) -> None:
        # Each part is saved as it lands: a crash loses at most the parts in flight.
        with lock:
            upload.parts[str(index)] = part_id
            upload.bytes_sent = max(upload.bytes_sent, sent)
            Upload.objects.filter(pk=upload.pk).update(
                parts=dict(upload.parts), bytes_sent=upload.bytes_sent, updated=timezone.now()
            )
        if threading.get_ident() != caller:
            # Parts are sent from a thread pool: its threads' connections would outlive them.
            connection.close()

    Upload.objects.filter(pk=upload.pk).update(status=Upload.UPLOADING, error="", updated=timezone.now())
    try:
        if not upload.openai_id:
            remote_upload = client.uploads.create(
                bytes=upload.total_bytes,
                filename=upload.filename,
                mime_type=upload.mime_type,
                purpose=upload.purpose,
            )
            upload.openai_id = remote_upload.id
            upload.save(update_fields=["openai_id", "updated"])
        completed = client.uploads.upload_file_chunked(
            file=source,
            mime_type=upload.mime_type,
            purpose=upload.purpose,
            filename=upload.filename,
            bytes=upload.total_bytes,
            part_size=upload.part_size,
            upload_id=upload.openai_id,
            completed_parts=upload.completed_parts(),
            on_part=record,
        )
    except APIError as exc:
        upload.status = Upload.FAILED
        upload.error = str(exc)  # the client's errors are redacted (docs/architecture.md)
        upload.save(update_fields=["status", "error", "updated"])
        raise
    file = _mirror_file(completed.file.to_dict(), upload.client_alias, owner)
    upload.status = completed.status or Upload.COMPLETED
    upload.file = file
    upload.bytes_sent = upload.total_bytes
    upload.error = ""
    upload.save()
    return file


def _mirror_file(remote: dict[str, Any], client_alias: str, owner: Any) -> File:
    file, _ = File.objects.get_or_create(
        client_alias=client_alias,
        openai_id=remote["id"],
        defaults={"purpose": remote.get("purpose") or "", "owner": owner},
    )
    change = save_remote(file, remote)
    if file.status and not file.is_settled:
        # Still being processed: the sweeper polls it until its status settles (File.remote_kind).
        file.next_poll_at = timezone.now()
        file.save(update_fields=["next_poll_at"])
    elif change is not None and (signal := file.remote_kind.signals.get(file.status)) is not None:
        send_on_commit(signal, file)
    return file


def mirror_file_id(file_id: str | None, client_alias: str) -> File | None:
    """The local row of a remote file (fetched and stored when we do not have it yet)."""
    if not file_id:
        return None
    existing = File.objects.filter(client_alias=client_alias, openai_id=file_id).first()
    if existing is not None:
        return existing
    remote = client_for(client_alias).files.retrieve(file_id)
    return _mirror_file(remote.to_dict(), client_alias, None)


def receive_file(
    received: Any,
    purpose: str,
    *,
    client_alias: str = "default",
    owner: Any = None,
    filename: str | None = None,
) -> File | Upload:
    """Take a file a user sent (a Django ``UploadedFile``): a :class:`File` or a queued :class:`Upload`.

    Up to ``UPLOAD_PART_THRESHOLD_BYTES`` it is uploaded at once and the mirror row returned.
    Above, it is staged in the default storage and an :class:`Upload` row returned at once: a
    Celery task (``django_openai.send_upload``) sends it through the Uploads API in parts,
    recording its progress on the row; after a failure, :func:`retry_upload` sends only the
    parts still missing. The admin's upload form and the API's ``POST files/`` both come here.
    """
    _check_purpose(purpose)
    name = filename or getattr(received, "name", None) or "upload"
    size = getattr(received, "size", None)
    if size is None or size <= app_settings.UPLOAD_PART_THRESHOLD_BYTES:
        return upload_file(received, purpose, client_alias=client_alias, owner=owner, filename=name)
    part = to_file_part(received)
    with transaction.atomic():
        upload = Upload.objects.create(
            client_alias=client_alias,
            openai_id=None,
            filename=name,
            purpose=purpose,
            mime_type=part.mime_type,
            total_bytes=size,
            part_size=app_settings.UPLOAD_PART_SIZE_BYTES,
            status=Upload.QUEUED,
            owner=owner,
        )
        upload.source.save(name, received, save=False)
        Upload.objects.filter(pk=upload.pk).update(source=upload.source.name)
        enqueue(UPLOAD_TASK, upload.pk)
    return upload


def send_upload(upload: Upload) -> File | None:
    """Send a staged :class:`Upload` (the task's work): the parts it lacks, then complete it.

    The staged copy is removed once the file exists remotely; after a failure it stays, with the
    reason on the row (``error``), so that :func:`retry_upload` can go on from the parts sent.
    """
    if upload.status == Upload.COMPLETED or not upload.source:
        return upload.file
    try:
        with upload.source.open("rb") as source:
            file = resume_upload(upload, source, owner=upload.owner)
    except APIError:
        raise  # recorded on the row by resume_upload
    except Exception as exc:
        Upload.objects.filter(pk=upload.pk).update(
            status=Upload.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], updated=timezone.now()
        )
        raise
    staged = upload.source.name or ""
    Upload.objects.filter(pk=upload.pk).update(source="")
    upload.source.name = ""
    default_storage.delete(staged)
    return file


def retry_upload(upload: Upload) -> Upload:
    """Queue a failed (or stalled) upload again; only the parts not yet sent are sent."""
    if not upload.can_resume:
        raise ValidationError(
            f"upload {upload.pk} is {upload.status}"
            + ("" if upload.source else " and its staged file is gone")
            + "; only a failed upload whose file is still staged can be resumed.",
            code="not_resumable",
        )
    with transaction.atomic():
        Upload.objects.filter(pk=upload.pk).update(status=Upload.QUEUED, error="", updated=timezone.now())
        upload.status, upload.error = Upload.QUEUED, ""
        enqueue(UPLOAD_TASK, upload.pk)
    return upload


def delete_file(file: File) -> str:
    """Delete a file remotely (gone already is fine) and its mirror row with its local copy.

    Returns the remote id. Batches and jobs that named it keep their rows (their link is cleared).
    """
    with contextlib.suppress(NotFoundError):  # deleted elsewhere already: the mirror follows
        client_for(file.client_alias).files.delete(file.openai_id)
    openai_id = file.openai_id
    if file.local_copy:
        file.local_copy.delete(save=False)
    file.delete()
    return openai_id


def file_content(file: File) -> Iterator[bytes]:
    """The remote file's bytes as they arrive (an error status is raised before the first byte)."""
    body = client_for(file.client_alias).files.content(file.openai_id)
    return body.iter_bytes(64 * 1024)  # closes the response when done or dropped


async def afile_content(file: File) -> AsyncIterator[bytes]:
    """:func:`file_content` on the async client: relayed under ASGI, holding no thread."""
    body = await async_client_for(file.client_alias).files.content(file.openai_id)
    return body.iter_bytes(64 * 1024)


aupload_file = async_twin(upload_file)
aresume_upload = async_twin(resume_upload)
areceive_file = async_twin(receive_file)
aretry_upload = async_twin(retry_upload)
adelete_file = async_twin(delete_file)

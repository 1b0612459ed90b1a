"""Uploading files: directly, or through the Uploads API in resumable parts when large."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from ..client import APIError, to_file_part
from ..conf import app_settings
from ..models import File, Upload
from ._common import async_twin, client_for, save_remote, send_on_commit

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
            openai_id="",
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
    if not upload.openai_id:
        remote_upload = client.uploads.create(
            bytes=upload.total_bytes,
            filename=upload.filename,
            mime_type=upload.mime_type,
            purpose=upload.purpose,
        )
        upload.openai_id = remote_upload.id
        upload.save(update_fields=["openai_id", "updated"])

    def record(index: int, part_id: str, sent: int) -> None:
        # Each part is saved as it lands: a crash loses at most the parts in flight.
        upload.parts[str(index)] = part_id
        upload.bytes_sent = sent
        Upload.objects.filter(pk=upload.pk).update(
            parts=dict(upload.parts), bytes_sent=sent, updated=timezone.now()
        )

    try:
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
        upload.error = str(exc)
        upload.save(update_fields=["error", "updated"])
        raise
    file = _mirror_file(completed.file.to_dict(), upload.client_alias, owner)
    upload.status = completed.status or "completed"
    upload.file = file
    upload.bytes_sent = upload.total_bytes
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


aupload_file = async_twin(upload_file)
aresume_upload = async_twin(resume_upload)

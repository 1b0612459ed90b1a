"""Files a user sends: small ones at once, large ones staged and sent by a task, resumed after a failure."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from django_openai.models import Batch, File, Upload
from django_openai.services.files import delete_file, file_content, receive_file, retry_upload

from ..models.test_services import training

pytestmark = pytest.mark.django_db(transaction=True)


def received(content: bytes, name: str = "train.jsonl") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/jsonl")


def test_a_small_file_is_uploaded_at_once(small_parts):
    fake = small_parts
    file = receive_file(received(b'{"a": 1}\n'), "batch")
    assert isinstance(file, File) and file.openai_id in fake.fake.files
    assert not Upload.objects.exists()


def test_a_large_file_is_staged_and_sent_in_parts_by_the_task(small_parts):
    fake = small_parts
    content = training(300)  # ~27 KB: 7 parts of 4 KB
    user = None
    upload = receive_file(received(content), "fine-tune", owner=user)
    assert isinstance(upload, Upload)
    upload.refresh_from_db()
    # The task ran (eagerly, once committed): every part sent, the file mirrored, the copy gone.
    assert upload.status == "completed" and upload.bytes_sent == upload.total_bytes == len(content)
    assert upload.file is not None and upload.file.purpose == "fine-tune"
    assert len(upload.parts) == -(-len(content) // 4096)
    assert not upload.source
    assert os.listdir(settings.MEDIA_ROOT + "/openai/uploads") == []
    assert fake.fake.files[upload.file.openai_id]["bytes"] == len(content)


def test_a_failed_upload_keeps_its_parts_and_is_resumed(small_parts):
    fake = small_parts
    content = training(300)
    # The third part fails: two parts are sent, then the task records the failure.
    fake.faults.add("POST", "/uploads/*/parts", status=400, times=None, skip=2)
    upload = receive_file(received(content), "fine-tune")
    upload.refresh_from_db()
    assert upload.status == "failed" and "400" in upload.error
    assert 0 < upload.bytes_sent < upload.total_bytes and upload.source
    sent_before = len(upload.parts)
    fake.faults.clear()
    retry_upload(upload)
    upload.refresh_from_db()
    assert upload.status == "completed" and upload.error == ""
    assert len(fake.fake.uploads) == 1, "the same remote upload was resumed"
    assert sent_before == 2
    parts_asked = [r for r in fake.requests if r.path.endswith("/parts")]
    # The first attempt asked for every part (two passed); the retry only for the five missing.
    assert len(parts_asked) == 7 + 5
    assert fake.fake.files[upload.file.openai_id]["bytes"] == len(content)


def test_only_a_failed_upload_with_its_file_can_be_resumed(small_parts):
    upload = receive_file(received(training(300)), "fine-tune")
    upload.refresh_from_db()
    with pytest.raises(ValidationError, match="only a failed upload"):
        retry_upload(upload)


def test_a_bad_purpose_uploads_nothing(small_parts):
    fake = small_parts
    with pytest.raises(ValidationError, match="'training' is not a file purpose"):
        receive_file(received(training(300)), "training")
    assert not Upload.objects.exists() and fake.fake.files == {}


def test_delete_removes_the_remote_file_and_the_mirror(use_openai_fake):
    fake = use_openai_fake()
    file = receive_file(received(b'{"a": 1}\n'), "batch")
    batch = Batch.objects.create(openai_id="batch_1", endpoint="/v1/responses", input_file=file)
    assert delete_file(file) == file.openai_id
    assert fake.fake.files == {} and not File.objects.exists()
    batch.refresh_from_db()
    assert batch.input_file is None


def test_delete_of_a_file_already_gone_remotely_removes_the_mirror(use_openai_fake):
    use_openai_fake()
    file = File.objects.create(openai_id="file-gone", purpose="batch")
    delete_file(file)
    assert not File.objects.exists()


def test_content_is_streamed_and_a_missing_file_fails_before_the_first_byte(use_openai_fake):
    use_openai_fake()
    content = training(50)
    file = receive_file(received(content), "batch")
    assert b"".join(file_content(file)) == content
    gone = File.objects.create(openai_id="file-gone", purpose="batch")
    with pytest.raises(Exception) as raised:
        file_content(gone)
    assert raised.value.__class__.__name__ == "NotFoundError"


def test_failure_of_the_first_request_is_recorded_too(small_parts):
    fake = small_parts
    fake.faults.add("POST", "/uploads", status=400, times=None)
    upload = receive_file(received(training(300)), "fine-tune")
    upload.refresh_from_db()
    assert upload.status == "failed" and "400" in upload.error and upload.openai_id is None
    assert upload.source, "kept for a retry"

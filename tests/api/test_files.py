"""files/ and uploads/ against the fake server."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from django_openai.models import File, Upload

from ..models.test_services import training
from .conftest import API

pytestmark = pytest.mark.django_db(transaction=True)


def upload(client, content: bytes, purpose="fine-tune", name="train.jsonl"):
    return client.post(
        API + "files/", {"file": SimpleUploadedFile(name, content), "purpose": purpose}, format="multipart"
    )


def test_upload_list_retrieve_content_delete(alice, users, use_openai_fake):
    fake = use_openai_fake()
    content = training(20)
    created = upload(alice, content)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["object"] == "file" and body["purpose"] == "fine-tune" and body["bytes"] == len(content)
    file_id = body["id"]
    assert File.objects.get(openai_id=file_id).owner == users["a"]

    listed = alice.get(API + "files/", {"purpose": "fine-tune"}).json()
    assert [f["id"] for f in listed["data"]] == [file_id] and listed["has_more"] is False
    assert alice.get(API + "files/", {"purpose": "batch"}).json()["data"] == []
    assert alice.get(API + f"files/{file_id}/").json()["filename"] == "train.jsonl"

    download = alice.get(API + f"files/{file_id}/content/")
    assert download.status_code == 200 and download.streaming
    assert b"".join(download.streaming_content) == content
    assert download["Content-Disposition"] == 'attachment; filename="train.jsonl"'

    assert alice.delete(API + f"files/{file_id}/").status_code == 204
    assert fake.fake.files == {} and not File.objects.exists()
    assert alice.get(API + f"files/{file_id}/").status_code == 404


def test_content_of_a_file_gone_remotely_is_a_404_before_any_byte(alice, users, use_openai_fake):
    use_openai_fake()
    File.objects.create(openai_id="file-gone", purpose="batch", owner=users["a"])
    response = alice.get(API + "files/file-gone/content/")
    assert response.status_code == 404 and "Not found on the OpenAI API" in response.json()["detail"]


def test_a_large_file_is_accepted_and_sent_in_the_background(alice, users, use_openai_fake, tmp_path):
    fake = use_openai_fake()
    content = training(300)
    options = {"UPLOAD_PART_THRESHOLD_BYTES": 1000, "UPLOAD_PART_SIZE_BYTES": 4096}
    with override_settings(DJANGO_OPENAI={**settings.DJANGO_OPENAI, **options}, MEDIA_ROOT=str(tmp_path)):
        response = upload(alice, content)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["object"] == "django_openai.upload" and body["total_bytes"] == len(content)
    # The task ran once the request's transaction committed (eagerly in tests).
    progress = alice.get(API + f"uploads/{body['id']}/").json()
    assert (
        progress["status"] == "completed"
        and progress["bytes_sent"] == len(content)
        and progress["progress"] == 1.0
    )
    assert fake.fake.files[progress["file"]]["bytes"] == len(content)
    assert alice.get(API + "uploads/").json()["data"][0]["id"] == body["id"]


def test_a_failed_upload_is_resumed(alice, users, use_openai_fake, tmp_path):
    fake = use_openai_fake()
    content = training(300)
    options = {"UPLOAD_PART_THRESHOLD_BYTES": 1000, "UPLOAD_PART_SIZE_BYTES": 4096}
    fake.faults.add("POST", "/uploads/*/parts", status=500, times=None, skip=3)
    with override_settings(DJANGO_OPENAI={**settings.DJANGO_OPENAI, **options}, MEDIA_ROOT=str(tmp_path)):
        upload_id = upload(alice, content).json()["id"]
        failed = alice.get(API + f"uploads/{upload_id}/").json()
        assert failed["status"] == "failed" and failed["can_resume"] and failed["bytes_sent"] == 3 * 4096
        assert "500" in failed["error"] and "sk-" not in failed["error"]
        fake.faults.clear()
        resumed = alice.post(API + f"uploads/{upload_id}/resume/")
        assert resumed.status_code == 202
    done = alice.get(API + f"uploads/{upload_id}/").json()
    assert done["status"] == "completed" and done["file"]
    again = alice.post(API + f"uploads/{upload_id}/resume/")
    assert again.status_code == 400 and "only a failed upload" in again.json()["detail"]
    assert Upload.objects.count() == 1

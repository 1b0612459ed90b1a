"""Services against the fake server: uploads, batches and fine-tuning jobs, and every bad input."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from django_openai.client import BadRequestError
from django_openai.models import Batch, File, FineTuningJob, Upload
from django_openai.services import upload_file
from django_openai.services.files import resume_upload

pytestmark = pytest.mark.django_db(transaction=True)


def requests(n: int, overrides: dict | None = None):
    for i in range(n):
        request = {
            "custom_id": f"q-{i}",
            "body": {"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": f"question {i}"}]},
        }
        request.update((overrides or {}).get(i, {}))
        yield request


def training(n: int) -> bytes:
    line = {"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}
    return b"".join(json.dumps(line).encode() + b"\n" for _ in range(n))


def test_small_file_upload(use_openai_fake):
    fake = use_openai_fake()
    file = upload_file(("train.jsonl", training(10)), "fine-tune")
    assert file.openai_id in fake.fake.files
    assert (file.purpose, file.filename, file.bytes, file.status) == (
        "fine-tune",
        "train.jsonl",
        len(training(10)),
        "processed",
    )
    assert not Upload.objects.exists()


def test_large_file_goes_through_uploads_in_parts_and_resumes(use_openai_fake, tmp_path):
    fake = use_openai_fake()
    content = training(400)
    path = tmp_path / "big.jsonl"
    path.write_bytes(content)
    with override_settings(
        DJANGO_OPENAI={
            **__import__("django.conf").conf.settings.DJANGO_OPENAI,
            "UPLOAD_PART_THRESHOLD_BYTES": 1000,
            "UPLOAD_PART_SIZE_BYTES": 4096,
        }
    ):
        # A first attempt dies after two parts (the third part fails hard).
        fake.faults.add("POST", "/uploads/*/parts", status=400, times=None)
        upload = Upload.objects.create(
            openai_id="",
            filename="big.jsonl",
            purpose="fine-tune",
            mime_type="application/jsonl",
            total_bytes=len(content),
            part_size=4096,
        )
        with pytest.raises(BadRequestError):
            resume_upload(upload, path)
        fake.faults.clear()
        upload.refresh_from_db()
        assert upload.openai_id and upload.parts == {}
        file = resume_upload(upload, path)
    upload.refresh_from_db()
    assert len(fake.fake.uploads) == 1, "the same remote upload was resumed"
    assert upload.status == "completed" and upload.bytes_sent == len(content) and upload.file == file
    assert len(upload.parts) == -(-len(content) // 4096)
    assert fake.fake.files[file.openai_id]["bytes"] == len(content)


def test_create_from_requests_streams_a_generator(use_openai_fake):
    fake = use_openai_fake()
    batch = Batch.objects.create_from_requests(
        requests(500), "/v1/chat/completions", metadata={"job": "nightly"}
    )
    assert batch.status == "validating" and batch.next_poll_at is not None
    assert batch.input_file.purpose == "batch"
    uploaded = fake.fake.files[batch.input_file.openai_id]
    lines = (fake.fake.data_dir / uploaded["id"]).read_bytes().splitlines()
    assert len(lines) == 500
    assert json.loads(lines[3]) == {
        "custom_id": "q-3",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "question 3"}]},
    }
    assert fake.fake.batches[batch.openai_id]["metadata"] == {"job": "nightly"}


def test_model_argument_fills_bodies(use_openai_fake):
    use_openai_fake()
    batch = Batch.objects.create_from_requests(
        ({"custom_id": str(i), "input": "x"} for i in range(3)),
        "/v1/embeddings",
        model="text-embedding-3-small",
    )
    assert batch.openai_id


def _assert_nothing_created(fake):
    assert not Batch.objects.exists() and not File.objects.exists()
    assert fake.fake.files == {} and fake.fake.batches == {}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: [*requests(2), {"custom_id": "q-0", "body": {"model": "gpt-4.1-mini", "messages": []}}],
            "line 3: custom_id 'q-0' is used twice",
        ),
        (
            lambda: [*requests(1), {"custom_id": "b", "body": {"model": "gpt-4.1", "messages": []}}],
            "line 2: model 'gpt-4.1' differs",
        ),
        (
            lambda: [
                *requests(1),
                {"custom_id": "b", "url": "/v1/embeddings", "body": {"model": "gpt-4.1-mini"}},
            ],
            "line 2: url",
        ),
        (lambda: [{"body": {"model": "m"}}], "line 1: custom_id is missing"),
        (
            lambda: [{"custom_id": "a", "method": "GET", "body": {"model": "m"}}],
            "line 1: method must be POST",
        ),
        (lambda: [], "at least one request"),
    ],
)
def test_bad_requests_are_refused_before_any_upload(use_openai_fake, make, message):
    fake = use_openai_fake()
    with pytest.raises(ValidationError) as info:
        Batch.objects.create_from_requests(make(), "/v1/chat/completions")
    assert message in str(info.value)
    _assert_nothing_created(fake)


def test_too_many_lines_is_refused_without_holding_them(use_openai_fake):
    fake = use_openai_fake()
    with pytest.raises(ValidationError, match="at most 50000 requests; line 50001"):
        Batch.objects.create_from_requests(requests(50_001), "/v1/chat/completions")
    _assert_nothing_created(fake)


def test_bad_endpoint(use_openai_fake):
    fake = use_openai_fake()
    with pytest.raises(ValidationError, match="not a batch endpoint"):
        Batch.objects.create_from_requests(requests(1), "/v1/images/generations")
    _assert_nothing_created(fake)


def test_create_from_file_validates_malformed_jsonl(use_openai_fake, tmp_path):
    fake = use_openai_fake()
    path = tmp_path / "input.jsonl"
    good = b"".join(json.dumps(r).encode() + b"\n" for r in requests(2))
    path.write_bytes(good + b'{"custom_id": "x", "body": \n')
    with pytest.raises(ValidationError, match="line 3: not valid JSON"):
        Batch.objects.create_from_file(path, "/v1/chat/completions")
    _assert_nothing_created(fake)
    path.write_bytes(good)
    assert Batch.objects.create_from_file(path, "/v1/chat/completions").status == "validating"


def test_api_refusal_leaves_nothing_behind(use_openai_fake):
    fake = use_openai_fake()
    fake.faults.add(
        "POST", "/batches", status=400, body={"error": {"message": "quota", "type": "invalid_request_error"}}
    )
    with pytest.raises(Exception, match="quota"):
        Batch.objects.create_from_requests(requests(2), "/v1/chat/completions")
    _assert_nothing_created(fake)


def test_fine_tuning_start_and_bad_files(use_openai_fake):
    fake = use_openai_fake()
    train = upload_file(("train.jsonl", training(10)), "fine-tune")
    job = FineTuningJob.objects.start(
        train,
        "gpt-4.1-mini",
        suffix="demo",
        seed=7,
        method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 1}}},
    )
    assert job.status == "validating_files" and job.training_file == train and job.next_poll_at
    assert fake.fake.jobs[job.openai_id]["seed"] == 7
    batch_file = upload_file(("b.jsonl", b"{}\n"), "batch")
    with pytest.raises(ValidationError, match="purpose 'batch'"):
        FineTuningJob.objects.start(batch_file, "gpt-4.1-mini")
    with pytest.raises(ValidationError, match="no file 'file-missing'"):
        FineTuningJob.objects.start("file-missing", "gpt-4.1-mini")
    with pytest.raises(ValidationError, match="not a file purpose"):
        upload_file(("x.txt", b"x"), "training")
    assert FineTuningJob.objects.count() == 1


def test_local_copy_in_storage(use_openai_fake, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    use_openai_fake()
    file = upload_file(("train.jsonl", training(10)), "fine-tune", keep_local_copy=True)
    file.refresh_from_db()
    assert file.local_copy.name.startswith(f"openai/files/{file.openai_id}-train")
    with file.local_copy.open("rb") as stored:
        assert stored.read() == training(10)


async def test_async_entry_points(use_openai_fake):
    from django_openai.services import aupload_file

    fake = use_openai_fake()
    train = await aupload_file(("train.jsonl", training(10)), "fine-tune")
    job = await FineTuningJob.objects.astart(train, "gpt-4.1-mini")
    batch = await Batch.objects.acreate_from_requests(list(requests(3)), "/v1/chat/completions")
    assert (await job.acancel()).status == "cancelled"
    fake.advance(30)
    assert (await batch.arefresh()).status == "completed"
    # The worker thread's database connection, closed so the test database can be dropped.
    from asgiref.sync import sync_to_async
    from django.db import connections

    await sync_to_async(connections.close_all)()

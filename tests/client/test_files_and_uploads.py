"""File inputs of every kind, streamed; chunked uploads, concurrent and resumable."""

from __future__ import annotations

import io
import os
import threading

import httpx
import pytest

from django_openai.client import to_file_part

from .conftest import parse_multipart


def test_every_file_input_kind(tmp_path):
    from django.core.files.base import ContentFile, File
    from django.core.files.uploadedfile import SimpleUploadedFile

    path = tmp_path / "data.jsonl"
    path.write_bytes(b"abc")
    cases = [
        (str(path), "data.jsonl", b"abc"),
        (path, "data.jsonl", b"abc"),
        (b"abc", "upload", b"abc"),
        (io.BytesIO(b"abc"), "upload", b"abc"),
        (("named.txt", b"abc"), "named.txt", b"abc"),
        (("named.txt", b"abc", "text/plain"), "named.txt", b"abc"),
        (File(io.BytesIO(b"abc"), name="django.jsonl"), "django.jsonl", b"abc"),
        (ContentFile(b"abc", name="content.jsonl"), "content.jsonl", b"abc"),
        (SimpleUploadedFile("up.jsonl", b"abc", content_type="application/jsonl"), "up.jsonl", b"abc"),
    ]
    for value, name, content in cases:
        part = to_file_part(value)
        assert part.filename == name, value
        assert part.size == 3, value
        stream = part.open()
        assert stream.read() == content, value
        # a second open gives the same bytes again (what a retry needs)
        again = part.open()
        assert again.read() == content, value
    assert to_file_part(("x.txt", b"a", "text/csv")).mime_type == "text/csv"
    assert to_file_part(SimpleUploadedFile("up.bin", b"a", content_type="image/png")).mime_type == "image/png"


def test_bad_file_inputs_are_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        to_file_part(str(tmp_path / "missing.jsonl"))
    with pytest.raises(TypeError, match="cannot send int"):
        to_file_part(42)
    with pytest.raises(TypeError, match="file tuple"):
        to_file_part(("a",))


def test_large_file_is_streamed_not_read_whole(client, router, tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"x" * (8 * 1024 * 1024))
    reads: list[int] = []
    real_open = to_file_part(path)._opener

    class CountingFile(io.FileIO):
        def read(self, size=-1):
            data = super().read(size)
            reads.append(len(data))
            return data

    import django_openai.client._files as files_module

    original = files_module.open if hasattr(files_module, "open") else None
    files_module.open = lambda p, mode="rb": CountingFile(p, "r")  # type: ignore[attr-defined]
    try:
        router.post("/files").respond(200, json={"id": "file-1"})
        client.files.create(file=path, purpose="batch")
    finally:
        if original is None:
            del files_module.open
    assert real_open is not None
    assert sum(reads) >= 8 * 1024 * 1024
    assert max(reads) <= 1024 * 1024, "read in chunks, never whole"


def _upload_routes(router, *, fail_part_once: int | None = None):
    state = {"parts": [], "lock": threading.Lock(), "failed": False}

    def add_part(request):
        body = parse_multipart(request.read(), request.headers["content-type"])
        with state["lock"]:
            data = body["data"]["content"]
            if (
                fail_part_once is not None
                and data.startswith(str(fail_part_once).encode())
                and not state["failed"]
            ):
                state["failed"] = True
                return httpx.Response(500, json={"error": {"message": "boom"}})
            part_id = f"part_{len(state['parts'])}"
            state["parts"].append((part_id, data))
        return httpx.Response(200, json={"id": part_id, "object": "upload.part"})

    def complete(request):
        import json

        ids = json.loads(request.read())["part_ids"]
        by_id = dict(state["parts"])
        content = b"".join(by_id[i] for i in ids)
        return httpx.Response(
            200,
            json={
                "id": "upload_1",
                "status": "completed",
                "bytes": len(content),
                "file": {"id": "file-up", "object": "file", "bytes": len(content)},
            },
        )

    router.post("/uploads").respond(200, json={"id": "upload_1", "status": "pending"})
    router.post("/uploads/upload_1/parts").mock(side_effect=add_part)
    router.post("/uploads/upload_1/complete").mock(side_effect=complete)
    return state


def _content(parts: int, size: int) -> bytes:
    return b"".join(str(i).encode() + b"-" * (size - len(str(i))) for i in range(parts))


def test_chunked_upload_sends_parts_concurrently_in_order(client, router, tmp_path):
    state = _upload_routes(router)
    content = _content(10, 1000)
    path = tmp_path / "big.jsonl"
    path.write_bytes(content)
    progress = []
    upload = client.uploads.upload_file_chunked(
        file=path,
        mime_type="application/jsonl",
        purpose="batch",
        part_size=1000,
        concurrency=4,
        on_part=lambda i, pid, sent: progress.append((i, sent)),
    )
    assert upload.status == "completed" and upload.file.id == "file-up"
    assert upload.bytes == len(content)
    assert sorted(i for i, _ in progress) == list(range(10))
    assert max(sent for _, sent in progress) == len(content)
    assert len(state["parts"]) == 10


def test_chunked_upload_resumes_from_parts_already_sent(client, router, tmp_path):
    state = _upload_routes(router)
    content = _content(6, 100)
    # Parts 0-2 were sent before a crash; their ids were recorded by on_part.
    state["parts"].extend((f"old_{i}", content[i * 100 : (i + 1) * 100]) for i in range(3))
    upload = client.uploads.upload_file_chunked(
        file=content,
        mime_type="application/jsonl",
        purpose="batch",
        part_size=100,
        upload_id="upload_1",
        completed_parts={0: "old_0", 1: "old_1", 2: "old_2"},
    )
    assert upload.bytes == len(content)
    assert len(state["parts"]) == 6, "only the three missing parts were sent"
    assert not router.routes[0].called, "no new upload was created"


async def test_async_chunked_upload(aclient, router):
    state = _upload_routes(router)
    content = _content(7, 50)
    upload = await aclient.uploads.upload_file_chunked(
        file=("x.jsonl", content), mime_type="application/jsonl", purpose="batch", part_size=50, concurrency=3
    )
    assert upload.bytes == len(content)
    assert len(state["parts"]) == 7


def test_part_size_limits(client):
    with pytest.raises(ValueError, match="64 MB"):
        client.uploads.upload_file_chunked(
            file=b"x", mime_type="a/b", purpose="batch", part_size=65 * 1024 * 1024
        )


def test_wait_for_processing_polls_until_done(client, router, _fast_retries, monkeypatch):
    import httpx

    import django_openai.client.resources._resource as resource_module

    naps: list[float] = []
    monkeypatch.setattr(resource_module, "_blocking_sleep", naps.append)
    route = router.get("/files/file-1").mock(
        side_effect=[
            httpx.Response(200, json={"id": "file-1", "status": "uploaded"}),
            httpx.Response(200, json={"id": "file-1", "status": "uploaded"}),
            httpx.Response(200, json={"id": "file-1", "status": "processed"}),
        ]
    )
    assert client.files.wait_for_processing("file-1", poll_interval=0.25).status == "processed"
    assert route.call_count == 3 and naps == [0.25, 0.25]


def test_wait_for_processing_gives_up(client, router, monkeypatch):
    import django_openai.client.resources._resource as resource_module

    monkeypatch.setattr(resource_module, "_blocking_sleep", lambda s: None)
    router.get("/files/file-1").respond(200, json={"id": "file-1", "status": "uploaded"})
    from django_openai.client import OpenAIError

    with pytest.raises(OpenAIError, match="still 'uploaded'"):
        client.files.wait_for_processing("file-1", poll_interval=0.01, max_wait_seconds=0.05)


async def test_async_wait_for_processing(aclient, router, _fast_retries):
    import httpx

    router.get("/files/file-1").mock(
        side_effect=[
            httpx.Response(200, json={"id": "file-1", "status": "uploaded"}),
            httpx.Response(200, json={"id": "file-1", "status": "error", "status_details": "bad"}),
        ]
    )
    file = await aclient.files.wait_for_processing("file-1", poll_interval=0.5)
    assert file.status == "error" and 0.5 in _fast_retries


class _SlowStream(io.BytesIO):
    """A file object whose reads take a while: two threads sharing it would interleave."""

    def seek(self, offset: int, whence: int = 0) -> int:
        position = super().seek(offset, whence)
        threading.Event().wait(0.01)  # another thread may seek meanwhile (time.sleep is patched here)
        return position


def test_parts_read_from_one_shared_file_object_get_their_own_bytes():
    """Parts are read from a thread pool; a file object is one stream that each read seeks."""
    from concurrent.futures import ThreadPoolExecutor

    from django_openai.client.resources.uploads._chunked import ChunkPlan

    content = os.urandom(25_600)  # 7 parts of 4 KB, each different
    plan = ChunkPlan(to_file_part(("data.bin", _SlowStream(content))), len(content), 4096)
    with ThreadPoolExecutor(4) as pool:
        parts = list(pool.map(plan.read, range(plan.count)))
    assert b"".join(parts) == content

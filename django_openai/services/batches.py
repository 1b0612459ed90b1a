"""Batches: building and validating the input, starting, refreshing, cancelling, ingesting."""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..client import APIError, NotFoundError, to_file_part
from ..conf import app_settings
from ..models import Batch, BatchItem, File
from ..signals import batch_completed, batch_failed
from ._bulk import ItemRow, insert_items
from ._common import async_twin, client_for, iter_lines, save_remote, send_on_commit
from ._request_bodies import RequestBodies
from .files import mirror_file_id, upload_file

logger = logging.getLogger("django_openai.batches")

BATCH_ENDPOINTS = (
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
)
MAX_LINES = 50_000
MAX_BYTES = 200 * 1024 * 1024


class _BatchWriter:
    """Checks each request as OpenAI will, and appends it to a temporary JSONL file."""

    def __init__(self, endpoint: str, model: str | None) -> None:
        if endpoint not in BATCH_ENDPOINTS:
            raise ValidationError(
                f"endpoint {endpoint!r} is not a batch endpoint; use one of {', '.join(BATCH_ENDPOINTS)}.",
                code="invalid_endpoint",
            )
        self.endpoint = endpoint
        self.model = model
        self.seen: set[str] = set()
        self.lines = 0
        self.size = 0
        handle, self.path = tempfile.mkstemp(prefix="openai-batch-", suffix=".jsonl")
        self.out = os.fdopen(handle, "wb")

    def fail(self, message: str, code: str) -> None:
        raise ValidationError(f"line {self.lines}: {message}", code=code)

    def add(self, request: Mapping[str, Any]) -> None:
        self.lines += 1
        if self.lines > MAX_LINES:
            raise ValidationError(
                f"a batch holds at most {MAX_LINES} requests; line {self.lines} is one too many.",
                code="too_many_requests",
            )
        if not isinstance(request, Mapping):
            self.fail(f"a request must be a dict, not {type(request).__name__}", "invalid_request")
        custom_id = request.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id:
            raise ValidationError(
                f"line {self.lines}: custom_id is missing or not a string", code="missing_custom_id"
            )
        if custom_id in self.seen:
            self.fail(f"custom_id {custom_id!r} is used twice", "duplicate_custom_id")
        self.seen.add(custom_id)
        method = request.get("method", "POST")
        if method != "POST":
            self.fail(f"method must be POST, not {method!r}", "invalid_method")
        url = request.get("url", self.endpoint)
        if url != self.endpoint:
            self.fail(f"url {url!r} differs from the batch endpoint {self.endpoint!r}", "mismatched_endpoint")
        body = request.get("body")
        if body is None:
            body = {k: v for k, v in request.items() if k not in ("custom_id", "method", "url")}
        if not isinstance(body, Mapping):
            self.fail("body must be a dict", "invalid_request")
        body = dict(body)
        if self.model is not None:
            body.setdefault("model", self.model)
        model = body.get("model")
        if not model:
            self.fail("body has no model", "missing_model")
        if self.model is None:
            self.model = model
        elif model != self.model:
            self.fail(
                f"model {model!r} differs from {self.model!r}: a batch uses one model", "mismatched_model"
            )
        line = (
            json.dumps(
                {"custom_id": custom_id, "method": "POST", "url": self.endpoint, "body": body},
                separators=(",", ":"),
                ensure_ascii=False,
            ).encode()
            + b"\n"
        )
        self.size += len(line)
        if self.size > MAX_BYTES:
            self.fail(f"the batch file would exceed {MAX_BYTES // (1024 * 1024)} MB", "file_too_large")
        self.out.write(line)

    def close(self) -> None:
        self.out.close()

    def discard(self) -> None:
        self.out.close()
        os.unlink(self.path)


def create_batch_from_requests(
    requests: Iterable[Mapping[str, Any]],
    endpoint: str,
    *,
    model: str | None = None,
    metadata: dict[str, str] | None = None,
    client_alias: str = "default",
    owner: Any = None,
) -> Batch:
    writer = _BatchWriter(endpoint, model)
    try:
        for request in requests:
            writer.add(request)
        if writer.lines == 0:
            raise ValidationError("a batch needs at least one request.", code="empty")
        writer.close()
        return _start(writer.path, endpoint, metadata, client_alias, owner)
    except BaseException:
        writer.discard()
        raise
    finally:
        if os.path.exists(writer.path):
            os.unlink(writer.path)


def create_batch_from_file(
    source: Any,
    endpoint: str,
    *,
    metadata: dict[str, str] | None = None,
    client_alias: str = "default",
    owner: Any = None,
) -> Batch:
    """A ready JSONL file: read line by line and validated exactly like generated requests."""
    part = to_file_part(source)

    def requests() -> Iterable[dict[str, Any]]:
        stream = part.open()
        try:
            for number, raw in enumerate(iter_lines(iter(lambda: stream.read(1024 * 1024), b"")), start=1):
                if not raw.strip():
                    continue
                try:
                    yield json.loads(raw)
                except ValueError:
                    raise ValidationError(
                        f"line {number}: not valid JSON", code="invalid_json_line"
                    ) from None
        finally:
            if part.owns_stream:
                stream.close()

    return create_batch_from_requests(
        requests(), endpoint, metadata=metadata, client_alias=client_alias, owner=owner
    )


def _start(path: str, endpoint: str, metadata: dict[str, str] | None, client_alias: str, owner: Any) -> Batch:
    with open(path, "rb") as data:
        input_file = upload_file(
            data,
            "batch",
            client_alias=client_alias,
            owner=owner,
            filename=f"batch-{timezone.now():%Y%m%d-%H%M%S}.jsonl",
            mime_type="application/jsonl",
        )
    client = client_for(client_alias)
    try:
        remote = client.batches.create(
            input_file_id=input_file.openai_id, endpoint=endpoint, metadata=metadata or None
        )
    except APIError:
        # Leave nothing half-created: the uploaded input goes too.
        with contextlib.suppress(APIError):
            client.files.delete(input_file.openai_id)
        input_file.delete()
        raise
    batch = Batch(
        client_alias=client_alias,
        openai_id=remote.id,
        endpoint=endpoint,
        input_file=input_file,
        owner=owner,
        next_poll_at=timezone.now(),
    )
    save_remote(batch, remote.to_dict())
    return batch


def refresh_batch(batch: Batch) -> Batch:
    remote = client_for(batch.client_alias).batches.retrieve(batch.openai_id)
    with transaction.atomic():
        save_remote(batch, remote.to_dict())
    return batch


def cancel_batch(batch: Batch) -> Batch:
    remote = client_for(batch.client_alias).batches.cancel(batch.openai_id)
    with transaction.atomic():
        save_remote(batch, remote.to_dict())
        batch.next_poll_at = timezone.now()
        batch.save(update_fields=["next_poll_at"])
    return batch


def _json_codec() -> tuple[Callable[[bytes], Any], Callable[[Any], str]]:
    """orjson when installed (the "fast" extra): it parses and re-encodes result lines 4-5x faster.

    Its output is decoded to str on purpose: keeping orjson's bytes themselves (over-allocated, then
    shrunk) for a chunk's rows took peak RSS from 86 to 160 MB in bench/batch_scale.py."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - exercised when the extra is absent
        return json.loads, json.dumps
    return orjson.loads, lambda value: orjson.dumps(value).decode()


_loads, _dumps = _json_codec()


def _item(batch_id: int, raw: bytes, from_error_file: bool, bodies: RequestBodies) -> ItemRow:
    line = _loads(raw)
    response = line.get("response") or {}
    body = response.get("body")
    error = line.get("error") or (
        (body or {}).get("error") if from_error_file and isinstance(body, dict) else None
    )
    custom_id = str(line.get("custom_id"))
    return (
        batch_id,
        custom_id,
        bodies.get(custom_id),
        response.get("status_code"),
        _dumps(body) if body is not None else None,
        _dumps(error) if error is not None else None,
        response.get("request_id") or "",
    )


def ingest_batch_results(batch: Batch) -> int:
    """Store every output and error line as a BatchItem, streaming, in chunks.

    Safe to run again after a crash: rows already stored are skipped by the unique
    ``(batch, custom_id)`` constraint, so a rerun finishes the job without duplicates.
    """
    if batch.results_ingested_at is not None:
        return 0
    client = client_for(batch.client_alias)
    fresh = not BatchItem.objects.filter(batch_id=batch.pk).exists()
    with _request_bodies(batch, client) as bodies:
        inserted = _ingest_files(batch, client, bodies, fresh)
    with transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(
            results_ingested_at=timezone.now(),
            next_poll_at=None,
            output_file=batch.output_file,
            error_file=batch.error_file,
        )
        batch.refresh_from_db()
        signal = batch_completed if batch.status == "completed" else batch_failed
        send_on_commit(signal, batch)
    return inserted


def _ingest_files(batch: Batch, client: Any, bodies: RequestBodies, fresh: bool) -> int:
    chunk_size = app_settings.BATCH_INGEST_CHUNK_SIZE
    inserted = 0
    for key, is_error in (("output_file_id", False), ("error_file_id", True)):
        file_id = (batch.data or {}).get(key)
        if not file_id:
            continue
        mirror = _ensure_file(file_id, batch.client_alias)
        if key == "output_file_id" and batch.output_file_id != (mirror.pk if mirror else None):
            batch.output_file = mirror
        elif key == "error_file_id":
            batch.error_file = mirror
        with _remote_lines(client, file_id) as lines:
            while True:
                # Lazily parsed: each line is parsed as the copy takes it (see _bulk).
                chunk = itertools.islice(lines, chunk_size)
                rows = (_item(batch.pk, raw, is_error, bodies) for raw in chunk)
                count, fresh = insert_items(rows, fresh=fresh)
                inserted += count
                if not count:
                    break
    return inserted


@contextlib.contextmanager
def _remote_lines(client: Any, file_id: str) -> Iterator[Iterator[bytes]]:
    """The non-empty lines of a remote file, downloaded as a stream."""
    with client.files.content(file_id) as body:
        yield (raw for raw in iter_lines(body.iter_bytes(256 * 1024)) if raw)


def _request_bodies(batch: Batch, client: Any) -> RequestBodies:
    file_id = (batch.data or {}).get("input_file_id")
    if not file_id or not app_settings.BATCH_INGEST_REQUEST_BODIES:
        return RequestBodies.empty()
    try:
        with _remote_lines(client, file_id) as lines:
            return RequestBodies.from_lines(lines, _loads, _dumps)
    except NotFoundError:
        logger.warning("Batch %s: input file %s is gone; request bodies not stored", batch.openai_id, file_id)
        return RequestBodies.empty()


def _ensure_file(file_id: str, client_alias: str) -> File | None:
    try:
        return mirror_file_id(file_id, client_alias)
    except NotFoundError:
        return None


acreate_batch_from_requests = async_twin(create_batch_from_requests)
acreate_batch_from_file = async_twin(create_batch_from_file)
arefresh_batch = async_twin(refresh_batch)
acancel_batch = async_twin(cancel_batch)

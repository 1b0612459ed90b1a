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
from ..models import Batch, BatchItem, BatchResultProblem, File
from ..signals import batch_completed, batch_failed, batch_ingested_with_errors
from ._bulk import insert_items
from ._common import async_twin, client_for, enqueue, iter_lines, save_remote, send_on_commit
from ._request_bodies import RequestBodies
from ._result_lines import ResultLines
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
COMPLETION_WINDOWS = ("24h",)


def check_batch_options(completion_window: str, metadata: Any) -> None:
    """What OpenAI checks of a batch's options, checked before anything is uploaded."""
    if completion_window not in COMPLETION_WINDOWS:
        raise ValidationError(
            f"completion_window {completion_window!r} is not supported; use {', '.join(COMPLETION_WINDOWS)}.",
            code="invalid_completion_window",
        )
    if metadata is None:
        return
    if not isinstance(metadata, Mapping):
        raise ValidationError("metadata must be an object of strings.", code="invalid_metadata")
    if len(metadata) > 16:
        raise ValidationError("metadata holds at most 16 keys.", code="invalid_metadata")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValidationError(
                f"metadata {key!r}: keys and values must be strings.", code="invalid_metadata"
            )
        if len(key) > 64 or len(value) > 512:
            raise ValidationError(
                f"metadata {key!r}: keys hold at most 64 characters, values 512.", code="invalid_metadata"
            )


class _BatchWriter:
    """Checks each request as OpenAI will, and appends it to a temporary JSONL file."""

    def __init__(self, endpoint: str, model: str | None, *, write: bool = True) -> None:
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
        # Without ``write``, lines are only checked, as they stand: a file already uploaded is
        # used as it is, so its lines must name their method and url themselves.
        self.strict = not write
        self.path = ""
        self.out: Any = None
        if write:
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
        if self.strict:
            for name in ("method", "url", "body"):
                if name not in request:
                    self.fail(f"{name} is missing", "missing_" + name)
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
        if self.model is not None and not self.strict:
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
        if self.out is not None:
            self.out.write(line)

    def close(self) -> None:
        if self.out is not None:
            self.out.close()

    def discard(self) -> None:
        self.close()
        if self.path and os.path.exists(self.path):
            os.unlink(self.path)


def create_batch_from_requests(
    requests: Iterable[Mapping[str, Any]],
    endpoint: str,
    *,
    model: str | None = None,
    metadata: dict[str, str] | None = None,
    completion_window: str = "24h",
    client_alias: str = "default",
    owner: Any = None,
) -> Batch:
    check_batch_options(completion_window, metadata)
    writer = _BatchWriter(endpoint, model)
    try:
        for request in requests:
            writer.add(request)
        if writer.lines == 0:
            raise ValidationError("a batch needs at least one request.", code="empty")
        writer.close()
        return _start(writer.path, endpoint, metadata, completion_window, client_alias, owner)
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
    completion_window: str = "24h",
    client_alias: str = "default",
    owner: Any = None,
) -> Batch:
    """A ready JSONL file: read line by line and validated exactly like generated requests."""
    part = to_file_part(source)

    def requests() -> Iterable[dict[str, Any]]:
        stream = part.open()
        try:
            yield from _parsed_lines(iter(lambda: stream.read(1024 * 1024), b""))
        finally:
            if part.owns_stream:
                stream.close()

    return create_batch_from_requests(
        requests(),
        endpoint,
        metadata=metadata,
        completion_window=completion_window,
        client_alias=client_alias,
        owner=owner,
    )


def _parsed_lines(chunks: Iterable[bytes]) -> Iterator[Any]:
    """The JSON value of each non-blank line; a line that is not JSON is named by its number.

    Blank lines are skipped but counted, so that a number is the line an editor shows; the
    writer counts requests, which a message names only when every line before it was one.
    """
    for number, raw in enumerate(iter_lines(chunks), start=1):
        if not raw.strip():
            continue
        try:
            yield json.loads(raw)
        except ValueError:
            raise ValidationError(f"line {number}: not valid JSON", code="invalid_json_line") from None


def create_batch_for_file(
    file: File,
    endpoint: str,
    *,
    metadata: dict[str, str] | None = None,
    completion_window: str = "24h",
    owner: Any = None,
) -> Batch:
    """Start a batch on a JSONL file already uploaded (purpose "batch"), checked line by line first.

    The file is read as a stream from the API and each line checked as OpenAI will (as
    :func:`create_batch_from_requests` does), so that a bad line is a ``ValidationError`` naming
    it rather than a batch that fails validation remotely. The file is used as it stands.
    """
    if file.purpose != "batch":
        raise ValidationError(
            f"file {file.openai_id} has purpose {file.purpose!r}; a batch needs a file of purpose 'batch'.",
            code="invalid_purpose",
        )
    check_batch_options(completion_window, metadata)
    writer = _BatchWriter(endpoint, None, write=False)
    with client_for(file.client_alias).files.content(file.openai_id) as body:
        for request in _parsed_lines(body.iter_bytes(256 * 1024)):
            writer.add(request)
    if writer.lines == 0:
        raise ValidationError("a batch needs at least one request; the file has none.", code="empty")
    remote = client_for(file.client_alias).batches.create(
        input_file_id=file.openai_id,
        endpoint=endpoint,
        completion_window=completion_window,
        metadata=metadata or None,
    )
    return _save_new_batch(remote, endpoint, file, file.client_alias, owner)


def retry_ingestion(batch: Batch) -> Batch:
    """Store a finished batch's results again: after a failed ingestion, or one with problems.

    Rows already stored are kept (the ingestion skips them) and problems are recorded afresh.
    The ingestion runs in a Celery task, started once this commits.
    """
    if not batch.is_terminal:
        raise ValidationError(
            f"batch {batch.openai_id} is {batch.status or 'not started'}; "
            "its results come once it has ended.",
            code="not_finished",
        )
    data = batch.data or {}
    if not (data.get("output_file_id") or data.get("error_file_id")):
        raise ValidationError(f"batch {batch.openai_id} has no result files to ingest.", code="no_results")
    follow_up = batch.remote_kind.follow_up
    assert follow_up is not None
    with transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(results_ingested_at=None, last_error="")
        batch.results_ingested_at, batch.last_error = None, ""
        enqueue(follow_up.task, batch.pk)
    return batch


def _start(
    path: str,
    endpoint: str,
    metadata: dict[str, str] | None,
    completion_window: str,
    client_alias: str,
    owner: Any,
) -> Batch:
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
            input_file_id=input_file.openai_id,
            endpoint=endpoint,
            completion_window=completion_window,
            metadata=metadata or None,
        )
    except APIError:
        # Leave nothing half-created: the uploaded input goes too.
        with contextlib.suppress(APIError):
            client.files.delete(input_file.openai_id)
        input_file.delete()
        raise
    return _save_new_batch(remote, endpoint, input_file, client_alias, owner)


def _save_new_batch(remote: Any, endpoint: str, input_file: File, client_alias: str, owner: Any) -> Batch:
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
        return _stdlib_codec()
    return orjson.loads, lambda value: orjson.dumps(value).decode()


def _stdlib_codec() -> tuple[Callable[[bytes], Any], Callable[[Any], str]]:
    """The json module made as strict as orjson, so that a line is good or bad whichever is used.

    json accepts NaN, Infinity and lone surrogates (``"\\ud800"``), which jsonb refuses: they are
    refused on the way out, as a ValueError (UnicodeEncodeError is one), like orjson's."""

    def dumps(value: Any) -> str:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        text.encode()  # a lone surrogate cannot be encoded
        return text

    return json.loads, dumps


_loads, _dumps = _json_codec()


def ingest_batch_results(batch: Batch) -> int:
    """Store every output and error line as a BatchItem, streaming, in chunks.

    A line that cannot be stored (not JSON, no or a repeated ``custom_id``...) is recorded as a
    BatchResultProblem and the rest are stored; so are counts that do not add up against the
    batch's ``request_counts``. Problems mark the batch "ingested with errors" (see docs/batches.md).

    Safe to run again after a crash: rows already stored are skipped by the unique
    ``(batch, custom_id)`` constraint, so a rerun finishes the job without duplicates, and its
    problems are recorded afresh.
    """
    if batch.results_ingested_at is not None:
        return 0
    client = client_for(batch.client_alias)
    fresh = not BatchItem.objects.filter(batch_id=batch.pk).exists()
    BatchResultProblem.objects.filter(batch_id=batch.pk).delete()
    try:
        with _request_bodies(batch, client) as bodies:
            reader = ResultLines(batch.pk, bodies, _loads, _dumps)
            inserted, fresh = _ingest_files(batch, client, reader, fresh)
    except Exception as exc:
        Batch.objects.filter(pk=batch.pk).update(
            last_error=f"ingesting results: {type(exc).__name__}: {exc}"[:2000]
        )
        raise
    with transaction.atomic():
        # Still "fresh": no row existed and every row sent was copied straight in (a copy fails
        # whole on a duplicate), so what was sent is what is stored. Else count (~60 ms a batch
        # of 50,000 on PostgreSQL, which the fast path is spared).
        stored = inserted if fresh else BatchItem.objects.filter(batch_id=batch.pk).count()
        reader.check_counts(stored, batch.data or {})
        _finish_ingestion(batch, reader, stored)
    return inserted


#: The batch columns _finish_ingestion writes.
INGESTION_FIELDS = (
    "results_ingested_at",
    "next_poll_at",
    "results_read",
    "results_stored",
    "results_problem_count",
    "last_error",
)


def _finish_ingestion(batch: Batch, reader: ResultLines, stored: int) -> None:
    """Save the problems and the counts, mark the batch ingested, and announce it."""
    reader.save_problems()
    problems = BatchResultProblem.objects.filter(batch_id=batch.pk)
    count = problems.count()
    first = problems.order_by("pk").values_list("message", flat=True).first()
    Batch.objects.filter(pk=batch.pk).update(
        results_ingested_at=timezone.now(),
        next_poll_at=None,
        output_file=batch.output_file,
        error_file=batch.error_file,
        results_read=reader.read,
        results_stored=stored,
        results_problem_count=count,
        last_error=f"results ingested with {count} problem(s); the first: {first}"[:2000] if count else "",
    )
    # Only what was written here: a caller may hold unsaved changes to the others (polling does).
    batch.refresh_from_db(fields=[*INGESTION_FIELDS, "output_file", "error_file"])
    if count:
        logger.warning(
            "Batch %s: results ingested with %d problem(s) (%d lines read, %d stored); the first: %s",
            batch.openai_id,
            count,
            reader.read,
            stored,
            first,
        )
        send_on_commit(batch_ingested_with_errors, batch)
    send_on_commit(batch_completed if batch.status == "completed" else batch_failed, batch)


def _ingest_files(batch: Batch, client: Any, reader: ResultLines, fresh: bool) -> tuple[int, bool]:
    """Rows sent to be stored, and whether every one was copied straight in (see _bulk)."""
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
                taken = reader.lines_taken(file_id)
                # Lazily parsed: each line is parsed as the copy takes it (see _bulk). A chunk
                # of lines may give fewer rows (or none): bad lines are set aside as problems.
                chunk = itertools.islice(lines, chunk_size)
                count, fresh = insert_items(reader.rows(chunk, file_id, is_error), fresh=fresh)
                inserted += count
                reader.save_problems()
                if reader.lines_taken(file_id) == taken:
                    break
    return inserted, fresh


@contextlib.contextmanager
def _remote_lines(client: Any, file_id: str) -> Iterator[Iterator[bytes]]:
    """The lines of a remote file, downloaded as a stream (blank ones too: lines are numbered)."""
    with client.files.content(file_id) as body:
        yield iter_lines(body.iter_bytes(256 * 1024))


def _request_bodies(batch: Batch, client: Any) -> RequestBodies:
    file_id = (batch.data or {}).get("input_file_id")
    if not file_id or not app_settings.BATCH_INGEST_REQUEST_BODIES:
        return RequestBodies.empty()
    try:
        with _remote_lines(client, file_id) as lines:
            return RequestBodies.from_lines((raw for raw in lines if raw), _loads, _dumps)
    except NotFoundError:
        logger.warning("Batch %s: input file %s is gone; request bodies not stored", batch.openai_id, file_id)
        return RequestBodies.empty()


def _ensure_file(file_id: str, client_alias: str) -> File | None:
    try:
        return mirror_file_id(file_id, client_alias)
    except NotFoundError:
        return None


def finish_without_results(batch: Batch) -> None:
    """A terminal batch with nothing to ingest (failed validation): announce it.

    Should its request counts say there were results, that is recorded as a problem, as for an
    ingestion that found fewer results than counted."""
    with RequestBodies.empty() as bodies:
        reader = ResultLines(batch.pk, bodies, _loads, _dumps)
        reader.check_counts(0, batch.data or {})
        if reader.pending:
            _finish_ingestion(batch, reader, 0)
            return
    signal = batch.remote_kind.signals.get(batch.status)
    if signal is not None:
        send_on_commit(signal, batch)


acreate_batch_from_requests = async_twin(create_batch_from_requests)
acreate_batch_from_file = async_twin(create_batch_from_file)
acreate_batch_for_file = async_twin(create_batch_for_file)
aretry_ingestion = async_twin(retry_ingestion)
arefresh_batch = async_twin(refresh_batch)
acancel_batch = async_twin(cancel_batch)

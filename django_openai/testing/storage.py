"""Files, uploads and vector stores, kept on disk in the fake's data directory."""

from __future__ import annotations

from typing import Any

from .content import cosine, embedding, text_of
from .fake import FakeError, FakeOpenAI, FakeRequest, FakeResponse, not_found, public

PURPOSES = {"assistants", "batch", "fine-tune", "vision", "user_data", "evals"}
MAX_FILE_BYTES = 512 * 1024 * 1024


def paginate(req: FakeRequest, items: list[dict[str, Any]], *, default_limit: int = 20) -> FakeResponse:
    """Cursor pagination as the API does it: ``limit``, ``after``, ``order``; newest first by default."""
    try:
        limit = int(req.q("limit") or default_limit)
    except ValueError:
        raise FakeError(400, "'limit' must be an integer.", param="limit") from None
    if not 1 <= limit <= 10_000:
        raise FakeError(400, "'limit' must be between 1 and 10000.", param="limit")
    if req.q("order", "desc") == "desc":
        items = list(reversed(items))
    after = req.q("after")
    if after is not None:
        ids = [i.get("id") for i in items]
        if after not in ids:
            raise FakeError(400, f"Invalid 'after': no object with id '{after}'.", param="after")
        items = items[ids.index(after) + 1 :]
    page = items[:limit]
    return FakeResponse.json(
        {
            "object": "list",
            "data": page,
            "has_more": len(items) > limit,
            "first_id": page[0].get("id") if page else None,
            "last_id": page[-1].get("id") if page else None,
        }
    )


# -- files ------------------------------------------------------------------------------------


def store_file(fake: FakeOpenAI, filename: str, content: bytes, purpose: str) -> dict[str, Any]:
    file_id = fake.new_id("file-")
    (fake.data_dir / file_id).write_bytes(content)
    record = {
        "id": file_id,
        "object": "file",
        "bytes": len(content),
        "created_at": fake.now(),
        "filename": filename,
        "purpose": purpose,
        "status": "processed",
    }
    fake.files[file_id] = record
    return record


def get_file(fake: FakeOpenAI, file_id: str, param: str = "file_id") -> dict[str, Any]:
    try:
        return fake.files[file_id]
    except KeyError:
        raise not_found("file", file_id, param) from None


def file_bytes(fake: FakeOpenAI, file_id: str) -> bytes:
    get_file(fake, file_id)
    return (fake.data_dir / file_id).read_bytes()


def create_file(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    form = req.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise FakeError(400, "Missing required parameter: 'file'.", param="file")
    purpose = form.get("purpose")
    if purpose not in PURPOSES:
        raise FakeError(400, f"'{purpose}' is not one of {sorted(PURPOSES)} - 'purpose'", param="purpose")
    if purpose == "batch" and not upload.filename.endswith(".jsonl"):
        raise FakeError(400, "Invalid file format for Batch API. Must be .jsonl", param="file")
    if len(upload.content) > MAX_FILE_BYTES:
        raise FakeError(400, "File is too large.", param="file")
    return FakeResponse.json(store_file(fake, upload.filename, upload.content, purpose))


def list_files(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    purpose = req.q("purpose")
    items = [f for f in fake.files.values() if purpose in (None, f["purpose"])]
    return paginate(req, items, default_limit=10_000)


def retrieve_file(fake: FakeOpenAI, req: FakeRequest, file_id: str) -> FakeResponse:
    return FakeResponse.json(get_file(fake, file_id))


def file_content(fake: FakeOpenAI, req: FakeRequest, file_id: str) -> FakeResponse:
    return FakeResponse.binary(file_bytes(fake, file_id), "application/octet-stream")


def delete_file(fake: FakeOpenAI, req: FakeRequest, file_id: str) -> FakeResponse:
    get_file(fake, file_id)
    del fake.files[file_id]
    (fake.data_dir / file_id).unlink(missing_ok=True)
    return FakeResponse.json({"id": file_id, "object": "file", "deleted": True})


# -- uploads ----------------------------------------------------------------------------------


def _upload(fake: FakeOpenAI, upload_id: str) -> dict[str, Any]:
    try:
        return fake.uploads[upload_id]
    except KeyError:
        raise not_found("upload", upload_id, "upload_id") from None


def create_upload(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    body = req.json()
    for name in ("bytes", "filename", "mime_type", "purpose"):
        if body.get(name) in (None, ""):
            raise FakeError(400, f"Missing required parameter: '{name}'.", param=name)
    if body["purpose"] not in PURPOSES:
        raise FakeError(400, f"Invalid purpose '{body['purpose']}'.", param="purpose")
    if not isinstance(body["bytes"], int) or not 0 < body["bytes"] <= 8 * 1024**3:
        raise FakeError(400, "'bytes' must be between 1 and 8 GB.", param="bytes")
    upload = {
        "id": fake.new_id("upload_"),
        "object": "upload",
        "bytes": body["bytes"],
        "created_at": fake.now(),
        "expires_at": fake.now() + 3600,
        "filename": body["filename"],
        "purpose": body["purpose"],
        "status": "pending",
        "file": None,
        "_parts": {},
    }
    fake.uploads[upload["id"]] = upload
    return FakeResponse.json(public(upload))


def add_upload_part(fake: FakeOpenAI, req: FakeRequest, upload_id: str) -> FakeResponse:
    upload = _upload(fake, upload_id)
    if upload["status"] != "pending":
        raise FakeError(
            400, f"Upload {upload_id} is {upload['status']}; parts can only be added while pending."
        )
    data = req.form().get("data")
    if data is None or isinstance(data, str):
        raise FakeError(400, "Missing required parameter: 'data'.", param="data")
    if len(data.content) > 64 * 1024 * 1024:
        raise FakeError(400, "A part may be at most 64 MB.", param="data")
    part_id = fake.new_id("part_")
    upload["_parts"][part_id] = data.content
    return FakeResponse.json(
        {"id": part_id, "object": "upload.part", "created_at": fake.now(), "upload_id": upload_id}
    )


def complete_upload(fake: FakeOpenAI, req: FakeRequest, upload_id: str) -> FakeResponse:
    upload = _upload(fake, upload_id)
    part_ids = req.json().get("part_ids")
    if not isinstance(part_ids, list) or not part_ids:
        raise FakeError(400, "Missing required parameter: 'part_ids'.", param="part_ids")
    unknown = [p for p in part_ids if p not in upload["_parts"]]
    if unknown:
        raise FakeError(400, f"Unknown part ids: {unknown}.", param="part_ids")
    content = b"".join(upload["_parts"][p] for p in part_ids)
    if len(content) != upload["bytes"]:
        raise FakeError(
            400,
            f"The upload has {len(content)} bytes but {upload['bytes']} were announced.",
            param="part_ids",
        )
    upload["status"] = "completed"
    upload["file"] = store_file(fake, upload["filename"], content, upload["purpose"])
    return FakeResponse.json(public(upload))


def cancel_upload(fake: FakeOpenAI, req: FakeRequest, upload_id: str) -> FakeResponse:
    upload = _upload(fake, upload_id)
    if upload["status"] == "completed":
        raise FakeError(400, "A completed upload cannot be cancelled.")
    upload["status"] = "cancelled"
    return FakeResponse.json(public(upload))


# -- vector stores ----------------------------------------------------------------------------

CHUNK_WORDS = 200
VECTOR_DIMENSIONS = 64


def _store(fake: FakeOpenAI, vector_store_id: str) -> dict[str, Any]:
    try:
        return fake.vector_stores[vector_store_id]
    except KeyError:
        raise not_found("vector store", vector_store_id, "vector_store_id") from None


def _public_store(store: dict[str, Any]) -> dict[str, Any]:
    files = store["_files"].values()
    counts = {"in_progress": 0, "completed": len(files), "failed": 0, "cancelled": 0, "total": len(files)}
    return public(store) | {"file_counts": counts}


def _add_to_store(
    fake: FakeOpenAI, store: dict[str, Any], file_id: str, attributes: Any = None
) -> dict[str, Any]:
    content = file_bytes(fake, file_id).decode("utf-8", "replace")
    words = content.split()
    chunks = [" ".join(words[i : i + CHUNK_WORDS]) for i in range(0, max(len(words), 1), CHUNK_WORDS)]
    entry = {
        "id": file_id,
        "object": "vector_store.file",
        "created_at": fake.now(),
        "status": "completed",
        "usage_bytes": len(content),
        "vector_store_id": store["id"],
        "last_error": None,
        "attributes": attributes or {},
        "chunking_strategy": {
            "type": "static",
            "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400},
        },
        "_chunks": [(c, embedding(c, VECTOR_DIMENSIONS)) for c in chunks],
    }
    store["_files"][file_id] = entry
    store["usage_bytes"] = sum(f["usage_bytes"] for f in store["_files"].values())
    return entry


def create_vector_store(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    body = req.json()
    store = {
        "id": fake.new_id("vs_"),
        "object": "vector_store",
        "created_at": fake.now(),
        "name": body.get("name"),
        "status": "completed",
        "usage_bytes": 0,
        "metadata": body.get("metadata") or {},
        "expires_at": None,
        "last_active_at": fake.now(),
        "_files": {},
    }
    if body.get("expires_after"):
        store["expires_after"] = body["expires_after"]
    for file_id in body.get("file_ids") or []:
        _add_to_store(fake, store, file_id)
    fake.vector_stores[store["id"]] = store
    return FakeResponse.json(_public_store(store))


def list_vector_stores(fake: FakeOpenAI, req: FakeRequest) -> FakeResponse:
    return paginate(req, [_public_store(s) for s in fake.vector_stores.values()])


def retrieve_vector_store(fake: FakeOpenAI, req: FakeRequest, vector_store_id: str) -> FakeResponse:
    return FakeResponse.json(_public_store(_store(fake, vector_store_id)))


def update_vector_store(fake: FakeOpenAI, req: FakeRequest, vector_store_id: str) -> FakeResponse:
    store = _store(fake, vector_store_id)
    body = req.json()
    for key in ("name", "metadata", "expires_after"):
        if key in body:
            store[key] = body[key]
    return FakeResponse.json(_public_store(store))


def delete_vector_store(fake: FakeOpenAI, req: FakeRequest, vector_store_id: str) -> FakeResponse:
    _store(fake, vector_store_id)
    del fake.vector_stores[vector_store_id]
    return FakeResponse.json({"id": vector_store_id, "object": "vector_store.deleted", "deleted": True})


def search_vector_store(fake: FakeOpenAI, req: FakeRequest, vector_store_id: str) -> FakeResponse:
    store = _store(fake, vector_store_id)
    body = req.json()
    query = text_of(body.get("query") if not isinstance(body.get("query"), list) else " ".join(body["query"]))
    if not query:
        raise FakeError(400, "Missing required parameter: 'query'.", param="query")
    target = embedding(query, VECTOR_DIMENSIONS)
    scored = []
    for entry in store["_files"].values():
        filename = fake.files.get(entry["id"], {}).get("filename")
        for chunk, vector in entry["_chunks"]:
            # Exact word overlap dominates so that searches for a word find it; the vector breaks ties.
            overlap = len(set(query.lower().split()) & set(chunk.lower().split()))
            score = round(min(1.0, 0.5 * overlap + 0.25 * (1 + cosine(target, vector)) / 2), 6)
            scored.append(
                {
                    "file_id": entry["id"],
                    "filename": filename,
                    "score": score,
                    "attributes": entry["attributes"],
                    "content": [{"type": "text", "text": chunk}],
                }
            )
    scored.sort(key=lambda r: -r["score"])
    limit = int(body.get("max_num_results") or 10)
    return FakeResponse.json(
        {
            "object": "vector_store.search_results.page",
            "search_query": [query],
            "data": scored[:limit],
            "has_more": False,
            "next_page": None,
        }
    )


def _vs_file(store: dict[str, Any], file_id: str) -> dict[str, Any]:
    try:
        return store["_files"][file_id]
    except KeyError:
        raise not_found("vector store file", file_id, "file_id") from None


def create_vector_store_file(fake: FakeOpenAI, req: FakeRequest, vector_store_id: str) -> FakeResponse:
    store = _store(fake, vector_store_id)
    body = req.json()
    if not body.get("file_id"):
        raise FakeError(400, "Missing required parameter: 'file_id'.", param="file_id")
    return FakeResponse.json(public(_add_to_store(fake, store, body["file_id"], body.get("attributes"))))


def list_vector_store_files(fake: FakeOpenAI, req: FakeRequest, vector_store_id: str) -> FakeResponse:
    store = _store(fake, vector_store_id)
    status = req.q("filter")
    return paginate(req, [public(f) for f in store["_files"].values() if status in (None, f["status"])])


def retrieve_vector_store_file(
    fake: FakeOpenAI, req: FakeRequest, vector_store_id: str, file_id: str
) -> FakeResponse:
    return FakeResponse.json(public(_vs_file(_store(fake, vector_store_id), file_id)))


def update_vector_store_file(
    fake: FakeOpenAI, req: FakeRequest, vector_store_id: str, file_id: str
) -> FakeResponse:
    entry = _vs_file(_store(fake, vector_store_id), file_id)
    entry["attributes"] = req.json().get("attributes") or {}
    return FakeResponse.json(public(entry))


def delete_vector_store_file(
    fake: FakeOpenAI, req: FakeRequest, vector_store_id: str, file_id: str
) -> FakeResponse:
    store = _store(fake, vector_store_id)
    _vs_file(store, file_id)
    del store["_files"][file_id]
    return FakeResponse.json({"id": file_id, "object": "vector_store.file.deleted", "deleted": True})


def vector_store_file_content(
    fake: FakeOpenAI, req: FakeRequest, vector_store_id: str, file_id: str
) -> FakeResponse:
    entry = _vs_file(_store(fake, vector_store_id), file_id)
    return FakeResponse.json(
        {
            "object": "vector_store.file_content.page",
            "data": [{"type": "text", "text": chunk} for chunk, _ in entry["_chunks"]],
            "has_more": False,
            "next_page": None,
        }
    )


def create_file_batch(fake: FakeOpenAI, req: FakeRequest, vector_store_id: str) -> FakeResponse:
    store = _store(fake, vector_store_id)
    body = req.json()
    file_ids = body.get("file_ids") or [f.get("file_id") for f in body.get("files") or []]
    if not file_ids:
        raise FakeError(400, "Missing required parameter: 'file_ids'.", param="file_ids")
    for file_id in file_ids:
        _add_to_store(fake, store, file_id, body.get("attributes"))
    batch = {
        "id": fake.new_id("vsfb_"),
        "object": "vector_store.files_batch",
        "created_at": fake.now(),
        "status": "completed",
        "vector_store_id": vector_store_id,
        "file_counts": {
            "in_progress": 0,
            "completed": len(file_ids),
            "failed": 0,
            "cancelled": 0,
            "total": len(file_ids),
        },
        "_file_ids": file_ids,
    }
    store.setdefault("_batches", {})[batch["id"]] = batch
    return FakeResponse.json(public(batch))


def _file_batch(store: dict[str, Any], batch_id: str) -> dict[str, Any]:
    try:
        return store.get("_batches", {})[batch_id]
    except KeyError:
        raise not_found("vector store file batch", batch_id, "batch_id") from None


def retrieve_file_batch(
    fake: FakeOpenAI, req: FakeRequest, vector_store_id: str, batch_id: str
) -> FakeResponse:
    return FakeResponse.json(public(_file_batch(_store(fake, vector_store_id), batch_id)))


def cancel_file_batch(
    fake: FakeOpenAI, req: FakeRequest, vector_store_id: str, batch_id: str
) -> FakeResponse:
    batch = _file_batch(_store(fake, vector_store_id), batch_id)
    if batch["status"] == "in_progress":
        batch["status"] = "cancelled"
    return FakeResponse.json(public(batch))


def list_file_batch_files(
    fake: FakeOpenAI, req: FakeRequest, vector_store_id: str, batch_id: str
) -> FakeResponse:
    store = _store(fake, vector_store_id)
    batch = _file_batch(store, batch_id)
    return paginate(req, [public(store["_files"][f]) for f in batch["_file_ids"] if f in store["_files"]])

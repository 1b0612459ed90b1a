"""Vector stores: files cut into chunks, searched by word overlap and a deterministic vector."""

from __future__ import annotations

from typing import Any

from ..content import cosine, embedding, text_of
from ..routing import Route
from ..state import FakeState
from ..wire import FakeError, FakeRequest, FakeResponse, not_found, paginate, public
from .files import file_bytes

CHUNK_WORDS = 200
VECTOR_DIMENSIONS = 64


def _store(state: FakeState, vector_store_id: str) -> dict[str, Any]:
    try:
        return state.vector_stores[vector_store_id]
    except KeyError:
        raise not_found("vector store", vector_store_id, "vector_store_id") from None


def _public_store(store: dict[str, Any]) -> dict[str, Any]:
    files = store["_files"].values()
    counts = {"in_progress": 0, "completed": len(files), "failed": 0, "cancelled": 0, "total": len(files)}
    return public(store) | {"file_counts": counts}


def _add_to_store(
    state: FakeState, store: dict[str, Any], file_id: str, attributes: Any = None
) -> dict[str, Any]:
    content = file_bytes(state, file_id).decode("utf-8", "replace")
    words = content.split()
    chunks = [" ".join(words[i : i + CHUNK_WORDS]) for i in range(0, max(len(words), 1), CHUNK_WORDS)]
    entry = {
        "id": file_id,
        "object": "vector_store.file",
        "created_at": state.now(),
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


def create_vector_store(state: FakeState, req: FakeRequest) -> FakeResponse:
    body = req.json()
    store = {
        "id": state.new_id("vs_"),
        "object": "vector_store",
        "created_at": state.now(),
        "name": body.get("name"),
        "status": "completed",
        "usage_bytes": 0,
        "metadata": body.get("metadata") or {},
        "expires_at": None,
        "last_active_at": state.now(),
        "_files": {},
    }
    if body.get("expires_after"):
        store["expires_after"] = body["expires_after"]
    for file_id in body.get("file_ids") or []:
        _add_to_store(state, store, file_id)
    state.vector_stores[store["id"]] = store
    return FakeResponse.json(_public_store(store))


def list_vector_stores(state: FakeState, req: FakeRequest) -> FakeResponse:
    return paginate(req, [_public_store(s) for s in state.vector_stores.values()])


def retrieve_vector_store(state: FakeState, req: FakeRequest, vector_store_id: str) -> FakeResponse:
    return FakeResponse.json(_public_store(_store(state, vector_store_id)))


def update_vector_store(state: FakeState, req: FakeRequest, vector_store_id: str) -> FakeResponse:
    store = _store(state, vector_store_id)
    body = req.json()
    for key in ("name", "metadata", "expires_after"):
        if key in body:
            store[key] = body[key]
    return FakeResponse.json(_public_store(store))


def delete_vector_store(state: FakeState, req: FakeRequest, vector_store_id: str) -> FakeResponse:
    _store(state, vector_store_id)
    del state.vector_stores[vector_store_id]
    return FakeResponse.json({"id": vector_store_id, "object": "vector_store.deleted", "deleted": True})


def search_vector_store(state: FakeState, req: FakeRequest, vector_store_id: str) -> FakeResponse:
    store = _store(state, vector_store_id)
    body = req.json()
    query = text_of(body.get("query") if not isinstance(body.get("query"), list) else " ".join(body["query"]))
    if not query:
        raise FakeError(400, "Missing required parameter: 'query'.", param="query")
    target = embedding(query, VECTOR_DIMENSIONS)
    scored = []
    for entry in store["_files"].values():
        filename = state.files.get(entry["id"], {}).get("filename")
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


def create_vector_store_file(state: FakeState, req: FakeRequest, vector_store_id: str) -> FakeResponse:
    store = _store(state, vector_store_id)
    body = req.json()
    if not body.get("file_id"):
        raise FakeError(400, "Missing required parameter: 'file_id'.", param="file_id")
    return FakeResponse.json(public(_add_to_store(state, store, body["file_id"], body.get("attributes"))))


def list_vector_store_files(state: FakeState, req: FakeRequest, vector_store_id: str) -> FakeResponse:
    store = _store(state, vector_store_id)
    status = req.q("filter")
    return paginate(req, [public(f) for f in store["_files"].values() if status in (None, f["status"])])


def retrieve_vector_store_file(
    state: FakeState, req: FakeRequest, vector_store_id: str, file_id: str
) -> FakeResponse:
    return FakeResponse.json(public(_vs_file(_store(state, vector_store_id), file_id)))


def update_vector_store_file(
    state: FakeState, req: FakeRequest, vector_store_id: str, file_id: str
) -> FakeResponse:
    entry = _vs_file(_store(state, vector_store_id), file_id)
    entry["attributes"] = req.json().get("attributes") or {}
    return FakeResponse.json(public(entry))


def delete_vector_store_file(
    state: FakeState, req: FakeRequest, vector_store_id: str, file_id: str
) -> FakeResponse:
    store = _store(state, vector_store_id)
    _vs_file(store, file_id)
    del store["_files"][file_id]
    return FakeResponse.json({"id": file_id, "object": "vector_store.file.deleted", "deleted": True})


def vector_store_file_content(
    state: FakeState, req: FakeRequest, vector_store_id: str, file_id: str
) -> FakeResponse:
    entry = _vs_file(_store(state, vector_store_id), file_id)
    return FakeResponse.json(
        {
            "object": "vector_store.file_content.page",
            "data": [{"type": "text", "text": chunk} for chunk, _ in entry["_chunks"]],
            "has_more": False,
            "next_page": None,
        }
    )


def create_file_batch(state: FakeState, req: FakeRequest, vector_store_id: str) -> FakeResponse:
    store = _store(state, vector_store_id)
    body = req.json()
    file_ids = body.get("file_ids") or [f.get("file_id") for f in body.get("files") or []]
    if not file_ids:
        raise FakeError(400, "Missing required parameter: 'file_ids'.", param="file_ids")
    for file_id in file_ids:
        _add_to_store(state, store, file_id, body.get("attributes"))
    batch = {
        "id": state.new_id("vsfb_"),
        "object": "vector_store.files_batch",
        "created_at": state.now(),
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
    state: FakeState, req: FakeRequest, vector_store_id: str, batch_id: str
) -> FakeResponse:
    return FakeResponse.json(public(_file_batch(_store(state, vector_store_id), batch_id)))


def cancel_file_batch(
    state: FakeState, req: FakeRequest, vector_store_id: str, batch_id: str
) -> FakeResponse:
    batch = _file_batch(_store(state, vector_store_id), batch_id)
    if batch["status"] == "in_progress":
        batch["status"] = "cancelled"
    return FakeResponse.json(public(batch))


def list_file_batch_files(
    state: FakeState, req: FakeRequest, vector_store_id: str, batch_id: str
) -> FakeResponse:
    store = _store(state, vector_store_id)
    batch = _file_batch(store, batch_id)
    return paginate(req, [public(store["_files"][f]) for f in batch["_file_ids"] if f in store["_files"]])


ROUTES: list[Route] = [
    ("POST", "/vector_stores", create_vector_store),
    ("GET", "/vector_stores", list_vector_stores),
    ("GET", "/vector_stores/{vector_store_id}", retrieve_vector_store),
    ("POST", "/vector_stores/{vector_store_id}", update_vector_store),
    ("DELETE", "/vector_stores/{vector_store_id}", delete_vector_store),
    ("POST", "/vector_stores/{vector_store_id}/search", search_vector_store),
    ("POST", "/vector_stores/{vector_store_id}/files", create_vector_store_file),
    ("GET", "/vector_stores/{vector_store_id}/files", list_vector_store_files),
    ("GET", "/vector_stores/{vector_store_id}/files/{file_id}", retrieve_vector_store_file),
    ("POST", "/vector_stores/{vector_store_id}/files/{file_id}", update_vector_store_file),
    ("DELETE", "/vector_stores/{vector_store_id}/files/{file_id}", delete_vector_store_file),
    ("GET", "/vector_stores/{vector_store_id}/files/{file_id}/content", vector_store_file_content),
    ("POST", "/vector_stores/{vector_store_id}/file_batches", create_file_batch),
    ("GET", "/vector_stores/{vector_store_id}/file_batches/{batch_id}", retrieve_file_batch),
    ("POST", "/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel", cancel_file_batch),
    ("GET", "/vector_stores/{vector_store_id}/file_batches/{batch_id}/files", list_file_batch_files),
]

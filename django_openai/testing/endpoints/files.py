"""Files and uploads, their contents kept in the fake's data directory."""

from __future__ import annotations

from typing import Any

from ..routing import Route
from ..state import FakeState
from ..wire import FakeError, FakeRequest, FakeResponse, not_found, paginate, public

PURPOSES = {"assistants", "batch", "fine-tune", "vision", "user_data", "evals"}
MAX_FILE_BYTES = 512 * 1024 * 1024


def store_file(state: FakeState, filename: str, content: bytes, purpose: str) -> dict[str, Any]:
    file_id = state.new_id("file-")
    (state.data_dir / file_id).write_bytes(content)
    record = {
        "id": file_id,
        "object": "file",
        "bytes": len(content),
        "created_at": state.now(),
        "filename": filename,
        "purpose": purpose,
        "status": "processed" if state.file_processing_seconds <= 0 else "uploaded",
        "_processed_at": state.clock.now() + state.file_processing_seconds,
    }
    state.files[file_id] = record
    return record


def get_file(state: FakeState, file_id: str, param: str = "file_id") -> dict[str, Any]:
    try:
        record = state.files[file_id]
    except KeyError:
        raise not_found("file", file_id, param) from None
    # A file is "uploaded" until the clock passes its processing time, as OpenAI's once were.
    if record["status"] == "uploaded" and state.clock.now() >= record["_processed_at"]:
        record["status"] = "processed"
    return record


def file_bytes(state: FakeState, file_id: str) -> bytes:
    get_file(state, file_id)
    return (state.data_dir / file_id).read_bytes()


def create_file(state: FakeState, req: FakeRequest) -> FakeResponse:
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
    return FakeResponse.json(public(store_file(state, upload.filename, upload.content, purpose)))


def list_files(state: FakeState, req: FakeRequest) -> FakeResponse:
    purpose = req.q("purpose")
    items = [
        public(get_file(state, f)) for f in list(state.files) if purpose in (None, state.files[f]["purpose"])
    ]
    return paginate(req, items, default_limit=10_000)


def retrieve_file(state: FakeState, req: FakeRequest, file_id: str) -> FakeResponse:
    return FakeResponse.json(public(get_file(state, file_id)))


def file_content(state: FakeState, req: FakeRequest, file_id: str) -> FakeResponse:
    return FakeResponse.binary(file_bytes(state, file_id), "application/octet-stream")


def delete_file(state: FakeState, req: FakeRequest, file_id: str) -> FakeResponse:
    get_file(state, file_id)
    del state.files[file_id]
    (state.data_dir / file_id).unlink(missing_ok=True)
    return FakeResponse.json({"id": file_id, "object": "file", "deleted": True})


# -- uploads ----------------------------------------------------------------------------------


def _upload(state: FakeState, upload_id: str) -> dict[str, Any]:
    try:
        return state.uploads[upload_id]
    except KeyError:
        raise not_found("upload", upload_id, "upload_id") from None


def create_upload(state: FakeState, req: FakeRequest) -> FakeResponse:
    body = req.json()
    for name in ("bytes", "filename", "mime_type", "purpose"):
        if body.get(name) in (None, ""):
            raise FakeError(400, f"Missing required parameter: '{name}'.", param=name)
    if body["purpose"] not in PURPOSES:
        raise FakeError(400, f"Invalid purpose '{body['purpose']}'.", param="purpose")
    if not isinstance(body["bytes"], int) or not 0 < body["bytes"] <= 8 * 1024**3:
        raise FakeError(400, "'bytes' must be between 1 and 8 GB.", param="bytes")
    upload = {
        "id": state.new_id("upload_"),
        "object": "upload",
        "bytes": body["bytes"],
        "created_at": state.now(),
        "expires_at": state.now() + 3600,
        "filename": body["filename"],
        "purpose": body["purpose"],
        "status": "pending",
        "file": None,
        "_parts": {},
    }
    state.uploads[upload["id"]] = upload
    return FakeResponse.json(public(upload))


def add_upload_part(state: FakeState, req: FakeRequest, upload_id: str) -> FakeResponse:
    upload = _upload(state, upload_id)
    if upload["status"] != "pending":
        raise FakeError(
            400, f"Upload {upload_id} is {upload['status']}; parts can only be added while pending."
        )
    data = req.form().get("data")
    if data is None or isinstance(data, str):
        raise FakeError(400, "Missing required parameter: 'data'.", param="data")
    if len(data.content) > 64 * 1024 * 1024:
        raise FakeError(400, "A part may be at most 64 MB.", param="data")
    part_id = state.new_id("part_")
    upload["_parts"][part_id] = data.content
    return FakeResponse.json(
        {"id": part_id, "object": "upload.part", "created_at": state.now(), "upload_id": upload_id}
    )


def complete_upload(state: FakeState, req: FakeRequest, upload_id: str) -> FakeResponse:
    upload = _upload(state, upload_id)
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
    upload["file"] = public(store_file(state, upload["filename"], content, upload["purpose"]))
    return FakeResponse.json(public(upload))


def cancel_upload(state: FakeState, req: FakeRequest, upload_id: str) -> FakeResponse:
    upload = _upload(state, upload_id)
    if upload["status"] == "completed":
        raise FakeError(400, "A completed upload cannot be cancelled.")
    upload["status"] = "cancelled"
    return FakeResponse.json(public(upload))


ROUTES: list[Route] = [
    ("POST", "/files", create_file),
    ("GET", "/files", list_files),
    ("GET", "/files/{file_id}", retrieve_file),
    ("DELETE", "/files/{file_id}", delete_file),
    ("GET", "/files/{file_id}/content", file_content),
    ("POST", "/uploads", create_upload),
    ("POST", "/uploads/{upload_id}/parts", add_upload_part),
    ("POST", "/uploads/{upload_id}/complete", complete_upload),
    ("POST", "/uploads/{upload_id}/cancel", cancel_upload),
]

"""One entry per client call: what to call, and the request it must produce.

The same table drives the per-resource tests (method, path, query, body) for the sync and async
clients, and the conformance test that validates every request against the OpenAPI spec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CHAT = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4.1-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
}
FILE = {
    "id": "file-1",
    "object": "file",
    "bytes": 3,
    "created_at": 1,
    "filename": "a.jsonl",
    "purpose": "batch",
}
BATCH = {"id": "batch_1", "object": "batch", "endpoint": "/v1/chat/completions", "status": "validating"}
JOB = {"id": "ftjob-1", "object": "fine_tuning.job", "model": "gpt-4.1-mini", "status": "queued"}
RESPONSE = {"id": "resp_1", "object": "response", "status": "completed", "output": []}
CONVERSATION = {"id": "conv_1", "object": "conversation", "created_at": 1}
ITEM = {"id": "msg_1", "type": "message", "role": "user", "content": []}
UPLOAD = {"id": "upload_1", "object": "upload", "status": "pending", "bytes": 3}
VS = {"id": "vs_1", "object": "vector_store", "status": "completed"}
VS_FILE = {"id": "file-1", "object": "vector_store.file", "status": "completed"}
VS_BATCH = {"id": "vsfb_1", "object": "vector_store.files_batch", "status": "in_progress"}


def listing(*items: dict[str, Any]) -> dict[str, Any]:
    return {"object": "list", "data": list(items), "has_more": False}


def deleted(id_: str) -> dict[str, Any]:
    return {"id": id_, "object": "deleted", "deleted": True}


@dataclass
class Call:
    name: str
    invoke: Callable[[Any], Any]
    method: str
    path: str
    response: Any = field(default_factory=dict)
    body: dict[str, Any] | None = None  # expected subset of the JSON body (or form fields)
    query: dict[str, str] | None = None  # expected subset of the query string
    multipart: bool = False
    binary: bool = False
    page: bool = False


MESSAGES = [{"role": "user", "content": "Say hi"}]

CALLS: list[Call] = [
    # chat.completions
    Call(
        "chat.create",
        lambda c: c.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES, temperature=0.2),
        "POST",
        "/chat/completions",
        CHAT,
        body={"model": "gpt-4.1-mini", "messages": MESSAGES, "temperature": 0.2},
    ),
    Call(
        "chat.list",
        lambda c: c.chat.completions.list(model="gpt-4.1-mini", limit=5),
        "GET",
        "/chat/completions",
        listing(CHAT),
        query={"model": "gpt-4.1-mini", "limit": "5"},
        page=True,
    ),
    Call(
        "chat.retrieve",
        lambda c: c.chat.completions.retrieve("chatcmpl-1"),
        "GET",
        "/chat/completions/chatcmpl-1",
        CHAT,
    ),
    Call(
        "chat.update",
        lambda c: c.chat.completions.update("chatcmpl-1", metadata={"k": "v"}),
        "POST",
        "/chat/completions/chatcmpl-1",
        CHAT,
        body={"metadata": {"k": "v"}},
    ),
    Call(
        "chat.delete",
        lambda c: c.chat.completions.delete("chatcmpl-1"),
        "DELETE",
        "/chat/completions/chatcmpl-1",
        deleted("chatcmpl-1"),
    ),
    Call(
        "chat.messages",
        lambda c: c.chat.completions.messages.list("chatcmpl-1", limit=2),
        "GET",
        "/chat/completions/chatcmpl-1/messages",
        listing({"id": "m1", "role": "user", "content": "x"}),
        query={"limit": "2"},
        page=True,
    ),
    # completions, embeddings, moderations
    Call(
        "completions.create",
        lambda c: c.completions.create(model="gpt-3.5-turbo-instruct", prompt="Hello", max_tokens=5),
        "POST",
        "/completions",
        {"id": "cmpl-1", "choices": [{"index": 0, "text": "!"}]},
        body={"model": "gpt-3.5-turbo-instruct", "prompt": "Hello", "max_tokens": 5},
    ),
    Call(
        "embeddings.create",
        lambda c: c.embeddings.create(model="text-embedding-3-small", input=["a", "b"], dimensions=8),
        "POST",
        "/embeddings",
        {"object": "list", "data": [{"index": 0, "embedding": [0.1]}]},
        body={"model": "text-embedding-3-small", "input": ["a", "b"], "dimensions": 8},
    ),
    Call(
        "moderations.create",
        lambda c: c.moderations.create(input="hello", model="omni-moderation-latest"),
        "POST",
        "/moderations",
        {"id": "modr-1", "results": [{"flagged": False}]},
        body={"input": "hello"},
    ),
    # models
    Call("models.list", lambda c: c.models.list(), "GET", "/models", listing({"id": "gpt-4.1"}), page=True),
    Call(
        "models.retrieve", lambda c: c.models.retrieve("gpt-4.1"), "GET", "/models/gpt-4.1", {"id": "gpt-4.1"}
    ),
    Call(
        "models.delete",
        lambda c: c.models.delete("ft:gpt-4.1:org::abc"),
        "DELETE",
        "/models/ft:gpt-4.1:org::abc",
        deleted("ft:gpt-4.1:org::abc"),
    ),
    # responses
    Call(
        "responses.create",
        lambda c: c.responses.create(model="gpt-4.1", input="Hi", background=True, store=True),
        "POST",
        "/responses",
        RESPONSE,
        body={"model": "gpt-4.1", "input": "Hi", "background": True},
    ),
    Call(
        "responses.retrieve", lambda c: c.responses.retrieve("resp_1"), "GET", "/responses/resp_1", RESPONSE
    ),
    Call(
        "responses.cancel",
        lambda c: c.responses.cancel("resp_1"),
        "POST",
        "/responses/resp_1/cancel",
        RESPONSE,
    ),
    Call(
        "responses.delete",
        lambda c: c.responses.delete("resp_1"),
        "DELETE",
        "/responses/resp_1",
        deleted("resp_1"),
    ),
    Call(
        "responses.input_items",
        lambda c: c.responses.input_items.list("resp_1", order="asc"),
        "GET",
        "/responses/resp_1/input_items",
        listing(ITEM),
        query={"order": "asc"},
        page=True,
    ),
    Call(
        "responses.input_tokens",
        lambda c: c.responses.input_tokens.count(model="gpt-4.1", input="Hi"),
        "POST",
        "/responses/input_tokens",
        {"object": "response.input_tokens", "input_tokens": 3},
        body={"model": "gpt-4.1", "input": "Hi"},
    ),
    Call(
        "responses.compact",
        lambda c: c.responses.compact(model="gpt-4.1", input="Hi"),
        "POST",
        "/responses/compact",
        {"id": "resp_c", "object": "response.compaction", "output": []},
        body={"model": "gpt-4.1"},
    ),
    # conversations
    Call(
        "conversations.create",
        lambda c: c.conversations.create(metadata={"topic": "x"}),
        "POST",
        "/conversations",
        CONVERSATION,
        body={"metadata": {"topic": "x"}},
    ),
    Call(
        "conversations.retrieve",
        lambda c: c.conversations.retrieve("conv_1"),
        "GET",
        "/conversations/conv_1",
        CONVERSATION,
    ),
    Call(
        "conversations.update",
        lambda c: c.conversations.update("conv_1", metadata={"a": "b"}),
        "POST",
        "/conversations/conv_1",
        CONVERSATION,
        body={"metadata": {"a": "b"}},
    ),
    Call(
        "conversations.delete",
        lambda c: c.conversations.delete("conv_1"),
        "DELETE",
        "/conversations/conv_1",
        deleted("conv_1"),
    ),
    Call(
        "conversations.items.create",
        lambda c: c.conversations.items.create(
            "conv_1",
            items=[{"type": "message", "role": "user", "content": "Hi"}],
            include=["message.input_image.image_url"],
        ),
        "POST",
        "/conversations/conv_1/items",
        listing(ITEM),
        body={"items": [{"type": "message", "role": "user", "content": "Hi"}]},
        query={"include": "message.input_image.image_url"},
    ),
    Call(
        "conversations.items.list",
        lambda c: c.conversations.items.list("conv_1", limit=10),
        "GET",
        "/conversations/conv_1/items",
        listing(ITEM),
        query={"limit": "10"},
        page=True,
    ),
    Call(
        "conversations.items.retrieve",
        lambda c: c.conversations.items.retrieve("msg_1", conversation_id="conv_1"),
        "GET",
        "/conversations/conv_1/items/msg_1",
        ITEM,
    ),
    Call(
        "conversations.items.delete",
        lambda c: c.conversations.items.delete("msg_1", conversation_id="conv_1"),
        "DELETE",
        "/conversations/conv_1/items/msg_1",
        CONVERSATION,
    ),
    # files
    Call(
        "files.create",
        lambda c: c.files.create(file=("a.jsonl", b'{"x": 1}\n'), purpose="batch"),
        "POST",
        "/files",
        FILE,
        body={"purpose": "batch"},
        multipart=True,
    ),
    Call(
        "files.list",
        lambda c: c.files.list(purpose="batch", limit=2),
        "GET",
        "/files",
        listing(FILE),
        query={"purpose": "batch", "limit": "2"},
        page=True,
    ),
    Call("files.retrieve", lambda c: c.files.retrieve("file-1"), "GET", "/files/file-1", FILE),
    Call(
        "files.content",
        lambda c: c.files.content("file-1"),
        "GET",
        "/files/file-1/content",
        b"abc",
        binary=True,
    ),
    Call("files.delete", lambda c: c.files.delete("file-1"), "DELETE", "/files/file-1", deleted("file-1")),
    # uploads
    Call(
        "uploads.create",
        lambda c: c.uploads.create(bytes=3, filename="a.jsonl", mime_type="text/jsonl", purpose="batch"),
        "POST",
        "/uploads",
        UPLOAD,
        body={"bytes": 3, "filename": "a.jsonl", "mime_type": "text/jsonl", "purpose": "batch"},
    ),
    Call(
        "uploads.parts.create",
        lambda c: c.uploads.parts.create("upload_1", data=b"abc"),
        "POST",
        "/uploads/upload_1/parts",
        {"id": "part_1", "object": "upload.part"},
        multipart=True,
    ),
    Call(
        "uploads.complete",
        lambda c: c.uploads.complete("upload_1", part_ids=["part_1"]),
        "POST",
        "/uploads/upload_1/complete",
        UPLOAD,
        body={"part_ids": ["part_1"]},
    ),
    Call(
        "uploads.cancel", lambda c: c.uploads.cancel("upload_1"), "POST", "/uploads/upload_1/cancel", UPLOAD
    ),
    # batches
    Call(
        "batches.create",
        lambda c: c.batches.create(
            input_file_id="file-1", endpoint="/v1/chat/completions", metadata={"k": "v"}
        ),
        "POST",
        "/batches",
        BATCH,
        body={"input_file_id": "file-1", "endpoint": "/v1/chat/completions", "completion_window": "24h"},
    ),
    Call("batches.retrieve", lambda c: c.batches.retrieve("batch_1"), "GET", "/batches/batch_1", BATCH),
    Call(
        "batches.list",
        lambda c: c.batches.list(limit=3, after="batch_0"),
        "GET",
        "/batches",
        listing(BATCH),
        query={"limit": "3", "after": "batch_0"},
        page=True,
    ),
    Call("batches.cancel", lambda c: c.batches.cancel("batch_1"), "POST", "/batches/batch_1/cancel", BATCH),
    # fine-tuning
    Call(
        "fine_tuning.create",
        lambda c: c.fine_tuning.jobs.create(
            model="gpt-4.1-mini",
            training_file="file-1",
            suffix="x",
            seed=7,
            method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}},
        ),
        "POST",
        "/fine_tuning/jobs",
        JOB,
        body={"model": "gpt-4.1-mini", "training_file": "file-1", "seed": 7},
    ),
    Call(
        "fine_tuning.list",
        lambda c: c.fine_tuning.jobs.list(limit=2),
        "GET",
        "/fine_tuning/jobs",
        listing(JOB),
        query={"limit": "2"},
        page=True,
    ),
    Call(
        "fine_tuning.retrieve",
        lambda c: c.fine_tuning.jobs.retrieve("ftjob-1"),
        "GET",
        "/fine_tuning/jobs/ftjob-1",
        JOB,
    ),
    Call(
        "fine_tuning.cancel",
        lambda c: c.fine_tuning.jobs.cancel("ftjob-1"),
        "POST",
        "/fine_tuning/jobs/ftjob-1/cancel",
        JOB,
    ),
    Call(
        "fine_tuning.pause",
        lambda c: c.fine_tuning.jobs.pause("ftjob-1"),
        "POST",
        "/fine_tuning/jobs/ftjob-1/pause",
        JOB,
    ),
    Call(
        "fine_tuning.resume",
        lambda c: c.fine_tuning.jobs.resume("ftjob-1"),
        "POST",
        "/fine_tuning/jobs/ftjob-1/resume",
        JOB,
    ),
    Call(
        "fine_tuning.events",
        lambda c: c.fine_tuning.jobs.list_events("ftjob-1", limit=5),
        "GET",
        "/fine_tuning/jobs/ftjob-1/events",
        listing({"id": "ftevent-1", "message": "x"}),
        query={"limit": "5"},
        page=True,
    ),
    Call(
        "fine_tuning.checkpoints",
        lambda c: c.fine_tuning.jobs.checkpoints.list("ftjob-1"),
        "GET",
        "/fine_tuning/jobs/ftjob-1/checkpoints",
        listing({"id": "ftckpt-1", "step_number": 1}),
        page=True,
    ),
    # vector stores
    Call(
        "vector_stores.create",
        lambda c: c.vector_stores.create(name="docs", file_ids=["file-1"]),
        "POST",
        "/vector_stores",
        VS,
        body={"name": "docs"},
    ),
    Call(
        "vector_stores.retrieve", lambda c: c.vector_stores.retrieve("vs_1"), "GET", "/vector_stores/vs_1", VS
    ),
    Call(
        "vector_stores.update",
        lambda c: c.vector_stores.update("vs_1", name="docs2"),
        "POST",
        "/vector_stores/vs_1",
        VS,
        body={"name": "docs2"},
    ),
    Call(
        "vector_stores.list",
        lambda c: c.vector_stores.list(limit=1),
        "GET",
        "/vector_stores",
        listing(VS),
        query={"limit": "1"},
        page=True,
    ),
    Call(
        "vector_stores.delete",
        lambda c: c.vector_stores.delete("vs_1"),
        "DELETE",
        "/vector_stores/vs_1",
        deleted("vs_1"),
    ),
    Call(
        "vector_stores.search",
        lambda c: c.vector_stores.search("vs_1", query="cats", max_num_results=3),
        "POST",
        "/vector_stores/vs_1/search",
        listing({"file_id": "file-1", "score": 0.5, "content": []}),
        body={"query": "cats", "max_num_results": 3},
        page=True,
    ),
    Call(
        "vector_stores.files.create",
        lambda c: c.vector_stores.files.create("vs_1", file_id="file-1"),
        "POST",
        "/vector_stores/vs_1/files",
        VS_FILE,
        body={"file_id": "file-1"},
    ),
    Call(
        "vector_stores.files.retrieve",
        lambda c: c.vector_stores.files.retrieve("file-1", vector_store_id="vs_1"),
        "GET",
        "/vector_stores/vs_1/files/file-1",
        VS_FILE,
    ),
    Call(
        "vector_stores.files.update",
        lambda c: c.vector_stores.files.update("file-1", vector_store_id="vs_1", attributes={"lang": "en"}),
        "POST",
        "/vector_stores/vs_1/files/file-1",
        VS_FILE,
        body={"attributes": {"lang": "en"}},
    ),
    Call(
        "vector_stores.files.list",
        lambda c: c.vector_stores.files.list("vs_1", filter="completed"),
        "GET",
        "/vector_stores/vs_1/files",
        listing(VS_FILE),
        query={"filter": "completed"},
        page=True,
    ),
    Call(
        "vector_stores.files.delete",
        lambda c: c.vector_stores.files.delete("file-1", vector_store_id="vs_1"),
        "DELETE",
        "/vector_stores/vs_1/files/file-1",
        deleted("file-1"),
    ),
    Call(
        "vector_stores.files.content",
        lambda c: c.vector_stores.files.content("file-1", vector_store_id="vs_1"),
        "GET",
        "/vector_stores/vs_1/files/file-1/content",
        listing({"type": "text", "text": "x"}),
        page=True,
    ),
    Call(
        "vector_stores.file_batches.create",
        lambda c: c.vector_stores.file_batches.create("vs_1", file_ids=["file-1"]),
        "POST",
        "/vector_stores/vs_1/file_batches",
        VS_BATCH,
        body={"file_ids": ["file-1"]},
    ),
    Call(
        "vector_stores.file_batches.retrieve",
        lambda c: c.vector_stores.file_batches.retrieve("vsfb_1", vector_store_id="vs_1"),
        "GET",
        "/vector_stores/vs_1/file_batches/vsfb_1",
        VS_BATCH,
    ),
    Call(
        "vector_stores.file_batches.cancel",
        lambda c: c.vector_stores.file_batches.cancel("vsfb_1", vector_store_id="vs_1"),
        "POST",
        "/vector_stores/vs_1/file_batches/vsfb_1/cancel",
        VS_BATCH,
    ),
    Call(
        "vector_stores.file_batches.list_files",
        lambda c: c.vector_stores.file_batches.list_files("vsfb_1", vector_store_id="vs_1"),
        "GET",
        "/vector_stores/vs_1/file_batches/vsfb_1/files",
        listing(VS_FILE),
        page=True,
    ),
    # images
    Call(
        "images.generate",
        lambda c: c.images.generate(prompt="a cat", model="gpt-image-1", size="1024x1024"),
        "POST",
        "/images/generations",
        {"created": 1, "data": [{"b64_json": "AA=="}]},
        body={"prompt": "a cat"},
    ),
    Call(
        "images.edit",
        lambda c: c.images.edit(image=("cat.png", b"\x89PNG"), prompt="add a hat", model="gpt-image-1"),
        "POST",
        "/images/edits",
        {"created": 1, "data": []},
        body={"prompt": "add a hat"},
        multipart=True,
    ),
    Call(
        "images.create_variation",
        lambda c: c.images.create_variation(image=("cat.png", b"\x89PNG"), n=2),
        "POST",
        "/images/variations",
        {"created": 1, "data": []},
        body={"n": "2"},
        multipart=True,
    ),
    # audio
    Call(
        "audio.transcriptions",
        lambda c: c.audio.transcriptions.create(file=("a.wav", b"RIFF"), model="whisper-1"),
        "POST",
        "/audio/transcriptions",
        {"text": "hello"},
        body={"model": "whisper-1"},
        multipart=True,
    ),
    Call(
        "audio.translations",
        lambda c: c.audio.translations.create(file=("a.wav", b"RIFF"), model="whisper-1"),
        "POST",
        "/audio/translations",
        {"text": "hello"},
        body={"model": "whisper-1"},
        multipart=True,
    ),
    Call(
        "audio.speech",
        lambda c: c.audio.speech.create(model="gpt-4o-mini-tts", input="Hello", voice="alloy"),
        "POST",
        "/audio/speech",
        b"RIFF....",
        body={"input": "Hello", "voice": "alloy"},
        binary=True,
    ),
]

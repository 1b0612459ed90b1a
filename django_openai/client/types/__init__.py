"""The response types, one module per API area (as ``openai.types``), each re-exported here by
name: ``from django_openai.client.types import ChatCompletion, Batch, FileObject``.

Modules load on first use of one of their names, so that importing the client stays cheap (and
pydantic waits until a response is parsed).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._base import (
        Deleted,
        OpenAIObject,
        Usage,
    )
    from .audio import (
        Transcription,
        Translation,
    )
    from .batches import (
        Batch,
        BatchError,
        BatchErrors,
        BatchRequestCounts,
    )
    from .chat import (
        ChatCompletion,
        ChatCompletionChunk,
        ChatCompletionDeleted,
        ChatCompletionMessage,
        ChatCompletionStoreMessage,
        Choice,
        ChoiceDelta,
        ChunkChoice,
        Function,
        ToolCall,
        ToolCallDelta,
    )
    from .completions import (
        Completion,
        CompletionChoice,
    )
    from .conversations import (
        Conversation,
        ConversationDeleted,
        ConversationItem,
        ConversationItemList,
    )
    from .embeddings import (
        CreateEmbeddingResponse,
        Embedding,
    )
    from .files import (
        FileDeleted,
        FileObject,
    )
    from .fine_tuning import (
        FineTuningJob,
        FineTuningJobCheckpoint,
        FineTuningJobError,
        FineTuningJobEvent,
    )
    from .images import (
        Image,
        ImagesResponse,
    )
    from .models import (
        Model,
        ModelDeleted,
    )
    from .moderations import (
        Moderation,
        ModerationCreateResponse,
    )
    from .responses import (
        InputTokens,
        Response,
        ResponseDeleted,
        ResponseItem,
        ResponseStreamEvent,
    )
    from .uploads import (
        Upload,
        UploadPart,
    )
    from .vector_stores import (
        VectorStore,
        VectorStoreDeleted,
        VectorStoreFile,
        VectorStoreFileBatch,
        VectorStoreFileContent,
        VectorStoreFileDeleted,
        VectorStoreSearchResult,
    )
    from .webhooks import (
        WebhookEvent,
    )

#: name -> the module (under ``types``) that defines it
_MODULES: dict[str, str] = {
    "OpenAIObject": "_base",
    "Deleted": "_base",
    "Usage": "_base",
    "Function": "chat",
    "ToolCall": "chat",
    "ChatCompletionMessage": "chat",
    "Choice": "chat",
    "ChatCompletion": "chat",
    "ToolCallDelta": "chat",
    "ChoiceDelta": "chat",
    "ChunkChoice": "chat",
    "ChatCompletionChunk": "chat",
    "ChatCompletionStoreMessage": "chat",
    "ChatCompletionDeleted": "chat",
    "CompletionChoice": "completions",
    "Completion": "completions",
    "Embedding": "embeddings",
    "CreateEmbeddingResponse": "embeddings",
    "Model": "models",
    "ModelDeleted": "models",
    "Moderation": "moderations",
    "ModerationCreateResponse": "moderations",
    "Image": "images",
    "ImagesResponse": "images",
    "Transcription": "audio",
    "Translation": "audio",
    "ResponseItem": "responses",
    "Response": "responses",
    "ResponseStreamEvent": "responses",
    "InputTokens": "responses",
    "ResponseDeleted": "responses",
    "Conversation": "conversations",
    "ConversationDeleted": "conversations",
    "ConversationItem": "conversations",
    "ConversationItemList": "conversations",
    "FileObject": "files",
    "FileDeleted": "files",
    "UploadPart": "uploads",
    "Upload": "uploads",
    "BatchRequestCounts": "batches",
    "BatchError": "batches",
    "BatchErrors": "batches",
    "Batch": "batches",
    "FineTuningJobError": "fine_tuning",
    "FineTuningJob": "fine_tuning",
    "FineTuningJobEvent": "fine_tuning",
    "FineTuningJobCheckpoint": "fine_tuning",
    "VectorStore": "vector_stores",
    "VectorStoreDeleted": "vector_stores",
    "VectorStoreFile": "vector_stores",
    "VectorStoreFileDeleted": "vector_stores",
    "VectorStoreFileBatch": "vector_stores",
    "VectorStoreSearchResult": "vector_stores",
    "VectorStoreFileContent": "vector_stores",
    "WebhookEvent": "webhooks",
}

__all__ = [
    "Batch",
    "BatchError",
    "BatchErrors",
    "BatchRequestCounts",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionDeleted",
    "ChatCompletionMessage",
    "ChatCompletionStoreMessage",
    "Choice",
    "ChoiceDelta",
    "ChunkChoice",
    "Completion",
    "CompletionChoice",
    "Conversation",
    "ConversationDeleted",
    "ConversationItem",
    "ConversationItemList",
    "CreateEmbeddingResponse",
    "Deleted",
    "Embedding",
    "FileDeleted",
    "FileObject",
    "FineTuningJob",
    "FineTuningJobCheckpoint",
    "FineTuningJobError",
    "FineTuningJobEvent",
    "Function",
    "Image",
    "ImagesResponse",
    "InputTokens",
    "Model",
    "ModelDeleted",
    "Moderation",
    "ModerationCreateResponse",
    "OpenAIObject",
    "Response",
    "ResponseDeleted",
    "ResponseItem",
    "ResponseStreamEvent",
    "ToolCall",
    "ToolCallDelta",
    "Transcription",
    "Translation",
    "Upload",
    "UploadPart",
    "Usage",
    "VectorStore",
    "VectorStoreDeleted",
    "VectorStoreFile",
    "VectorStoreFileBatch",
    "VectorStoreFileContent",
    "VectorStoreFileDeleted",
    "VectorStoreSearchResult",
    "WebhookEvent",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next lookup is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULES})

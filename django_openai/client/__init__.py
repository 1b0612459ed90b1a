"""A standalone OpenAI-compatible client on httpx + pydantic. No Django needed.

from django_openai.client import OpenAI

with OpenAI(api_key="sk-...") as client:
    reply = client.chat.completions.create(model="gpt-4.1-mini", messages=[...])
"""

from ._client import AsyncAzureOpenAI, AsyncOpenAI, AzureOpenAI, OpenAI
from ._files import FilePart, to_file_part
from ._streaming import APIResponse, AsyncBinaryResponse, AsyncStream, BinaryResponse, Stream
from .errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APIStreamError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    IncompleteStreamError,
    InternalServerError,
    InvalidWebhookSignatureError,
    NotFoundError,
    OpenAIError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from .helpers import ChatCompletionAccumulator, accumulate_chat
from .pagination import AsyncPage, AsyncPaginator, SyncPage
from .providers import Azure, Provider
from .sse import ServerSentEvent, SSEDecoder

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "APIResponseValidationError",
    "APIStatusError",
    "APIStreamError",
    "APITimeoutError",
    "AsyncAzureOpenAI",
    "AsyncBinaryResponse",
    "AsyncOpenAI",
    "AsyncPage",
    "AsyncPaginator",
    "AsyncStream",
    "AuthenticationError",
    "Azure",
    "AzureOpenAI",
    "BadRequestError",
    "BinaryResponse",
    "ChatCompletionAccumulator",
    "ConflictError",
    "FilePart",
    "IncompleteStreamError",
    "InternalServerError",
    "InvalidWebhookSignatureError",
    "NotFoundError",
    "OpenAI",
    "OpenAIError",
    "PermissionDeniedError",
    "Provider",
    "RateLimitError",
    "SSEDecoder",
    "ServerSentEvent",
    "Stream",
    "SyncPage",
    "UnprocessableEntityError",
    "accumulate_chat",
    "to_file_part",
]

"""``OpenAI`` and ``AsyncOpenAI``: the send loops plus the resource tree.

Resource modules are imported on first use, so ``import django_openai.client`` costs little more
than importing the HTTP library itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._base import AsyncAPIClient, SyncAPIClient
from .resources import RESOURCES, load

if TYPE_CHECKING:
    from .resources.audio import Audio
    from .resources.batches import Batches
    from .resources.chat import Chat
    from .resources.completions import Completions
    from .resources.conversations import Conversations
    from .resources.embeddings import Embeddings
    from .resources.files import Files
    from .resources.fine_tuning import FineTuning
    from .resources.images import Images
    from .resources.models import Models
    from .resources.moderations import Moderations
    from .resources.responses import Responses
    from .resources.uploads import Uploads
    from .resources.vector_stores import VectorStores
    from .resources.webhooks import Webhooks


class _ResourceTree:
    """Resolves ``client.chat``, ``client.files``... lazily, once per client object."""

    _resource: Any

    def __getattr__(self, name: str) -> Any:
        if name in RESOURCES:
            cached = self.__dict__.get("_resources", {}).get(name)
            return cached if cached is not None else self._resource(name, load(name))
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        timeout: Any = None,
        raw: bool = False,
        stream: bool = False,
        require_stream_end: bool | None = None,
        content: bytes | None = None,
        max_retries: int | None = None,
    ) -> Any:
        """Any endpoint, modelled or not: returns decoded JSON, bytes (``raw=True``), a stream of dicts
        (``stream=True``), or the body unread as it arrives (``raw=True, stream=True``: a
        :class:`BinaryResponse`, whose ``iter_bytes(None)`` yields each chunk as it is received).

        ``content`` is a JSON body already encoded, sent as it is; ``body`` then only tells the
        provider what it needs (Azure's deployment path takes the model from it).
        """
        from ._request import RequestOptions, build_options

        call_options = {
            "extra_query": query,
            "extra_headers": headers,
            "timeout": timeout,
            "require_stream_end": require_stream_end,
            "max_retries": max_retries,
        }
        opts: RequestOptions = build_options(
            method.upper(),
            path,
            {**(body or {}), **call_options},
            files=files,
            in_query=False,
        )
        opts.content = content
        if raw and stream:
            opts.stream_body = True
        elif raw:
            opts.cast = bytes
        elif stream:
            from ._streaming import RawJSON

            opts.stream_cast = RawJSON
        return self._call(opts)


class OpenAI(_ResourceTree, SyncAPIClient):
    """The synchronous client. ``with OpenAI(...) as client:`` closes its connection pool."""

    if TYPE_CHECKING:
        chat: Chat
        completions: Completions
        embeddings: Embeddings
        moderations: Moderations
        models: Models
        images: Images
        audio: Audio
        responses: Responses
        conversations: Conversations
        files: Files
        uploads: Uploads
        batches: Batches
        fine_tuning: FineTuning
        vector_stores: VectorStores
        webhooks: Webhooks


class AsyncOpenAI(_ResourceTree, AsyncAPIClient):
    """The asynchronous client: the same resources, every call awaitable."""


def AzureOpenAI(**options: Any) -> OpenAI:
    """``OpenAI(provider="azure", ...)``: ``azure_endpoint``, ``api_version``, ``azure_deployment``..."""
    return OpenAI(provider="azure", **options)


def AsyncAzureOpenAI(**options: Any) -> AsyncOpenAI:
    return AsyncOpenAI(provider="azure", **options)

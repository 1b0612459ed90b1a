"""Provider flavours: what differs between OpenAI and the servers that speak its API.

A provider decides the default base URL, whether a key is required, how the credential is sent,
and how a path is rewritten (Azure's ``/deployments/{name}/...`` and ``api-version``). Everything
else — resources, retries, streaming — is shared.
"""

from __future__ import annotations

import inspect
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PROVIDERS", "Azure", "Provider", "get_provider"]


@dataclass(frozen=True)
class Provider:
    name: str
    default_base_url: str | None
    requires_key: bool = True
    #: Paths this provider does not serve; calling them raises early with a clear message.
    unsupported: frozenset[str] = frozenset()

    def auth_headers(self, api_key: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_key}"} if api_key else {}

    async def auth_headers_async(self, api_key: str | None) -> dict[str, str]:
        return self.auth_headers(api_key)

    def rewrite(self, path: str, body: Mapping[str, Any] | None) -> str:
        return path

    def default_query(self) -> dict[str, str]:
        return {}

    def resolve_base_url(self, base_url: str | None) -> str | None:
        return base_url or self.default_base_url

    def secrets(self) -> tuple[str, ...]:
        """Credentials of the provider's own (beyond ``api_key``) that errors must never show."""
        return ()


_AZURE_DEPLOYMENT_PATHS = frozenset(
    {
        "/completions",
        "/chat/completions",
        "/embeddings",
        "/audio/transcriptions",
        "/audio/translations",
        "/audio/speech",
        "/images/generations",
        "/images/edits",
        "/images/variations",
    }
)

TokenProvider = Callable[[], str] | Callable[[], Awaitable[str]]


@dataclass(frozen=True)
class Azure(Provider):
    """Azure OpenAI.

    With ``api_version`` (the classic data-plane API) the base URL is ``{endpoint}/openai``, every
    request carries ``?api-version=``, and model-scoped paths go to
    ``/deployments/{deployment}/...``, where the deployment is ``deployment`` or else the request's
    ``model``. With ``api_version="v1"`` the base URL is ``{endpoint}/openai/v1`` and paths are
    those of OpenAI. Credentials: an ``api-key`` header, or an Entra ID (AD) token — fixed, or from
    a provider callable (sync or async) called for every request so it can refresh.
    """

    name: str = "azure"
    default_base_url: str | None = None
    endpoint: str | None = None
    api_version: str | None = None
    deployment: str | None = None
    ad_token: str | None = field(default=None, repr=False)
    ad_token_provider: TokenProvider | None = field(default=None, repr=False)
    #: The last tokens ad_token_provider gave, so that an error echoing one is redacted too.
    _issued: deque[str] = field(default_factory=lambda: deque(maxlen=4), repr=False, compare=False)

    @property
    def uses_v1(self) -> bool:
        return self.api_version in (None, "v1", "latest", "preview")

    def resolve_base_url(self, base_url: str | None) -> str | None:
        if base_url:
            return base_url
        if not self.endpoint:
            return None
        endpoint = self.endpoint.rstrip("/")
        return f"{endpoint}/openai/v1" if self.uses_v1 else f"{endpoint}/openai"

    def default_query(self) -> dict[str, str]:
        if self.api_version and self.api_version != "v1":
            return {"api-version": self.api_version}
        return {}

    def rewrite(self, path: str, body: Mapping[str, Any] | None) -> str:
        if self.uses_v1 or path not in _AZURE_DEPLOYMENT_PATHS:
            return path
        deployment = self.deployment or (body or {}).get("model")
        if not deployment:
            return path
        return f"/deployments/{deployment}{path}"

    def auth_headers(self, api_key: str | None) -> dict[str, str]:
        token = self._sync_token()
        if token:
            return {"Authorization": f"Bearer {token}"}
        return {"api-key": api_key} if api_key else {}

    async def auth_headers_async(self, api_key: str | None) -> dict[str, str]:
        token = self.ad_token
        if self.ad_token_provider is not None:
            result = self.ad_token_provider()
            token = await result if inspect.isawaitable(result) else result
            self._remember(token)
        if token:
            return {"Authorization": f"Bearer {token}"}
        return {"api-key": api_key} if api_key else {}

    def _sync_token(self) -> str | None:
        if self.ad_token_provider is not None:
            result = self.ad_token_provider()
            if inspect.isawaitable(result):
                close = getattr(result, "close", None)
                if close is not None:
                    close()
                raise TypeError("an async azure_ad_token_provider needs the async client")
            self._remember(result)
            return result
        return self.ad_token

    def _remember(self, token: str | None) -> None:
        if token and token not in self._issued:
            self._issued.append(token)

    def secrets(self) -> tuple[str, ...]:
        return tuple(t for t in (self.ad_token, *self._issued) if t)


PROVIDERS: dict[str, Provider] = {
    "openai": Provider("openai", "https://api.openai.com/v1"),
    # A generic OpenAI-compatible server: base_url is required, a key is optional.
    "compatible": Provider("compatible", None, requires_key=False),
    "ollama": Provider("ollama", "http://localhost:11434/v1", requires_key=False),
    "vllm": Provider("vllm", "http://localhost:8000/v1", requires_key=False),
    "llamacpp": Provider("llamacpp", "http://localhost:8080/v1", requires_key=False),
    "groq": Provider("groq", "https://api.groq.com/openai/v1"),
    "gemini": Provider("gemini", "https://generativelanguage.googleapis.com/v1beta/openai"),
    "azure": Azure(),
}


def get_provider(name_or_provider: str | Provider | None, **azure_options: Any) -> Provider:
    if isinstance(name_or_provider, Provider):
        return name_or_provider
    name = (name_or_provider or "openai").lower()
    if name == "azure":
        return Azure(**{k: v for k, v in azure_options.items() if v is not None})
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ValueError(
            f"unknown provider {name_or_provider!r}; choose one of {', '.join(sorted(PROVIDERS))}"
        ) from None

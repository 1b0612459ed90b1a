"""The request core shared by the sync and async clients.

Everything about a request except the waiting is decided here, once: URL, query, headers,
credentials, body encoding, the retry decision, error mapping, parsing, logging. The two send loops
(:class:`SyncAPIClient` and :class:`AsyncAPIClient`) differ only in ``await``.
"""

from __future__ import annotations

import copy
import logging
import os
import time
import uuid
from collections.abc import Mapping
from typing import Any

from . import _http, _retries
from ._request import RequestOptions, encode_json, form_fields
from ._streaming import APIResponse, AsyncBinaryResponse, AsyncStream, BinaryResponse, Stream
from .errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    OpenAIError,
    decode_error_body,
    describe_invalid,
    error_class_for,
    error_message,
    excerpt,
    redact_error,
)
from .pagination import AsyncPage, AsyncPaginator, SyncPage
from .providers import Provider, get_provider

logger = logging.getLogger("django_openai.client")

DEFAULT_MAX_RETRIES = 2
VERSION = "0.1.0"
USER_AGENT = f"django-openai/{VERSION}"


class BaseClient:
    is_async = False

    def __init__(
        self,
        *,
        api_key: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        base_url: str | None = None,
        timeout: _http.TimeoutValue = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        provider: str | Provider | None = None,
        webhook_secret: str | None = None,
        azure_endpoint: str | None = None,
        api_version: str | None = None,
        azure_deployment: str | None = None,
        azure_ad_token: str | None = None,
        azure_ad_token_provider: Any = None,
        require_stream_end: bool = True,
    ) -> None:
        self.provider = get_provider(
            provider,
            endpoint=azure_endpoint,
            api_version=api_version,
            deployment=azure_deployment,
            ad_token=azure_ad_token,
            ad_token_provider=azure_ad_token_provider,
        )
        from_env = self.provider.name == "openai"
        if api_key is None and from_env:
            api_key = os.environ.get("OPENAI_API_KEY")
        if base_url is None and from_env:
            base_url = os.environ.get("OPENAI_BASE_URL")
        if organization is None and from_env:
            organization = os.environ.get("OPENAI_ORG_ID")
        if project is None and from_env:
            project = os.environ.get("OPENAI_PROJECT_ID")
        if webhook_secret is None:
            webhook_secret = os.environ.get("OPENAI_WEBHOOK_SECRET")
        has_token = bool(
            getattr(self.provider, "ad_token", None) or getattr(self.provider, "ad_token_provider", None)
        )
        if self.provider.requires_key and not api_key and not has_token:
            raise OpenAIError(
                f"No API key for the {self.provider.name!r} provider: pass api_key=... or set the "
                "OPENAI_API_KEY environment variable."
            )
        resolved = self.provider.resolve_base_url(base_url)
        if not resolved:
            raise OpenAIError(f"The {self.provider.name!r} provider needs a base_url.")
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self.api_key = api_key
        self.organization = organization
        self.project = project
        self.webhook_secret = webhook_secret
        self.base_url = resolved.rstrip("/")
        self.timeout = _http.make_timeout(timeout)
        self.max_retries = max_retries
        #: Whether a stream whose connection ends before the server marked its end raises
        #: IncompleteStreamError (True), or just ends (False: for servers that never mark it).
        self.require_stream_end = require_stream_end
        self._default_headers = dict(default_headers or {})
        self._default_query = {**self.provider.default_query(), **dict(default_query or {})}
        self._raw_response = False
        self._owns_http_client = False
        self._resources: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} provider={self.provider.name} base_url={self.base_url}>"

    # -- copies -------------------------------------------------------------------------------

    def _copy(self, **changes: Any) -> Any:
        clone = copy.copy(self)
        clone._resources = {}
        for key, value in changes.items():
            setattr(clone, key, value)
        clone._owns_http_client = False  # the original closes the shared pool
        return clone

    def with_options(
        self,
        *,
        timeout: _http.TimeoutValue = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        require_stream_end: bool | None = None,
    ) -> Any:
        """A client that shares this one's connection pool but with other defaults."""
        changes: dict[str, Any] = {}
        if require_stream_end is not None:
            changes["require_stream_end"] = require_stream_end
        if timeout is not None:
            changes["timeout"] = _http.make_timeout(timeout)
        if max_retries is not None:
            changes["max_retries"] = max_retries
        if default_headers is not None:
            changes["_default_headers"] = {**self._default_headers, **default_headers}
        if default_query is not None:
            changes["_default_query"] = {**self._default_query, **default_query}
        return self._copy(**changes)

    @property
    def with_raw_response(self) -> Any:
        """The same client, returning :class:`APIResponse` (headers + ``parse()``) from every call."""
        return self._copy(_raw_response=True)

    def _resource(self, name: str, factory: Any) -> Any:
        resource = self._resources.get(name)
        if resource is None:
            resource = self._resources[name] = factory(self)
        return resource

    # -- building -----------------------------------------------------------------------------

    def _secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.api_key, *self.provider.secrets()) if s)

    def _redact_error(self, error: BaseException) -> None:
        """Every error leaves the client through here: at the end of a call or a page fetch, and
        in a stream's loop (docs/architecture.md, "Errors and redaction")."""
        redact_error(error, self._secrets())

    def _base_headers(self, opts: RequestOptions, auth: dict[str, str]) -> dict[str, str]:
        # Keys are lower-cased so that a user's "authorization" replaces ours instead of doubling it.
        headers = {
            "accept": "text/event-stream" if opts.stream_cast is not None else "application/json",
            "user-agent": USER_AGENT,
        }
        for key, value in auth.items():
            headers[key.lower()] = value
        if self.organization:
            headers["openai-organization"] = self.organization
        if self.project:
            headers["openai-project"] = self.project
        for key, value in self._default_headers.items():
            headers[key.lower()] = value
        return headers

    def _build_request(
        self,
        http_client: Any,
        opts: RequestOptions,
        auth: dict[str, str],
        idempotency_key: str | None,
    ) -> tuple[_http.Request, list[Any]]:
        headers = self._base_headers(opts, auth)
        if idempotency_key:
            headers["idempotency-key"] = idempotency_key
        if opts.headers:
            for key, value in opts.headers.items():
                if value is None:
                    headers.pop(key.lower(), None)
                else:
                    headers[key.lower()] = value
        path = self.provider.rewrite(opts.path, opts.body)
        query = {**self._default_query, **opts.query} if opts.query else self._default_query
        opened: list[Any] = []
        content = data = files = None
        if opts.files:
            files = []
            for field, part in opts.files:
                stream = part.open()
                if part.owns_stream:
                    opened.append(stream)
                files.append((field, (part.filename, stream, part.mime_type)))
            data = form_fields(opts.body)
        elif opts.content is not None:
            content = opts.content
            headers["content-type"] = "application/json"
        elif opts.body is not None:
            content = encode_json(opts.body)
            headers["content-type"] = "application/json"
        if opts.timeout is not None:
            timeout: _http.Timeout | None = _http.make_timeout(opts.timeout)
        else:
            # The pool's own default needs no per-request override (cheaper to build).
            timeout = None if self.timeout == http_client.timeout else self.timeout
        request = _http.build_request(
            http_client,
            opts.method,
            _http.merge_url(self.base_url, path),
            params=query,
            headers=headers,
            content=content,
            data=data,
            files=files,
            timeout=timeout,
        )
        return request, opened

    def _idempotency_key(self, opts: RequestOptions) -> str | None:
        if opts.method != "POST":
            return None
        return opts.idempotency_key or f"django-openai-{uuid.uuid4()}"

    def _max_retries(self, opts: RequestOptions) -> int:
        return self.max_retries if opts.max_retries is None else opts.max_retries

    # -- deciding -----------------------------------------------------------------------------

    def _status_error(self, response: _http.Response, body: Any, opts: RequestOptions) -> APIStatusError:
        message = error_message(body, response.status_code)
        cls = error_class_for(response.status_code)
        return cls(
            message,
            status_code=response.status_code,
            headers=dict(response.headers),
            body=body,
            request_id=response.headers.get("x-request-id"),
            method=opts.method,
            path=opts.path,
        )

    def _transport_error(self, exc: Exception, opts: RequestOptions) -> APIConnectionError:
        if isinstance(exc, _http.TimeoutException):
            return APITimeoutError(method=opts.method, path=opts.path)
        detail = str(exc) or type(exc).__name__
        return APIConnectionError(f"Connection error: {detail}", method=opts.method, path=opts.path)

    def _redirect_error(self, exc: _http.RedirectNotFollowed, opts: RequestOptions) -> APIStatusError:
        return APIStatusError(
            f"{exc.status_code} redirect to {exc.target} not followed: {exc.reason}. If the API "
            "has moved there, set base_url to its new address.",
            status_code=exc.status_code,
            headers=exc.headers,
            request_id=exc.headers.get("x-request-id"),
            method=opts.method,
            path=opts.path,
        )

    def _log(self, opts: RequestOptions, status: int | str, started: float, retries: int) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s in %.1f ms (retries: %d)",
                opts.method,
                opts.path,
                status,
                (time.perf_counter() - started) * 1000,
                retries,
            )

    def _parse(self, opts: RequestOptions, response: _http.Response, content: bytes) -> Any:
        cast = opts.cast
        if cast is bytes:
            return content
        if cast is str:
            return content.decode("utf-8", "replace")
        if not content:
            return None
        try:
            if cast is None or opts.page_item is not None:
                import json

                return json.loads(content)
            return cast.model_validate_json(content)
        except ValueError as exc:
            raise APIResponseValidationError(
                f"unexpected response body for {opts.method} {opts.path}: {describe_invalid(exc)}",
                body=excerpt(content.decode("utf-8", "replace")),
                request_id=response.headers.get("x-request-id"),
                method=opts.method,
                path=opts.path,
            ) from None

    def _stream(self, stream_class: Any, response: _http.Response, opts: RequestOptions) -> Any:
        require_end = self.require_stream_end if opts.require_stream_end is None else opts.require_stream_end
        return stream_class(
            response,
            opts.stream_cast,
            method=opts.method,
            path=opts.path,
            on_error=self._redact_error,
            require_end=require_end,
        )

    def _wrap(self, response: _http.Response, result: Any, retries: int) -> Any:
        return APIResponse(response, result, retries) if self._raw_response else result


class SyncAPIClient(BaseClient):
    """The synchronous send loop."""

    def __init__(
        self,
        *,
        http_client: _http.SyncHTTPClient | None = None,
        transport: _http.BaseTransport | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self._owns_http_client = http_client is None
        self._http_client = http_client or _http.new_sync_client(self.timeout, transport)

    def close(self) -> None:
        if self._owns_http_client:
            self._http_client.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, opts: RequestOptions) -> tuple[_http.Response, int]:
        """Send with retries; return the response (body read unless streaming) and the retry count."""
        key = self._idempotency_key(opts)
        max_retries = self._max_retries(opts)
        retries = 0
        while True:
            started = time.perf_counter()
            request, opened = self._build_request(
                self._http_client, opts, self.provider.auth_headers(self.api_key), key
            )
            try:
                response = _http.send(self._http_client, request)
                if response.status_code >= 400 or not (opts.stream_cast is not None or opts.stream_body):
                    response.read()
            except _http.TransportError as exc:
                self._log(opts, type(exc).__name__, started, retries)
                if retries < max_retries:
                    time.sleep(_retries.retry_delay(retries))
                    retries += 1
                    continue
                raise self._transport_error(exc, opts) from exc
            except _http.RedirectNotFollowed as exc:
                self._log(opts, exc.status_code, started, retries)
                raise self._redirect_error(exc, opts) from None
            finally:
                for stream in opened:
                    stream.close()
            self._log(opts, response.status_code, started, retries)
            if response.status_code < 400:
                return response, retries
            body = decode_error_body(response.content)
            response.close()
            if retries < max_retries and _retries.should_retry(response.status_code, response.headers, body):
                time.sleep(_retries.retry_delay(retries, response.headers))
                retries += 1
                continue
            raise self._status_error(response, body, opts)

    def _call(self, opts: RequestOptions) -> Any:
        try:
            response, retries = self._send(opts)
            if opts.stream_cast is not None:
                return self._wrap(response, self._stream(Stream, response, opts), retries)
            if opts.stream_body:
                return self._wrap(response, BinaryResponse(response), retries)
            return self._wrap(response, self._parse(opts, response, response.content), retries)
        except OpenAIError as exc:
            self._redact_error(exc)
            raise

    def _call_page(self, opts: RequestOptions) -> Any:
        def fetch(page_opts: RequestOptions) -> SyncPage[Any]:
            return fetch_with_response(page_opts)[0]

        def fetch_with_response(page_opts: RequestOptions) -> tuple[SyncPage[Any], _http.Response, int]:
            try:
                response, retries = self._send(page_opts)
                raw = self._parse(page_opts, response, response.content)
                return SyncPage(raw, page_opts.page_item, page_opts, fetch), response, retries
            except OpenAIError as exc:
                self._redact_error(exc)
                raise

        page, response, retries = fetch_with_response(opts)
        return self._wrap(response, page, retries)


class AsyncAPIClient(BaseClient):
    """The asynchronous send loop."""

    is_async = True

    def __init__(
        self,
        *,
        http_client: _http.AsyncHTTPClient | None = None,
        transport: _http.AsyncBaseTransport | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self._owns_http_client = http_client is None
        self._http_client = http_client or _http.new_async_client(self.timeout, transport)

    async def close(self) -> None:
        if self._owns_http_client:
            await self._http_client.aclose()

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _send(self, opts: RequestOptions) -> tuple[_http.Response, int]:
        import asyncio

        key = self._idempotency_key(opts)
        max_retries = self._max_retries(opts)
        retries = 0
        while True:
            started = time.perf_counter()
            auth = await self.provider.auth_headers_async(self.api_key)
            request, opened = self._build_request(self._http_client, opts, auth, key)
            try:
                response = await _http.send_async(self._http_client, request)
                if response.status_code >= 400 or not (opts.stream_cast is not None or opts.stream_body):
                    await response.aread()
            except _http.TransportError as exc:
                self._log(opts, type(exc).__name__, started, retries)
                if retries < max_retries:
                    await asyncio.sleep(_retries.retry_delay(retries))
                    retries += 1
                    continue
                raise self._transport_error(exc, opts) from exc
            except _http.RedirectNotFollowed as exc:
                self._log(opts, exc.status_code, started, retries)
                raise self._redirect_error(exc, opts) from None
            finally:
                for stream in opened:
                    stream.close()
            self._log(opts, response.status_code, started, retries)
            if response.status_code < 400:
                return response, retries
            body = decode_error_body(response.content)
            await response.aclose()
            if retries < max_retries and _retries.should_retry(response.status_code, response.headers, body):
                await asyncio.sleep(_retries.retry_delay(retries, response.headers))
                retries += 1
                continue
            raise self._status_error(response, body, opts)

    async def _call(self, opts: RequestOptions) -> Any:
        try:
            response, retries = await self._send(opts)
            if opts.stream_cast is not None:
                return self._wrap(response, self._stream(AsyncStream, response, opts), retries)
            if opts.stream_body:
                return self._wrap(response, AsyncBinaryResponse(response), retries)
            return self._wrap(response, self._parse(opts, response, response.content), retries)
        except OpenAIError as exc:
            self._redact_error(exc)
            raise

    def _call_page(self, opts: RequestOptions) -> Any:
        async def fetch(page_opts: RequestOptions) -> AsyncPage[Any]:
            return (await fetch_with_response(page_opts))[0]

        async def fetch_with_response(
            page_opts: RequestOptions,
        ) -> tuple[AsyncPage[Any], _http.Response, int]:
            try:
                response, retries = await self._send(page_opts)
                raw = self._parse(page_opts, response, response.content)
                return AsyncPage(raw, page_opts.page_item, page_opts, fetch), response, retries
            except OpenAIError as exc:
                self._redact_error(exc)
                raise

        if self._raw_response:

            async def first_raw() -> Any:
                page, response, retries = await fetch_with_response(opts)
                return self._wrap(response, page, retries)

            return first_raw()
        return AsyncPaginator(lambda: fetch(opts))

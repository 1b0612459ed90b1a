"""One gateway call, whichever way the gateway is mounted: authenticate, route, limit, relay.

Both mounts (``asgi.gateway_asgi`` and the ``urls`` include) turn their request into a
:class:`GatewayRequest` and send back the :class:`GatewayResponse` this returns; a streamed body is
a :class:`~.relay.Relay`, which records the call when it ends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import get_async_client
from ..client import APIConnectionError, APIStatusError, APITimeoutError
from . import errors, limits, routing, usage
from .authentication import authenticate
from .config import GatewayConfig
from .config import get as get_config
from .metering import estimate_input_tokens
from .principal import Principal
from .relay import Relay
from .usage import CallRecord

logger = logging.getLogger("django_openai.gateway")

try:  # parsing the request is on the hot path: orjson when installed
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - orjson is an optional extra
    from json import loads as _loads  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str  # as recorded: chat.completions, responses...
    upstream_path: str
    #: The model to route by when the request names none (moderations have a default model).
    default_model: str = ""
    streams: bool = True


#: Path under the mount (no leading slash) -> what it relays. Only POST; /models is handled apart.
ENDPOINTS: dict[str, Endpoint] = {
    "chat/completions": Endpoint("chat.completions", "/chat/completions"),
    "responses": Endpoint("responses", "/responses"),
    "embeddings": Endpoint("embeddings", "/embeddings", streams=False),
    "moderations": Endpoint(
        "moderations",
        "/moderations",
        default_model="omni-moderation-latest",
        streams=False,
    ),
}
#: Request headers passed on to the upstream (never the caller's credentials).
FORWARDED_REQUEST_HEADERS = ("openai-beta",)
#: Upstream response headers passed back. Anything else (organisation, project, the upstream's
#: own rate limits, cookies) stays on the server.
FORWARDED_RESPONSE_HEADERS = (
    "content-type",
    "x-request-id",
    "openai-processing-ms",
    "retry-after",
    "retry-after-ms",
)
SSE_HEADERS = [("cache-control", "no-cache"), ("x-accel-buffering", "no")]


@dataclass(slots=True)
class GatewayRequest:
    method: str
    #: The path under the mount, without its leading slash: ``chat/completions``.
    path: str
    #: Lower-cased names.
    headers: Mapping[str, str]
    body: bytes
    #: ``time.perf_counter()`` when the request arrived.
    started: float = field(default_factory=time.perf_counter)
    #: Resolves the Django session's user (with its CSRF check), or None when there is no cookie.
    session: Callable[[], Awaitable[Principal | None]] | None = None


@dataclass(slots=True)
class GatewayResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    stream: Relay | None = None


def error_response(exc: errors.GatewayError) -> GatewayResponse:
    headers = [("content-type", "application/json"), *exc.headers.items()]
    return GatewayResponse(exc.status, headers, exc.body())


async def handle(request: GatewayRequest) -> GatewayResponse:
    try:
        return await _handle(request)
    except Exception:
        # A fault of ours or of the configuration (the system checks name it): the caller still
        # gets OpenAI's shape, and the details stay in the server's log.
        logger.exception("gateway error on %s /v1/%s", request.method, request.path)
        return error_response(
            errors.GatewayError(500, "The gateway failed to handle this request.", type="server_error")
        )


async def _handle(request: GatewayRequest) -> GatewayResponse:
    config = get_config()
    path = request.path.strip("/")
    call: CallRecord | None = None
    try:
        if path == "models" or path.startswith("models/"):
            if request.method != "GET":
                raise errors.method_not_allowed(request.method, f"/v1/{path}")
            principal = await authenticate(request.headers, config, request.session)
            call = CallRecord(principal, "models", time.time())
            return await _models(principal, path.partition("/")[2], config, call, request.started)
        endpoint = ENDPOINTS.get(path)
        if endpoint is None:
            raise errors.not_found_url(request.method, f"/v1/{path}")
        if request.method != "POST":
            raise errors.method_not_allowed(request.method, f"/v1/{path}")
        principal = await authenticate(request.headers, config, request.session)
        call = CallRecord(principal, endpoint.name, time.time())
        payload = _parse(request.body)
        model = payload.get("model") or endpoint.default_model
        if not isinstance(model, str) or not model:
            raise errors.bad_request(
                "you must provide a model parameter", param="model", code="missing_required_parameter"
            )
        call.model = model
        call.alias = routing.resolve(principal, model, config)
        await limits.enforce(principal, config)
        return await _relay(request, endpoint, payload, call, config)
    except errors.GatewayError as exc:
        if call is not None:
            call.status = "rejected" if exc.status in (401, 403, 404, 429) else "error"
            call.http_status, call.error = exc.status, exc.message
            _finish_early(call, request.started)
        return error_response(exc)


def _finish_early(call: CallRecord, started: float) -> None:
    call.latency_ms = (time.perf_counter() - started) * 1000
    usage.record(call)


def _parse(body: bytes) -> dict[str, Any]:
    if not body.strip():
        raise errors.bad_request("The request body is empty: send a JSON object.")
    try:
        payload = _loads(body)
    except ValueError:
        raise errors.bad_request(
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
            "using your HTTP library correctly. The OpenAI API expects a JSON payload.)"
        ) from None
    if not isinstance(payload, dict):
        raise errors.bad_request("The request body must be a JSON object.")
    return payload


def _with_stream_usage(body: bytes) -> bytes:
    """``body`` with ``"stream_options": {"include_usage": true}`` added, the rest of the bytes
    untouched (the caller sent no ``stream_options``)."""
    start = body.index(b"{") + 1
    return body[:start] + b'"stream_options":{"include_usage":true},' + body[start:]


async def _relay(
    request: GatewayRequest,
    endpoint: Endpoint,
    payload: dict[str, Any],
    call: CallRecord,
    config: GatewayConfig,
) -> GatewayResponse:
    stream = endpoint.streams and payload.get("stream") is True
    content = request.body
    strip_usage = False
    if stream and endpoint.name == "chat.completions" and config.stream_usage:
        options = payload.get("stream_options")
        if options is None:
            content, strip_usage = _with_stream_usage(content), True
        elif isinstance(options, dict) and not options.get("include_usage"):
            payload = {**payload, "stream_options": {**options, "include_usage": True}}
            content, strip_usage = _dumps(payload), True
    headers = {name: request.headers[name] for name in FORWARDED_REQUEST_HEADERS if name in request.headers}
    client = get_async_client(call.alias)
    call.streamed = stream
    try:
        raw = await client.with_raw_response.request(
            "POST",
            endpoint.upstream_path,
            body=payload,
            content=content,
            raw=True,
            stream=True,
            headers=headers or None,
            max_retries=config.upstream_max_retries,
        )
    except APIStatusError as exc:
        return _upstream_error(exc, call, request.started)
    except APIConnectionError as exc:
        failure = (
            errors.GatewayError(
                504, "The upstream API timed out.", type="server_error", code="upstream_timeout"
            )
            if isinstance(exc, APITimeoutError)
            else errors.upstream_unavailable(str(exc))
        )
        call.status, call.http_status, call.error = "error", failure.status, failure.message
        _finish_early(call, request.started)
        return error_response(failure)
    upstream_headers = raw.headers
    call.http_status = raw.status_code
    call.upstream_request_id = upstream_headers.get("x-request-id", "")
    content_type = upstream_headers.get("content-type", "")
    sse = content_type.startswith("text/event-stream")
    out_headers = [
        (name, upstream_headers[name]) for name in FORWARDED_RESPONSE_HEADERS if name in upstream_headers
    ]
    if sse:
        out_headers.extend(SSE_HEADERS)
    relay = Relay(
        raw.parse(),
        call,
        started=request.started,
        sse=sse,
        strip_usage=strip_usage,
        estimated_input=estimate_input_tokens(payload) if sse else 0,
    )
    return GatewayResponse(int(raw.status_code), out_headers, stream=relay)


def _dumps(payload: dict[str, Any]) -> bytes:
    import json

    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def _upstream_error(exc: APIStatusError, call: CallRecord, started: float) -> GatewayResponse:
    """An upstream error passed on with its status and OpenAI's error body (the client has already
    taken any secret out of it), except the upstream refusing the server's own key."""
    call.upstream_request_id = exc.request_id or ""
    if exc.status_code == 401:
        failure = errors.upstream_credentials()
        call.status, call.http_status, call.error = "error", failure.status, failure.message
        _finish_early(call, started)
        return error_response(failure)
    body = exc.body
    if not (isinstance(body, dict) and "error" in body):
        body = {"error": {"message": exc.message, "type": "upstream_error", "param": None, "code": None}}
    status = exc.status_code or 502
    call.status, call.http_status, call.error = "error", status, str(exc.message)[:500]
    _finish_early(call, started)
    headers = [("content-type", "application/json")]
    for name in ("retry-after", "retry-after-ms", "x-request-id"):
        value = (exc.headers or {}).get(name)
        if value:
            headers.append((name, value))
    return GatewayResponse(status, headers, errors.as_json(body))


# -- models ---------------------------------------------------------------------------------------

_model_lists: dict[str, tuple[float, list[dict[str, Any]]]] = {}


async def _upstream_models(alias: str, config: GatewayConfig) -> list[dict[str, Any]]:
    cached = _model_lists.get(alias)
    now = time.monotonic()
    if cached is not None and cached[0] > now:
        return cached[1]
    listing = await get_async_client(alias).request("GET", "/models", max_retries=config.upstream_max_retries)
    data = [
        m for m in (listing or {}).get("data", []) if isinstance(m, dict) and isinstance(m.get("id"), str)
    ]
    _model_lists[alias] = (now + config.models_cache_seconds, data)
    return data


async def _models(
    principal: Principal, model_id: str, config: GatewayConfig, call: CallRecord, started: float
) -> GatewayResponse:
    """``GET /models`` lists what the caller may use, from the upstreams its routes lead to;
    ``GET /models/{id}`` answers 404 for anything else."""
    json_headers = [("content-type", "application/json")]
    try:
        if model_id:
            call.model = model_id
            call.alias = routing.resolve(principal, model_id, config)
            found = await get_async_client(call.alias).request(
                "GET", f"/models/{model_id}", max_retries=config.upstream_max_retries
            )
            body = errors.as_json(found)
        else:
            data: list[dict[str, Any]] = []
            seen: set[str] = set()
            for alias in dict.fromkeys(a for _, a in config.routes):
                try:
                    listed = await _upstream_models(alias, config)
                except (APIStatusError, APIConnectionError):
                    continue  # one upstream down does not hide the others' models
                for model in listed:
                    name = model["id"]
                    if (
                        name not in seen
                        and routing.alias_for(name, config) == alias
                        and routing.may_use(principal, name, config)
                    ):
                        seen.add(name)
                        data.append(model)
            body = errors.as_json({"object": "list", "data": data})
    except APIStatusError as exc:
        if exc.status_code == 404:
            raise errors.model_not_found(model_id) from None
        return _upstream_error(exc, call, started)
    except APIConnectionError as exc:
        raise errors.upstream_unavailable(str(exc)) from None
    call.http_status = 200
    call.latency_ms = (time.perf_counter() - started) * 1000
    usage.record(call)
    return GatewayResponse(200, json_headers, body)

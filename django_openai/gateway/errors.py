"""Errors in OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}``.

Every refusal the gateway makes is one of these, with the status OpenAI would give, so that the
official SDKs raise their usual exception classes (AuthenticationError, RateLimitError...).
"""

from __future__ import annotations

import json
from typing import Any


class GatewayError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.headers = headers or {}

    def body(self) -> bytes:
        return error_body(self.message, type=self.type, code=self.code, param=self.param)


def error_body(message: str, *, type: str, code: str | None = None, param: str | None = None) -> bytes:
    return json.dumps({"error": {"message": message, "type": type, "param": param, "code": code}}).encode()


def error_event(message: str, *, type: str = "server_error", code: str | None = None) -> bytes:
    """An SSE ``error`` event, as OpenAI sends when a stream fails after it started: the official
    SDKs raise ``APIError`` on it (``data`` holds an ``error`` object)."""
    return b"event: error\ndata: " + error_body(message, type=type, code=code) + b"\n\n"


def missing_key() -> GatewayError:
    return GatewayError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header "
        "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        code="missing_api_key",
    )


def invalid_key(reason: str = "Incorrect API key provided.") -> GatewayError:
    return GatewayError(401, reason, code="invalid_api_key")


def model_not_found(model: str) -> GatewayError:
    return GatewayError(
        404,
        f"The model `{model}` does not exist or you do not have access to it.",
        code="model_not_found",
        param="model",
    )


def model_not_allowed(model: str) -> GatewayError:
    return GatewayError(
        403, f"This API key may not use the model `{model}`.", code="model_not_allowed", param="model"
    )


def rate_limited(message: str, retry_after: float, *, code: str = "rate_limit_exceeded") -> GatewayError:
    seconds = max(1, int(retry_after + 0.999))
    return GatewayError(
        429,
        message,
        type="requests" if code == "rate_limit_exceeded" else "insufficient_quota",
        code=code,
        headers={"retry-after": str(seconds), "retry-after-ms": str(int(retry_after * 1000))},
    )


def bad_request(message: str, *, param: str | None = None, code: str | None = None) -> GatewayError:
    return GatewayError(400, message, param=param, code=code)


def not_found_url(method: str, path: str) -> GatewayError:
    return GatewayError(404, f"Invalid URL ({method} {path})", code="unknown_url")


def method_not_allowed(method: str, path: str) -> GatewayError:
    return GatewayError(405, f"Method {method} is not allowed on {path}.", code="method_not_allowed")


def too_large(limit: int) -> GatewayError:
    return GatewayError(
        413,
        f"The request body is larger than this gateway accepts ({limit} bytes).",
        code="request_too_large",
    )


def upstream_unavailable(detail: str) -> GatewayError:
    return GatewayError(502, f"The upstream API could not be reached: {detail}", type="server_error")


def upstream_credentials() -> GatewayError:
    # The server's own provider key was refused: not the caller's fault, and the provider's
    # message (which may quote part of that key) is not passed on.
    return GatewayError(
        502,
        "The upstream API refused this server's credentials. Tell the site's administrators.",
        type="server_error",
        code="upstream_authentication_error",
    )


def as_json(value: Any) -> bytes:
    return json.dumps(value).encode()

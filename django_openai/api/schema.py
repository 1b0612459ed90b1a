"""The OpenAPI description, when drf-spectacular is installed (the ``api`` extra); a no-op otherwise.

The views describe themselves with :func:`document`; nothing here is needed to serve the API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

try:
    from drf_spectacular.openapi import AutoSchema as _AutoSchema
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
except ImportError:  # pragma: no cover - exercised without the extra
    AVAILABLE = False
else:
    AVAILABLE = True


def auto_schema() -> Any:
    """The schema of each API view: drf-spectacular's whatever the project's DEFAULT_SCHEMA_CLASS."""
    return _AutoSchema() if AVAILABLE else None


def document(
    *,
    summary: str,
    request: Any = None,
    responses: Any = None,
    parameters: Sequence[dict[str, Any]] = (),
    description: str = "",
) -> Callable[[F], F]:
    """Describe one operation. ``parameters`` are dicts: name, description, and type ("str"/"int"),
    enum, required, location ("query" or "path")."""
    if not AVAILABLE:
        return lambda view: view
    annotate = extend_schema(
        summary=summary,
        description=description or None,
        request=request,
        responses=responses,
        parameters=[_parameter(**p) for p in parameters],
        tags=None,
    )

    def decorate(view: F) -> F:
        # drf-spectacular's schema, whatever the project's DEFAULT_SCHEMA_CLASS: extend_schema
        # builds on the schema it finds on the function.
        view.schema = _AutoSchema  # type: ignore[attr-defined]
        return annotate(view)

    return decorate


def _parameter(
    name: str,
    description: str,
    type: str = "str",
    enum: Sequence[str] | None = None,
    required: bool = False,
    location: Literal["query", "path"] = "query",
) -> Any:
    return OpenApiParameter(
        name=name,
        type={"str": str, "int": int}[type],
        location=location,
        description=description,
        required=required,
        enum=list(enum) if enum else None,
    )


def binary(content_type: str, description: str) -> Any:
    """A streamed download's response: bytes of ``content_type``."""
    if not AVAILABLE:
        return None
    return {(200, content_type): OpenApiResponse(response=OpenApiTypes.BINARY, description=description)}


def event_stream(description: str) -> dict[Any, Any]:
    """A stream of Server-Sent Events: ``{(200, "text/event-stream"): ...}`` to merge into responses."""
    if not AVAILABLE:
        return {}
    return {
        (200, "text/event-stream"): OpenApiResponse(
            response=OpenApiTypes.STR,
            description=(
                f"{description} Each event is `id: <sequence>`, `event: <type>`, `data: <the event as "
                "JSON>`, then a blank line."
            ),
            examples=[
                OpenApiExample(
                    "First events",
                    value=(
                        'id: 1\nevent: run.started\ndata: {"type":"run.started","sequence":1,"run_id":7,'
                        '"thread_id":3,"backend":"responses","model":"gpt-4.1-mini","background":false}\n\n'
                        'id: 2\nevent: item.started\ndata: {"type":"item.started","sequence":2,"run_id":7,'
                        '"item_id":"msg_1","item_type":"message","role":"assistant"}\n\n'
                    ),
                    media_type="text/event-stream",
                    response_only=True,
                )
            ],
        )
    }


def with_errors(ok: Any, *codes: int) -> Any:
    """The success response and the error statuses an operation answers (400, 404...)."""
    if not AVAILABLE:
        return None
    from .serializers import ErrorSerializer

    responses = dict(ok) if isinstance(ok, dict) else {200: ok}
    descriptions = {
        400: "Bad input: the detail names the problem.",
        401: "Not authenticated.",
        403: "Not allowed.",
        404: "No such object (or not yours).",
        409: "The object's state does not allow it yet (a run in progress).",
        429: "Throttled.",
        502: "The OpenAI API could not be reached or failed.",
    }
    for code in codes:
        responses[code] = OpenApiResponse(response=ErrorSerializer, description=descriptions[code])
    return responses

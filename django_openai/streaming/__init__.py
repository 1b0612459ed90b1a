"""Run events as server-sent events, for browsers: OpenAI-style named events, or the AI SDK's
UI message stream (docs/streaming-views.md). No DRF here: the DRF endpoints and the plain views
(``django_openai.views``) both answer with :func:`sse_response`.

    from django_openai.streaming import sse_response

    def stream(request, pk):
        thread = get_object_or_404(Thread, pk=pk, owner=request.user)
        return sse_response(follow_run(active_run(thread)), "openai", request=request)
"""

from __future__ import annotations

from .formats import PROTOCOLS, OpenAIEncoder, UIMessageEncoder, encoder_for, message_id
from .iterators import aencode_events, encode_events
from .response import sse_response, stream_headers

__all__ = [
    "PROTOCOLS",
    "OpenAIEncoder",
    "UIMessageEncoder",
    "aencode_events",
    "encode_events",
    "encoder_for",
    "message_id",
    "sse_response",
    "stream_headers",
]

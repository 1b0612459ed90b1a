"""Streaming views for browsers, without DRF (docs/streaming-views.md).

- :class:`ThreadStreamView` (``chat/<int:thread_id>/stream/``): ``POST`` a message and read the
  run's events as they come; ``GET`` to follow the thread's run in progress (204 when none).
- :class:`ChatView` (``api/chat`` and ``api/chat/<chat_id>/stream``): the AI SDK's ``useChat``,
  as it sends its requests, answered with its UI message stream.

Both are sync views that answer with an async iterator under ASGI (the stream then holds no
thread: the run reads its upstream on the async client) and a sync one under WSGI (a worker thread
per stream). Everything that can refuse a request (bad input, another user's thread, a run in
progress) does so before the response starts, with a status and a JSON body that names it; a
refused request leaves nothing behind (one transaction: the message, the thread of a new chat,
the run's claim).
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.utils.module_loading import import_string
from django.views import View

from .conf import app_settings
from .downloads import is_asgi
from .models import Assistant, Thread
from .services.assistants import usable_assistants
from .services.runs import (
    AsyncRun,
    RunStream,
    active_run,
    afollow_run,
    follow_run,
    open_stream,
)
from .services.threads import ThreadBusy, ThreadError, pop_item
from .streaming import message_id, sse_response
from .tools import ToolNotFound

__all__ = ["ChatView", "StreamViewError", "ThreadStreamView"]

#: The longest useChat chat id a ChatView keeps (it is stored in the thread's metadata).
MAX_CHAT_ID = 200


class StreamViewError(Exception):
    """A request the view refuses: its status, a code and a message for the caller."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}

    def response(self) -> JsonResponse:
        response = JsonResponse({"detail": self.message, "code": self.code}, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


def _refusal(exc: Exception) -> StreamViewError:
    """What a service's refusal to start a run means to the caller."""
    if isinstance(exc, ThreadBusy):
        return StreamViewError(409, exc.code, str(exc))
    if isinstance(exc, ThreadError):
        return StreamViewError(400, exc.code, str(exc))
    if isinstance(exc, ValidationError):
        return StreamViewError(400, exc.code or "invalid", " ".join(exc.messages))
    return StreamViewError(400, "tool_not_found", str(exc))


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise StreamViewError(400, "invalid_json", f"The body is not valid JSON: {exc}.") from None
    if not isinstance(body, dict):
        raise StreamViewError(400, "invalid_json", "The body must be a JSON object.")
    return body


def _is_json(request: HttpRequest) -> bool:
    return (request.content_type or "").lower() == "application/json"


def ui_message_text(messages: Any) -> str:
    """The text of the last message of a ``useChat`` body (its ``text`` parts), which must be the
    user's: the thread on the server holds the conversation, so only the new message is taken."""
    if not isinstance(messages, list) or not messages:
        raise StreamViewError(400, "invalid_messages", '"messages" must be a non-empty list of UI messages.')
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "user":
        raise StreamViewError(400, "invalid_messages", 'The last of "messages" must be the user\'s message.')
    parts = last.get("parts")
    if not isinstance(parts, list):
        raise StreamViewError(400, "invalid_messages", 'The user\'s message needs its "parts".')
    texts: list[Any] = [
        part.get("text") for part in parts if isinstance(part, dict) and part.get("type") == "text"
    ]
    if not all(isinstance(text, str) for text in texts):
        raise StreamViewError(400, "invalid_messages", 'The "text" of a text part must be a string.')
    text = "".join(texts)
    if not text.strip():
        raise StreamViewError(400, "empty_message", "The user's message has no text.")
    return text


class _StreamView(View):
    """What both views share: who may use a thread, which assistant, and the response."""

    #: The assistant (its slug) a run uses when the request names none; the thread's own first.
    assistant: str | None = None
    #: Seconds between heartbeats (None: ``STREAMING["HEARTBEAT_SECONDS"]``).
    heartbeat: float | None = None
    #: The throttle scope of a POST (each starts a run): by default the API's per-user "runs"
    #: budget (``API["THROTTLE_RATES"]``), shared with ``POST threads/{id}/runs/``, checked by
    #: ``API["THROTTLE_CLASSES"]``. None: not throttled.
    throttle_scope: str | None = "runs"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            if not request.user.is_authenticated:
                raise StreamViewError(
                    403, "not_authenticated", "Authentication credentials were not provided."
                )
            if request.method == "POST":
                self.check_throttles(request)
            return super().dispatch(request, *args, **kwargs)
        except StreamViewError as refused:
            return refused.response()
        except Http404:
            return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)

    def check_throttles(self, request: HttpRequest) -> None:
        """Refuse (429, with ``Retry-After``) a POST over the user's budget, as the API does."""
        if not self.throttle_scope:
            return
        waits = []
        for path in app_settings.API.THROTTLE_CLASSES:
            throttle = import_string(path)()
            if not throttle.allow_request(request, self):
                waits.append(throttle.wait())
        if waits:
            wait = max((w for w in waits if w is not None), default=None)
            seconds = math.ceil(wait) if wait is not None else None
            raise StreamViewError(
                429,
                "throttled",
                "Too many runs started: "
                + (f"try again in {seconds} seconds." if seconds is not None else "try again later."),
                headers={"Retry-After": str(seconds)} if seconds is not None else None,
            )

    def get_queryset(self) -> QuerySet[Thread]:
        """The threads the user may stream: their own. Override to widen (staff, a team...)."""
        return Thread.objects.filter(owner_id=self.request.user.pk)

    def get_thread(self, request: HttpRequest, thread_id: int) -> Thread:
        """The thread, or Http404 (another user's thread is not found, rather than forbidden)."""
        thread = self.get_queryset().filter(pk=thread_id).first()
        if thread is None:
            raise Http404
        return thread

    def get_assistant(self, request: HttpRequest, slug: Any) -> Assistant | None:
        """The assistant a request names (its slug): a shared one, the user's own, any for staff."""
        if slug in (None, ""):
            slug = self.assistant
            if slug is None:
                return None
        if not isinstance(slug, str):
            raise StreamViewError(400, "invalid_assistant", '"assistant" must be an assistant\'s slug.')
        found = usable_assistants(request.user).filter(slug=slug).first()
        if found is None:
            raise StreamViewError(400, "unknown_assistant", f"No assistant {slug!r}.")
        return found

    def start(self, thread: Thread, assistant: Assistant | None, text: str | None) -> RunStream | AsyncRun:
        """Add the message and start the run, in one transaction: a refusal leaves nothing."""
        try:
            return open_stream(thread, assistant, asynchronous=is_asgi(self.request), message=text)
        except (ThreadError, ValidationError, ToolNotFound) as exc:
            raise _refusal(exc) from None

    def follow(self, thread: Thread, after: int, protocol: str) -> HttpResponseBase:
        run = active_run(thread)
        if run is None:
            return HttpResponse(status=204)
        events: Any = afollow_run(run, after) if is_asgi(self.request) else follow_run(run, after)
        return self.respond(events, protocol)

    def respond(self, events: Any, protocol: str) -> StreamingHttpResponse:
        return sse_response(events, protocol, request=self.request, heartbeat=self.heartbeat)


class ThreadStreamView(_StreamView):
    """``POST``: add the user's message to the thread and stream the run; ``GET``: follow the
    thread's run in progress from where the reader is (``Last-Event-ID``, or ``?after=N``), or
    204 when none is.

    A ``POST`` body is JSON (``{"message": "...", "assistant": "<slug>"}``) or a form with the same
    fields. The format, in this order: the view's ``protocol``; ``?protocol=openai|ui``; a body
    with ``useChat``'s ``messages`` is answered in ``ui``; otherwise ``openai`` (what
    ``Accept: text/event-stream`` and ``EventSource`` read).
    """

    http_method_names = ["get", "post", "options"]
    #: "openai" or "ui" to fix the format whatever the request says.
    protocol: str | None = None

    def choose_protocol(self, request: HttpRequest, body: dict[str, Any] | None = None) -> str:
        chosen = self.protocol or request.GET.get("protocol")
        if chosen is None and body is not None and "messages" in body:
            chosen = "ui"
        chosen = chosen or "openai"
        if chosen not in ("openai", "ui"):
            raise StreamViewError(
                400, "invalid_protocol", f'protocol must be "openai" or "ui", not {chosen!r}.'
            )
        return chosen

    def post(self, request: HttpRequest, thread_id: int) -> HttpResponseBase:
        if _is_json(request):
            body = _json_body(request)
        else:
            body = {key: request.POST.get(key) for key in ("message", "assistant") if key in request.POST}
        protocol = self.choose_protocol(request, body)
        if "messages" in body and "message" not in body:
            text = ui_message_text(body["messages"])
        else:
            message = body.get("message")
            if not isinstance(message, str):
                raise StreamViewError(400, "invalid_message", '"message" is required: the text to send.')
            if not message.strip():
                raise StreamViewError(400, "empty_message", "The message is empty.")
            text = message
        thread = self.get_thread(request, thread_id)
        assistant = self.get_assistant(request, body.get("assistant"))
        return self.respond(self.start(thread, assistant, text), protocol)

    def get(self, request: HttpRequest, thread_id: int) -> HttpResponseBase:
        protocol = self.choose_protocol(request)
        raw = request.headers.get("Last-Event-ID") or request.GET.get("after") or "0"
        try:
            after = int(raw)
        except ValueError:
            raise StreamViewError(
                400, "invalid_after", f"The event to resume after must be a number, not {raw!r}."
            ) from None
        return self.follow(self.get_thread(request, thread_id), max(after, 0), protocol)


class ChatView(_StreamView):
    """The AI SDK's ``useChat`` (``ai`` 5): ``POST`` as its ``DefaultChatTransport`` sends it, and
    ``GET <chat id>/stream`` to resume (its ``resume: true``), answered with the UI message stream.

    The chat id maps to one of the user's threads: an id of (ASCII) digits is a thread's primary key (a
    page that got it from the server); any other id (``useChat`` makes one up) names the user's
    thread whose ``metadata["chat_id"]`` it is, created on its first message with the assistant of
    the body's ``assistant`` or the view's. Only the last message of ``messages`` is taken (the
    thread holds the conversation); ``trigger: "regenerate-message"`` removes the answer to the last
    user message and runs again.
    """

    http_method_names = ["get", "post", "options"]

    def find_thread(self, request: HttpRequest, chat_id: str) -> Thread | None:
        if chat_id.isascii() and chat_id.isdigit():  # "²" is a digit to isdigit() but no int
            return self.get_thread(request, int(chat_id))
        return self.get_queryset().filter(metadata__chat_id=chat_id).order_by("pk").first()

    def create_thread(self, request: HttpRequest, chat_id: str, assistant: Assistant | None) -> Thread:
        if assistant is None:
            raise StreamViewError(
                400, "no_assistant", 'A new chat needs an assistant: send "assistant" (a slug).'
            )
        return Thread.objects.create(
            owner_id=request.user.pk, assistant=assistant, metadata={"chat_id": chat_id}
        )

    def post(self, request: HttpRequest, chat_id: str | None = None) -> HttpResponseBase:
        if chat_id is not None:  # <chat id>/stream is only read (resumed), never posted to
            return HttpResponse(status=405)
        body = _json_body(request)
        chat_id = body.get("id")
        if not isinstance(chat_id, str) or not chat_id or len(chat_id) > MAX_CHAT_ID:
            raise StreamViewError(
                400, "invalid_id", f'"id" must be the chat\'s id, 1 to {MAX_CHAT_ID} characters.'
            )
        trigger = body.get("trigger", "submit-message")
        if trigger not in ("submit-message", "regenerate-message"):
            raise StreamViewError(
                400,
                "invalid_trigger",
                f'"trigger" must be "submit-message" or "regenerate-message", not {trigger!r}.',
            )
        text = ui_message_text(body.get("messages")) if trigger == "submit-message" else None
        assistant = self.get_assistant(request, body.get("assistant"))
        with transaction.atomic():
            thread = self.find_thread(request, chat_id)
            if thread is None:
                if trigger != "submit-message":
                    raise Http404
                thread = self.create_thread(request, chat_id, assistant)
            if thread.archived:
                raise StreamViewError(400, "thread_archived", f"The chat {chat_id!r} is archived.")
            if trigger == "regenerate-message":
                self.check_regenerated(thread, body.get("messageId"))
                self.forget_last_answer(thread)
            events = self.start(thread, assistant, text)
        return self.respond(events, "ui")

    def check_regenerated(self, thread: Thread, wanted: Any) -> None:
        """The answer useChat asks to regenerate, when it is one of the server's (``run-<id>``,
        from the stream's ``start``), must be this chat's last: only that one is answered again.
        Another chat's answer, another user's or none is refused alike (nothing tells them apart)."""
        if wanted is None or (isinstance(wanted, str) and not wanted.startswith("run-")):
            return  # an id the page made up for the answer: the last answer is the one meant
        last = thread.runs.order_by("-pk").values_list("pk", flat=True).first()
        if last is None or wanted != message_id(last):
            raise StreamViewError(
                400, "unknown_message", f"No answer {wanted!r} to regenerate: only the chat's last one."
            )

    def forget_last_answer(self, thread: Thread) -> None:
        """Remove what answered the last user message, so that it is answered again."""
        try:
            while (
                thread.item_count
                and thread.items.order_by("-position").values_list("role", flat=True)[0] != "user"
            ):
                pop_item(thread)
        except ThreadError as exc:
            raise _refusal(exc) from None

    def get(self, request: HttpRequest, chat_id: str | None = None) -> HttpResponseBase:
        if chat_id is None:
            return HttpResponse(status=405)
        thread = self.find_thread(request, chat_id)
        if thread is None:
            # A chat not begun yet (useChat makes its id up and asks on every page load): nothing
            # to resume. The answer is the same whoever else has a chat of that name.
            return HttpResponse(status=204)
        # useChat replays a resumed stream into a new message: the run's events from the first.
        return self.follow(thread, 0, "ui")

"""threads/: a user's own threads (staff see all): create, list, retrieve, change (title,
metadata, assistant, ``archived``), delete; a thread's items, paged by position, and new messages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from ...models import Thread, ThreadItem
from ...services import threads as services
from ..base import APIView, owned
from ..pagination import ListPagination, PositionPagination
from ..schema import document, with_errors
from ..thread_serializers import (
    MessageCreateSerializer,
    ThreadCreateSerializer,
    ThreadItemSerializer,
    ThreadSerializer,
    ThreadUpdateSerializer,
)


def thread_queryset() -> QuerySet[Thread]:
    return Thread.objects.select_related("assistant", "active_run")


class ThreadScoped(APIView):
    """A view of something inside a thread: the thread is found among the user's own first (another
    user's is a 404, whatever is asked of it)."""

    def get_thread(self) -> Thread:
        return get_object_or_404(owned(thread_queryset(), self.request.user), pk=self.kwargs["thread_id"])


class ThreadList(APIView):
    queryset = thread_queryset()
    serializer_class = ThreadSerializer
    pagination_class = ListPagination

    def cursor_pk(self, after: str, queryset: Any) -> int | None:
        return int(after) if after.isdecimal() and queryset.filter(pk=int(after)).exists() else None

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        archived = self.request.query_params.get("archived")
        if archived is not None:
            queryset = queryset.filter(archived=archived.lower() in ("1", "true", "yes"))
        return queryset

    @document(
        summary="List your threads",
        description="Newest first; staff see every user's.",
        parameters=[
            {"name": "archived", "description": "true: only archived threads; false: only the others."}
        ],
        responses=with_errors(ThreadSerializer(many=True), 400),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ThreadSerializer(page, many=True).data)

    @document(
        summary="Create a thread",
        description="Yours. `assistant` (a slug or an id) is what its runs use when they name none.",
        request=ThreadCreateSerializer,
        responses=with_errors({201: ThreadSerializer}, 400),
    )
    def post(self, request: Request) -> Response:
        form = ThreadCreateSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        thread = Thread.objects.create(
            owner_id=request.user.pk,
            assistant=data.get("assistant"),
            title=data.get("title", ""),
            backend=data.get("backend", ""),
            metadata=data.get("metadata") or {},
        )
        return Response(ThreadSerializer(thread).data, status=status.HTTP_201_CREATED)


class ThreadDetail(ThreadScoped):
    queryset = thread_queryset()
    serializer_class = ThreadSerializer
    lookup_url_kwarg = "thread_id"

    @document(summary="Retrieve a thread", responses=with_errors(ThreadSerializer, 404))
    def get(self, request: Request, thread_id: int) -> Response:
        return Response(ThreadSerializer(self.get_thread()).data)

    @document(
        summary="Change a thread",
        description=(
            "Its `title`, `metadata` or `assistant`; `archived: true` archives it (it keeps its items "
            "and takes no message or run), `false` brings it back."
        ),
        request=ThreadUpdateSerializer,
        responses=with_errors(ThreadSerializer, 400, 404),
    )
    def patch(self, request: Request, thread_id: int) -> Response:
        thread = self.get_thread()
        form = ThreadUpdateSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        archived = data.pop("archived", None)
        if data:
            for name, value in data.items():
                setattr(thread, name, value)
            thread.save(update_fields=[*data, "updated"])
        if archived is not None and archived != thread.archived:
            (services.archive_thread if archived else services.unarchive_thread)(thread)
        return Response(ThreadSerializer(thread).data)

    @document(
        summary="Delete a thread, its items and its runs",
        description="Refused (409) while a run is in progress: cancel it first.",
        responses=with_errors({204: None}, 404, 409),
    )
    def delete(self, request: Request, thread_id: int) -> Response:
        thread = self.get_thread()
        running = thread.current_run
        if running is not None:
            raise services.ThreadBusy(
                f"Thread {thread.pk} has a run in progress (run {running.pk}): "
                "cancel it before deleting the thread."
            )
        thread.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class ThreadItems(ThreadScoped):
    """The log, by position: ``after`` an item's id reads on from it, at the same cost on the
    10,000th item as on the first (the thread's position index)."""

    serializer_class = ThreadItemSerializer
    pagination_class = PositionPagination

    def cursor_pk(self, after: str, queryset: Any) -> int | None:
        if not after.isdecimal():
            return None
        return queryset.order_by().filter(pk=int(after)).values_list("position", flat=True).first()

    @document(
        summary="A thread's items, by position",
        responses=with_errors(ThreadItemSerializer(many=True), 400, 404),
    )
    def get(self, request: Request, thread_id: int) -> Response:
        thread = self.get_thread()
        page = self.paginate_queryset(ThreadItem.objects.filter(thread_id=thread.pk))
        return self.get_paginated_response(ThreadItemSerializer(page, many=True).data)

    @document(
        summary="Add a message to a thread",
        description=(
            "A text or content parts, `user` by default; the next run answers it. Refused while a "
            "run is in progress (409) or when the thread is archived (400)."
        ),
        request=MessageCreateSerializer,
        responses=with_errors({201: ThreadItemSerializer}, 400, 404, 409),
    )
    def post(self, request: Request, thread_id: int) -> Response:
        thread = self.get_thread()
        form = MessageCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        item = services.add_message(thread, form.validated_data["content"], form.validated_data["role"])
        return Response(ThreadItemSerializer(item).data, status=status.HTTP_201_CREATED)

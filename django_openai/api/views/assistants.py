"""assistants/: list, create, retrieve, change, delete; an assistant's versions.

Staff only by default (``ASSISTANT_PERMISSION_CLASSES``): an assistant is a configuration that
every user's threads run with. Writes go through ``services.assistants.save_assistant``, which
checks the settings as a run would use them and makes a new version when the behaviour changed.
"""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from ...conf import app_settings
from ...models import Assistant, AssistantVersion
from ...services.assistants import save_assistant
from ..base import APIView, _classes
from ..pagination import ListPagination
from ..schema import document, with_errors
from ..thread_serializers import AssistantSerializer, AssistantVersionSerializer


class AssistantView(APIView):
    """Who may reach assistants is its own setting; among them, staff reach every assistant and
    anyone else (where the setting lets them in) their own."""

    queryset = Assistant.objects.all()
    serializer_class = AssistantSerializer
    lookup_field = "slug"

    def get_permissions(self) -> list[Any]:
        return [cls() for cls in _classes(tuple(app_settings.API.ASSISTANT_PERMISSION_CLASSES))]


class AssistantList(AssistantView):
    pagination_class = ListPagination

    def cursor_pk(self, after: str, queryset: Any) -> int | None:
        return queryset.order_by().filter(slug=after).values_list("pk", flat=True).first()

    @document(
        summary="List assistants",
        description="Newest first; `after` is an assistant's slug.",
        responses=with_errors(AssistantSerializer(many=True), 400, 403),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AssistantSerializer(page, many=True).data)

    @document(
        summary="Create an assistant",
        description=(
            "Its settings are checked as a run would use them: a function tool must be registered "
            "(by name), a hosted tool is a dict with a `type`, a response format a JSON schema or a "
            "pydantic model's dotted path. The answer's `version` is 1."
        ),
        request=AssistantSerializer,
        responses=with_errors({201: AssistantSerializer}, 400, 403),
    )
    def post(self, request: Request) -> Response:
        form = AssistantSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        # Staff make shared assistants, which every user's threads may use; others (where
        # ASSISTANT_PERMISSION_CLASSES lets them in) make their own.
        owner = None if request.user.is_staff else request.user.pk
        assistant = Assistant(owner_id=owner, **form.validated_data)
        save_assistant(assistant)
        return Response(AssistantSerializer(assistant).data, status=status.HTTP_201_CREATED)


class AssistantDetail(AssistantView):
    @document(summary="Retrieve an assistant", responses=with_errors(AssistantSerializer, 403, 404))
    def get(self, request: Request, slug: str) -> Response:
        return Response(AssistantSerializer(self.get_object()).data)

    @document(
        summary="Change an assistant",
        description=(
            "Only the fields given change. A change to how it behaves (model, instructions, tools, "
            "response format...) makes a new version; runs keep the version they ran with."
        ),
        request=AssistantSerializer,
        responses=with_errors(AssistantSerializer, 400, 403, 404),
    )
    def patch(self, request: Request, slug: str) -> Response:
        assistant = self.get_object()
        form = AssistantSerializer(assistant, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        for name, value in form.validated_data.items():
            setattr(assistant, name, value)
        save_assistant(assistant)
        return Response(AssistantSerializer(assistant).data)

    @document(
        summary="Delete an assistant",
        description="Its threads stay, without an assistant; its runs keep their model and usage.",
        responses=with_errors({204: None}, 403, 404),
    )
    def delete(self, request: Request, slug: str) -> Response:
        self.get_object().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssistantVersions(AssistantView):
    pagination_class = ListPagination

    def cursor_pk(self, after: str, queryset: Any) -> int | None:
        if not after.isdecimal():
            return None
        return queryset.order_by().filter(number=int(after)).values_list("pk", flat=True).first()

    @document(
        summary="An assistant's versions, newest first",
        description="Each with its frozen settings and what changed from the one before (`after`: a number).",
        responses=with_errors(AssistantVersionSerializer(many=True), 400, 403, 404),
    )
    def get(self, request: Request, slug: str) -> Response:
        assistant = self.get_object()
        versions = AssistantVersion.objects.filter(assistant=assistant)
        page = self.paginate_queryset(versions) or []
        # What each changed is read against the one before it: one query for the page.
        wanted = [version.number - 1 for version in page]
        previous = dict(versions.filter(number__in=wanted).values_list("number", "snapshot"))
        data = AssistantVersionSerializer(page, many=True, context={"previous": previous}).data
        return self.get_paginated_response(data)

"""fine-tuning/jobs/: create, list, retrieve, cancel, pause, resume; events read on with
``after``; checkpoints."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from ...models import File, FineTuningJob
from ...services import fine_tuning as services
from ..base import APIView, RemoteObjectView, owned
from ..pagination import ListPagination, OldestFirstPagination, pk_of_remote_id
from ..schema import document, with_errors
from ..serializers import (
    FineTuningCheckpointSerializer,
    FineTuningEventSerializer,
    FineTuningJobCreateSerializer,
    FineTuningJobSerializer,
)


class JobList(APIView):
    queryset = FineTuningJob.objects.with_progress()
    serializer_class = FineTuningJobSerializer
    pagination_class = ListPagination
    throttle_scopes = {"POST": "create"}

    def cursor_pk(self, after: str, queryset: Any) -> int | None:
        return pk_of_remote_id(after, queryset)

    @document(
        summary="List your fine-tuning jobs", responses=with_errors(FineTuningJobSerializer(many=True), 400)
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(FineTuningJobSerializer(page, many=True).data)

    def _file(self, request: Request, field: str, value: str | None) -> File | None:
        if value is None:
            return None
        file = owned(File.objects.all(), request.user).filter(openai_id=value).first()
        if file is None:
            raise ValidationError({field: [f"no file {value!r} of yours."]})
        return file

    @document(
        summary="Start a fine-tuning job",
        description="The training (and validation) file must be yours, purpose fine-tune.",
        request=FineTuningJobCreateSerializer,
        responses=with_errors({201: FineTuningJobSerializer}, 400, 429, 502),
    )
    def post(self, request: Request) -> Response:
        form = FineTuningJobCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        job = services.start_job(
            self._file(request, "training_file", data["training_file"]),
            data["model"],
            validation_file=self._file(request, "validation_file", data.get("validation_file")),
            method=data.get("method"),
            hyperparameters=data.get("hyperparameters"),
            suffix=data.get("suffix"),
            seed=data.get("seed"),
            metadata=data.get("metadata"),
            client_alias=self.client_alias,
            owner=request.user,
        )
        job = FineTuningJob.objects.with_progress().get(pk=job.pk)
        return Response(FineTuningJobSerializer(job).data, status=status.HTTP_201_CREATED)


class JobDetail(RemoteObjectView):
    queryset = FineTuningJob.objects.with_progress()
    serializer_class = FineTuningJobSerializer

    @document(summary="Retrieve a fine-tuning job", responses=with_errors(FineTuningJobSerializer, 404))
    def get(self, request: Request, openai_id: str) -> Response:
        return Response(FineTuningJobSerializer(self.get_object()).data)


class JobAction(RemoteObjectView):
    """POST cancel/, pause/ and resume/: the API's answer, mirrored."""

    queryset = FineTuningJob.objects.with_progress()
    serializer_class = FineTuningJobSerializer
    action = "cancel"

    def post(self, request: Request, openai_id: str) -> Response:
        job = services.job_action(self.get_object(), self.action)
        job = FineTuningJob.objects.with_progress().get(pk=job.pk)
        return Response(FineTuningJobSerializer(job).data)


def _action(name: str, summary: str) -> type[JobAction]:
    @document(summary=summary, request=None, responses=with_errors(FineTuningJobSerializer, 400, 404, 502))
    def post(self: JobAction, request: Request, openai_id: str) -> Response:
        return JobAction.post(self, request, openai_id)

    return type(f"Job{name.title()}", (JobAction,), {"action": name, "post": post})


JobCancel = _action("cancel", "Cancel a fine-tuning job")
JobPause = _action("pause", "Pause a running fine-tuning job")
JobResume = _action("resume", "Resume a paused fine-tuning job")


class JobEvents(RemoteObjectView):
    """The events stored so far (the poller fetches new ones), oldest first: ``after`` the last
    one seen gives only what is new."""

    queryset = FineTuningJob.objects.all()
    serializer_class = FineTuningEventSerializer
    pagination_class = OldestFirstPagination

    def cursor_pk(self, after: str, queryset: Any) -> int | None:
        return pk_of_remote_id(after, queryset)

    @document(
        summary="A job's events, oldest first",
        responses=with_errors(FineTuningEventSerializer(many=True), 400, 404),
    )
    def get(self, request: Request, openai_id: str) -> Response:
        job = self.get_object()
        page = self.paginate_queryset(job.events.all())
        return self.get_paginated_response(FineTuningEventSerializer(page, many=True).data)


class JobCheckpoints(RemoteObjectView):
    """A job's checkpoints, by step (stored in step order: the pk is the keyset)."""

    queryset = FineTuningJob.objects.all()
    serializer_class = FineTuningCheckpointSerializer
    pagination_class = OldestFirstPagination

    def cursor_pk(self, after: str, queryset: Any) -> int | None:
        return pk_of_remote_id(after, queryset)

    @document(
        summary="A job's checkpoints, by step",
        responses=with_errors(FineTuningCheckpointSerializer(many=True), 400, 404),
    )
    def get(self, request: Request, openai_id: str) -> Response:
        job = self.get_object()
        page = self.paginate_queryset(job.checkpoints.all())
        return self.get_paginated_response(FineTuningCheckpointSerializer(page, many=True).data)

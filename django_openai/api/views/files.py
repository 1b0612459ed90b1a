"""files/ and uploads/: multipart upload (large files in parts, in the background), list,
retrieve, delete, content streamed back; an upload's progress, and its resumption."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from ...downloads import file_download
from ...models import File, Upload
from ...services import files as services
from ..base import APIView, RemoteObjectView
from ..pagination import ListPagination, pk_of_remote_id
from ..schema import binary, document, with_errors
from ..serializers import FileSerializer, FileUploadSerializer, UploadSerializer

PURPOSE = {
    "name": "purpose",
    "description": "Only files of this purpose.",
    "enum": sorted(services.FILE_PURPOSES),
}


class FileList(APIView):
    queryset = File.objects.all()
    serializer_class = FileSerializer
    pagination_class = ListPagination
    parser_classes = [MultiPartParser, FormParser]
    throttle_scopes = {"POST": "create"}

    def cursor_pk(self, after: str, queryset: Any) -> int | None:
        return pk_of_remote_id(after, queryset)

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        purpose = self.request.query_params.get("purpose")
        return queryset.filter(purpose=purpose) if purpose else queryset

    @document(
        summary="List your files", parameters=[PURPOSE], responses=with_errors(FileSerializer(many=True), 400)
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(FileSerializer(page, many=True).data)

    @document(
        summary="Upload a file",
        description=(
            "Up to UPLOAD_PART_THRESHOLD_BYTES the file is uploaded at once: 201 and the file. Above, "
            "it is sent through the Uploads API in parts by a Celery task: 202 and the upload, whose "
            "progress GET uploads/{id}/ shows."
        ),
        request={"multipart/form-data": FileUploadSerializer},
        responses=with_errors({201: FileSerializer, 202: UploadSerializer}, 400, 429, 502),
    )
    def post(self, request: Request) -> Response:
        form = FileUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        received = form.validated_data["file"]
        result = services.receive_file(
            received, form.validated_data["purpose"], client_alias=self.client_alias, owner=request.user
        )
        if isinstance(result, Upload):
            return Response(UploadSerializer(result).data, status=status.HTTP_202_ACCEPTED)
        return Response(FileSerializer(result).data, status=status.HTTP_201_CREATED)


class FileDetail(RemoteObjectView):
    queryset = File.objects.all()
    serializer_class = FileSerializer

    @document(summary="Retrieve a file", responses=with_errors(FileSerializer, 404))
    def get(self, request: Request, openai_id: str) -> Response:
        return Response(FileSerializer(self.get_object()).data)

    @document(
        summary="Delete a file, remotely and here",
        responses=with_errors({204: None}, 404, 502),
    )
    def delete(self, request: Request, openai_id: str) -> Response:
        services.delete_file(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class FileContent(RemoteObjectView):
    queryset = File.objects.all()
    serializer_class = FileSerializer

    @document(
        summary="Download a file's content (streamed from the API)",
        responses=with_errors(binary("application/octet-stream", "The file's bytes."), 404, 502),
    )
    def get(self, request: Request, openai_id: str) -> Any:
        file = self.get_object()
        return file_download(request, file)


class UploadList(APIView):
    queryset = Upload.objects.select_related("file")
    serializer_class = UploadSerializer
    pagination_class = ListPagination

    def cursor_pk(self, after: str, queryset: Any) -> int | None:
        return int(after) if after.isdecimal() and queryset.filter(pk=int(after)).exists() else None

    @document(
        summary="List your large uploads and their progress",
        responses=with_errors(UploadSerializer(many=True), 400),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(UploadSerializer(page, many=True).data)


class UploadDetail(APIView):
    queryset = Upload.objects.select_related("file")
    serializer_class = UploadSerializer
    lookup_url_kwarg = "upload_id"

    @document(summary="An upload's progress", responses=with_errors(UploadSerializer, 404))
    def get(self, request: Request, upload_id: int) -> Response:
        return Response(UploadSerializer(self.get_object()).data)


class UploadResume(APIView):
    queryset = Upload.objects.select_related("file")
    serializer_class = UploadSerializer
    lookup_url_kwarg = "upload_id"
    throttle_scopes = {"POST": "create"}

    @document(
        summary="Resume a failed upload (only the missing parts are sent)",
        request=None,
        responses=with_errors({202: UploadSerializer}, 400, 404),
    )
    def post(self, request: Request, upload_id: int) -> Response:
        upload = services.retry_upload(self.get_object())
        return Response(UploadSerializer(upload).data, status=status.HTTP_202_ACCEPTED)
